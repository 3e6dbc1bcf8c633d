/**
 * Updating a database file with signed patches: read it, apply the chain in memory
 * (`applyPatches`: signatures, base, target SHA-256), load the result as the engine would, and
 * only then replace the file atomically. On any failure the file is unchanged.
 */
import { readFile } from "node:fs/promises";
import { applyPatches, Engine, type AppliedPatch, type LoadOptions } from "../core.js";
import { removeStaleTemps, replaceFileAtomic, ReplaceFileError, type ReplaceStep } from "./replace-file.js";

export interface UpdateFileOptions extends LoadOptions {
  /** Check everything, write nothing. */
  dryRun?: boolean;
  /** Passed to `replaceFileAtomic` (tests stop the process at each step). */
  onStep?: (step: ReplaceStep) => void | Promise<void>;
}

export interface DatabaseUpdateReport {
  path: string;
  /** The file was replaced (false: already up to date, or a dry run). */
  updated: boolean;
  dryRun: boolean;
  from: { dbVersion: number; sha256: string };
  to: { dbVersion: number; sha256: string; bytes: number };
  steps: AppliedPatch[];
  /** The engine over the new database (over the current one when nothing changed). */
  engine: Engine;
  /** Temporary files an earlier, killed update had left and that were removed. */
  removedTemps: string[];
}

/**
 * Apply `patches` (file contents, in order) to the database at `path`. Throws `PatchError` (a
 * patch was refused), `DatabaseError` (the result is not acceptable to the engine: untrusted
 * signature, not newer) or `ReplaceFileError` (it could not be read or written); the file is then
 * unchanged.
 */
export async function updateDatabaseFile(path: string, patches: readonly Uint8Array[], options: UpdateFileOptions): Promise<DatabaseUpdateReport> {
  let current: Uint8Array;
  try {
    current = await readFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ReplaceFileError(e.code ?? "IO_ERROR", `cannot read the database ${path}: ${e.code === "ENOENT" ? "no such file" : e.message}`, "read");
  }
  const result = await applyPatches(current, patches, { trustedKeys: options.trustedKeys ?? [] });
  const { dryRun = false, onStep, ...load } = options;
  const applied = result.steps.find((s) => !s.alreadyApplied);
  const from = applied ? applied.from : { dbVersion: result.dbVersion, sha256: result.sha256 };
  const to = { dbVersion: result.dbVersion, sha256: result.sha256, bytes: result.bytes.length };
  if (!applied) return { path, updated: false, dryRun, from, to, steps: result.steps, engine: await Engine.load(current, load), removedTemps: [] };
  const engine = await Engine.load(result.bytes, { ...load, newerThan: from.dbVersion });
  if (dryRun) return { path, updated: false, dryRun, from, to, steps: result.steps, engine, removedTemps: [] };
  const removedTemps = await removeStaleTemps(path);
  await replaceFileAtomic(path, result.bytes, { onStep });
  return { path, updated: true, dryRun, from, to, steps: result.steps, engine, removedTemps };
}
