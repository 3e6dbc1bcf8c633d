/**
 * Worker-thread side of `proveSamples`: each worker verifies and loads the database once (from
 * the bytes the pool hands it), then checks the chunks of samples it is given.
 */
import { Engine, type ScanProfile } from "@tgvx/engine";
import Tinypool from "tinypool";
import { newProfile, takeCost } from "./record-cost.js";
import { checkChunk, type ChunkResult, type ChunkTask, type WorkerData } from "./prove-chunk.js";

async function load(): Promise<{ engine: Engine; profile: ScanProfile }> {
  const data = Tinypool.workerData as WorkerData;
  // The bytes come from the main thread's engine, which verified them (signature policy included).
  const engine = await Engine.load(data.database, { allowUnsigned: true });
  if (engine.info.sha256 !== data.sha256) throw new Error(`worker loaded database ${engine.info.sha256}, expected ${data.sha256}`);
  return { engine, profile: newProfile(engine.db.recordCount) };
}

// Started when the thread starts (while the main thread parses the manifest); a failure is
// reported by the first task.
const loaded = load();
loaded.catch(() => {});

export default async function run(task: ChunkTask): Promise<ChunkResult> {
  const { engine, profile } = await loaded;
  const results = checkChunk(engine, task.samplesDir, task.samples, profile);
  return { index: task.index, results, cost: takeCost(profile) };
}
