/**
 * Cleaning files on disk, with the user's rights kept: a backup before any change when asked,
 * the cleaned result written to a temporary file in the same folder, read back and compared,
 * then renamed over the original, so the original is either untouched or wholly replaced.
 */
import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { CleanResult, Engine } from "../core.js";

/** The file operations cleaning uses; tests replace them to simulate a full disk or a failing rename. */
export interface FileOps {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}

export const nodeFileOps: FileOps = {
  readFile: (p) => fsp.readFile(p),
  async writeFile(p, data, mode) {
    const fh = await fsp.open(p, "wx", mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  rename: (a, b) => fsp.rename(a, b),
  unlink: (p) => fsp.unlink(p),
  mkdir: async (p) => void (await fsp.mkdir(p, { recursive: true })),
  exists: (p) => fsp.access(p).then(
    () => true,
    () => false,
  ),
};

export interface CleanFileOptions {
  /** Copy the infected file here (same name; `.1`, `.2`, ... when taken) before changing or removing it. */
  backupDir?: string;
  /** Report what would happen; change nothing. */
  dryRun?: boolean;
  /**
   * What to do when the record has no cleaning script (and no module): "report" (default) leaves
   * the file; "remove" deletes it, after the backup when one is asked for (quarantine).
   */
  fallback?: "report" | "remove";
  fileOps?: FileOps;
}

export interface FileCleanReport {
  path: string;
  /** As `CleanResult.status`, plus "error" when the file could not be read or written (it is then unchanged). */
  status: CleanResult["status"] | "error";
  detections: string[];
  /** Where the backup was written. */
  backup?: string;
  reason?: string;
  code?: string;
  dryRun?: boolean;
  /** For a package cleaned inside: which members were cleaned or removed. */
  members?: CleanResult["members"];
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? "IO_ERROR";
}

/** A file operation that failed: the code and reason to report (the file is then unchanged). */
export interface FileFailure {
  code: string;
  reason: string;
}

/** The most Node reads into memory at once (fs.readFile's limit). */
const MAX_READ = 2 ** 31 - 1;

/** Stat and read a regular file (or take `given` for its bytes). */
export async function readUserFile(io: FileOps, path: string, given?: Uint8Array): Promise<{ mode: number; bytes: Uint8Array } | FileFailure> {
  try {
    const st = await fsp.stat(path);
    if (!st.isFile()) return { code: "NOT_A_FILE", reason: "not a regular file" };
    if (!given && st.size > MAX_READ)
      return {
        code: "TOO_LARGE",
        reason: `${st.size} bytes: cleaning holds a file in memory, at most ${MAX_READ} bytes; not read, not changed (tgvx scan checks it, reading only the parts its records need)`,
      };
    return { mode: st.mode, bytes: given ?? (await io.readFile(path)) };
  } catch (err) {
    return { code: errnoCode(err), reason: `cannot read: ${(err as Error).message}` };
  }
}

/** Copy the original aside (backup, quarantine, suspicious copy); returns where, or what failed. */
export async function copyAside(io: FileOps, dir: string, path: string, bytes: Uint8Array, mode: number, what: string): Promise<string | FileFailure> {
  try {
    return await writeBackup(io, dir, basename(path), bytes, mode & 0o777);
  } catch (err) {
    return { code: errnoCode(err), reason: `${what} to ${dir} failed: ${(err as Error).message}` };
  }
}

/** Remove the file (`output` undefined) or put `output` in its place; undefined when done. */
export async function removeOrReplace(io: FileOps, path: string, output: Uint8Array | undefined, mode: number): Promise<FileFailure | undefined> {
  try {
    if (output === undefined) await io.unlink(path);
    else await replaceVerified(io, path, output, mode & 0o7777);
    return undefined;
  } catch (err) {
    return { code: errnoCode(err), reason: output === undefined ? `cannot remove: ${(err as Error).message}` : `cannot write the cleaned file: ${(err as Error).message}` };
  }
}

export async function cleanFile(engine: Engine, path: string, options: CleanFileOptions = {}): Promise<FileCleanReport> {
  const io = options.fileOps ?? nodeFileOps;
  const read = await readUserFile(io, path);
  if ("code" in read) return { path, status: "error", detections: [], ...read };
  const { mode, bytes } = read;
  const cleaned = engine.clean(bytes, { name: basename(path) });
  const result: CleanResult =
    cleaned.status === "no-action" && options.fallback === "remove"
      ? { ...cleaned, status: "removed", reason: `${cleaned.reason}; removed as the fallback action` }
      : cleaned;
  const report: FileCleanReport = {
    path,
    status: result.status,
    detections: result.detections.map((d) => d.name),
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.code ? { code: result.code } : {}),
    ...(result.members ? { members: result.members } : {}),
  };
  if (result.status !== "cleaned" && result.status !== "removed") return report;
  if (options.dryRun) return { ...report, dryRun: true };
  const unchanged = (f: FileFailure): FileCleanReport => ({ ...report, status: "error", code: f.code, reason: `${f.reason}; the file is unchanged` });

  // A read-only file is the user's decision too (root could write it anyway).
  if ((mode & 0o222) === 0) return unchanged({ code: "READ_ONLY", reason: "the file is read-only" });

  if (options.backupDir) {
    const backup = await copyAside(io, options.backupDir, path, bytes, mode, "backup");
    if (typeof backup !== "string") return unchanged(backup);
    report.backup = backup;
  }
  const failed = await removeOrReplace(io, path, result.status === "removed" ? undefined : result.output!, mode);
  return failed ? unchanged(failed) : report;
}

/**
 * Put `output` in place of `path`: a temporary file in the same folder, read back and compared,
 * then renamed over the original. On any failure the temporary file is removed and the error
 * thrown; the original is untouched.
 */
export async function replaceVerified(io: FileOps, path: string, output: Uint8Array, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tgvx-${randomBytes(4).toString("hex")}.tmp`);
  try {
    await io.writeFile(tmp, output, mode);
    if (!sameBytes(await io.readFile(tmp), output)) throw Object.assign(new Error("the written file does not read back as written"), { code: "VERIFY_FAILED" });
    await io.rename(tmp, path);
  } catch (err) {
    await io.unlink(tmp).catch(() => {});
    throw err;
  }
}

/** Copy `bytes` into `dir` as `name` (`.1`, `.2`... when taken), read it back; returns the path written. */
export async function writeBackup(io: FileOps, dir: string, name: string, bytes: Uint8Array, mode: number): Promise<string> {
  await io.mkdir(dir);
  for (let n = 0; n < 10000; n++) {
    const target = join(dir, n === 0 ? name : `${name}.${n}`);
    if (await io.exists(target)) continue;
    await io.writeFile(target, bytes, mode & 0o666);
    if (!sameBytes(await io.readFile(target), bytes)) throw new Error(`backup ${target} does not read back as written`);
    return target;
  }
  throw new Error(`no free backup name for ${name} in ${dir}`);
}
