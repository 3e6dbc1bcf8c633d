/** Walking the paths a user gave: files as given, directories recursively, in name order. */
import { lstatSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export interface WalkOptions {
  /** Descend into directories below the ones given (default true). */
  recursive?: boolean;
  onError(path: string, err: Error): void;
  onDirectory?(path: string): void;
}

/**
 * Regular files under the given paths, with their sizes. Symlinks below the top level and special
 * files (devices, sockets) are not followed: no loops, no reading from a device.
 */
export async function* walkFiles(paths: readonly string[], opts: WalkOptions): AsyncGenerator<{ path: string; size: number }> {
  const walk = function* (path: string, top: boolean): Generator<{ path: string; size: number }> {
    let st;
    try {
      // Sync calls: metadata is cached, and a thread-pool round trip per file costs more than the call.
      st = top ? statSync(path) : lstatSync(path);
    } catch (err) {
      opts.onError(path, err as Error);
      return;
    }
    if (st.isDirectory()) {
      if (!top && opts.recursive === false) return;
      opts.onDirectory?.(path);
      let names: string[];
      try {
        names = readdirSync(path).sort();
      } catch (err) {
        opts.onError(path, err as Error);
        return;
      }
      for (const n of names) yield* walk(join(path, n), false);
    } else if (st.isFile()) yield { path, size: st.size };
  };
  for (const p of paths) yield* walk(p, true);
}
