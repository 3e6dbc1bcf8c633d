/** A chunk of samples: the unit of work handed to a worker thread (or run in the main thread). */
import type { Engine, ScanProfile } from "@tgvx/engine";
import type { SparseCost } from "./record-cost.js";
import { checkSample, type SampleResult } from "./sample-check.js";
import type { Sample } from "./sample-manifest.js";

/** What every worker gets once: the database bytes and the digest they must verify to. */
export interface WorkerData {
  database: Uint8Array;
  sha256: string;
}

export interface ChunkTask {
  index: number;
  samplesDir: string;
  samples: Sample[];
}

export interface ChunkResult {
  index: number;
  results: SampleResult[];
  cost: SparseCost;
}

export function checkChunk(engine: Engine, samplesDir: string, samples: readonly Sample[], profile: ScanProfile): SampleResult[] {
  return samples.map((s) => checkSample(engine, samplesDir, s, profile));
}
