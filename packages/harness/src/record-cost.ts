/**
 * Per-record cost on the corpus: the engine adds each candidate check to a `ScanProfile` (arrays
 * indexed by record row); workers send back only the rows they touched, the main thread adds them up.
 */
import type { ScanProfile } from "@tgvx/engine";

/** The rows of a profile that were touched, as parallel arrays (cheap to post between threads). */
export interface SparseCost {
  rows: number[];
  candidates: number[];
  crcs: number[];
  ms: number[];
}

export function newProfile(recordCount: number): ScanProfile {
  return { candidates: new Uint32Array(recordCount), crcs: new Uint32Array(recordCount), ms: new Float64Array(recordCount) };
}

/** Take the touched rows out of a profile and zero them, so the profile can be reused. */
export function takeCost(p: ScanProfile): SparseCost {
  const out: SparseCost = { rows: [], candidates: [], crcs: [], ms: [] };
  for (let row = 0; row < p.candidates.length; row++) {
    if (p.candidates[row] === 0) continue;
    out.rows.push(row);
    out.candidates.push(p.candidates[row]);
    out.crcs.push(p.crcs[row]);
    out.ms.push(p.ms[row]);
    p.candidates[row] = 0;
    p.crcs[row] = 0;
    p.ms[row] = 0;
  }
  return out;
}

export function addCost(total: ScanProfile, c: SparseCost): void {
  for (let i = 0; i < c.rows.length; i++) {
    const row = c.rows[i];
    total.candidates[row] += c.candidates[i];
    total.crcs[row] += c.crcs[i];
    total.ms[row] += c.ms[i];
  }
}
