/**
 * Worker-thread side of `tgvx scan -j N`: each worker reads and loads the database once (while the
 * main thread loads and verifies its own copy, signature policy included), resolves the same
 * control layers quietly, then scans the chunks of files it is given and hands back each file's
 * outcome (see scan-file.ts). Every task names the SHA-256 of the database the main thread
 * verified; a worker whose copy differs (the file was replaced meanwhile) refuses the task.
 */
import { readFile } from "node:fs/promises";
import { Engine } from "@tgvx/engine/core";
import Tinypool from "tinypool";
import { loadControl, type ControlFlags, type PolicyCliOptions } from "./policy-options.js";
import { scanFile, type ScanFileOutcome, type ScanFileSettings } from "./scan-file.js";

export interface ScanWorkerData {
  dbPath: string;
  policy: PolicyCliOptions;
  flags: ControlFlags;
}

export interface ScanTask {
  paths: string[];
  /** Content SHA-256 of the database the main thread loaded and verified. */
  sha256: string;
  settings: ScanFileSettings;
}

async function load() {
  const data = Tinypool.workerData as ScanWorkerData;
  // Only used once its SHA-256 equals the one the main thread verified (checked per task).
  const engine = await Engine.load(await readFile(data.dbPath), { allowUnsigned: true });
  const control = await loadControl(engine, data.policy, data.flags, { quiet: true });
  return { engine, control };
}

// Started with the thread, while the main thread loads; a failure surfaces in the first task.
const loaded = load();
loaded.catch(() => {});

export default async function run(task: ScanTask): Promise<ScanFileOutcome[]> {
  const { engine, control } = await loaded;
  if (engine.info.sha256 !== task.sha256)
    throw new Error(`the database changed while the scan started (a worker loaded ${engine.info.sha256}, the main thread verified ${task.sha256}); run the scan again`);
  return task.paths.map((p) => scanFile(engine, control, p, task.settings));
}
