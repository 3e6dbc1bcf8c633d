/** Walking the paths a user gave: files as given, directories recursively, in name order. */
import { lstatSync, readdirSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";

export interface WalkOptions {
  /** Descend into directories below the ones given (default true). */
  recursive?: boolean;
  /** A FIFO given by name (`<(curl ...)`) is yielded with `fifo: true`, to be read as a stream; else it is an error. */
  fifos?: boolean;
  /** What the command suggests for a special file given by name, added to the error ("to scan it, ..."). */
  specialHint?(path: string): string;
  onError(path: string, err: Error): void;
  onDirectory?(path: string): void;
}

/**
 * Regular files under the given paths, with their sizes. Symlinks below the top level and special
 * files (devices, sockets, FIFOs) are not followed: no loops, no reading from a device. A special
 * file given by name is an error (it was asked for and is not scanned), but for a FIFO when
 * `fifos` is set.
 */
export async function* walkFiles(paths: readonly string[], opts: WalkOptions): AsyncGenerator<{ path: string; size: number; fifo?: true }> {
  const walk = function* (path: string, top: boolean): Generator<{ path: string; size: number; fifo?: true }> {
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
    else if (top && st.isFIFO() && opts.fifos) yield { path, size: 0, fifo: true };
    else if (top) {
      const hint = opts.specialHint?.(path);
      opts.onError(path, new Error(`not a regular file (${specialKind(st)}): not read${hint ? `; ${hint}` : ""}`));
    }
  };
  for (const p of paths) yield* walk(p, true);
}

function specialKind(st: Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isBlockDevice()) return "a block device";
  if (st.isCharacterDevice()) return "a character device";
  return "a special file";
}
