/**
 * Replacing a file so that readers (and a crash at any instant) see either the whole old file or
 * the whole new one: write a temporary file in the same folder, fsync it, read it back, rename it
 * over the target, fsync the folder.
 */
import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The points `replaceFileAtomic` passes, in order (tests stop the process at each one). */
export const REPLACE_STEPS = ["temp-created", "temp-half-written", "temp-written", "temp-synced", "temp-verified", "renamed", "folder-synced"] as const;
export type ReplaceStep = (typeof REPLACE_STEPS)[number];

export interface ReplaceOptions {
  /** Called after each step; awaited. */
  onStep?: (step: ReplaceStep) => void | Promise<void>;
  /** Mode of a new file (default 0o644); an existing file keeps its own. */
  mode?: number;
}

/**
 * A replacement that could not be made; the file is unchanged. `code` is the system's (ENOSPC,
 * EACCES...) or VERIFY_FAILED; `stage` says whether reading the old file or writing the new one failed.
 */
export class ReplaceFileError extends Error {
  override readonly name = "ReplaceFileError";
  constructor(
    readonly code: string,
    message: string,
    readonly stage: "read" | "write" = "write",
  ) {
    super(message);
  }
}

const TEMP_SUFFIX = ".tmp";
/** The temporary name pattern for `path`: `.NAME.tgvx-XXXXXXXX.tmp` beside it. */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tgvx-${randomBytes(4).toString("hex")}${TEMP_SUFFIX}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Replace (or create) `path` with `data` atomically. Throws `ReplaceFileError` when the new file
 * could not be written, verified or renamed into place; the old file is then untouched and the
 * temporary file removed.
 */
export async function replaceFileAtomic(path: string, data: Uint8Array, options: ReplaceOptions = {}): Promise<void> {
  const step = async (s: ReplaceStep) => options.onStep?.(s);
  let mode = options.mode ?? 0o644;
  try {
    mode = (await fsp.stat(path)).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw wrap(err, `cannot read ${path}`, "read");
  }
  const tmp = tempNameFor(path);
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(tmp, "wx", mode);
  } catch (err) {
    throw wrap(err, `cannot create a temporary file in ${dirname(path)}`);
  }
  try {
    try {
      await step("temp-created");
      const half = data.length >>> 1;
      await fh.write(data, 0, half, 0);
      await step("temp-half-written");
      await fh.write(data, half, data.length - half, half);
      await step("temp-written");
      await fh.sync();
      await step("temp-synced");
    } finally {
      await fh.close();
    }
    const back = await fsp.readFile(tmp);
    if (!sameBytes(back, data)) throw new ReplaceFileError("VERIFY_FAILED", `the temporary file ${tmp} does not read back as written (${back.length} of ${data.length} bytes)`);
    await step("temp-verified");
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.unlink(tmp).catch(() => {});
    if (err instanceof ReplaceFileError) throw err;
    throw wrap(err, `cannot write ${path}`);
  }
  await step("renamed");
  // Make the rename itself durable; folders cannot be opened for sync everywhere (Windows).
  try {
    const dir = await fsp.open(dirname(path), "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // The file is in place either way.
  }
  await step("folder-synced");
}

function wrap(err: unknown, what: string, stage: "read" | "write" = "write"): ReplaceFileError {
  const e = err as NodeJS.ErrnoException;
  return new ReplaceFileError(e?.code ?? "IO_ERROR", `${what}: ${e?.message ?? String(err)}`, stage);
}

/**
 * Remove temporary files a killed replacement of `path` left beside it, when older than `minAgeMs`
 * (a replacement in progress elsewhere is younger). Returns the paths removed.
 */
export async function removeStaleTemps(path: string, minAgeMs = 15 * 60 * 1000): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.tgvx-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith(TEMP_SUFFIX) || !/^[0-9a-f]{8}$/.test(n.slice(prefix.length, -TEMP_SUFFIX.length))) continue;
    const p = join(dir, n);
    try {
      const st = await fsp.stat(p);
      if (st.isFile() && Date.now() - st.mtimeMs >= minAgeMs) {
        await fsp.unlink(p);
        removed.push(p);
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return removed;
}
