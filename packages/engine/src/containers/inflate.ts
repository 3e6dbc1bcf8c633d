/**
 * Deflate and gzip decompression through fflate, streamed in small slices so that output is
 * accounted (and stopped) as it grows: a bomb never inflates past the budget.
 */
import { Gunzip, Inflate } from "fflate";
import { LimitReached, type Budget } from "./limits.js";

/** Compressed bytes fed per step; deflate's ~1032:1 ceiling bounds one step's output near 8 MiB. */
const SLICE = 8 * 1024;

export class CorruptData extends Error {
  override readonly name = "CorruptData";
}

function run(make: (ondata: (chunk: Uint8Array) => void) => Inflate | Gunzip, data: Uint8Array, budget: Budget): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  // The ratio is judged against what has been read so far, so a bomb is caught early, not after
  // expanding to hundreds of times its whole compressed size.
  let consumed = 0;
  const stream = make((chunk) => {
    parts.push(chunk);
    total += chunk.length;
    budget.take(chunk.length, total, consumed);
  });
  try {
    for (let p = 0; p < data.length; p += SLICE) {
      const end = Math.min(p + SLICE, data.length);
      consumed = end;
      stream.push(data.subarray(p, end), end === data.length);
      budget.checkTime();
    }
    if (data.length === 0) stream.push(new Uint8Array(0), true);
  } catch (err) {
    if (err instanceof LimitReached) throw err;
    throw new CorruptData(`corrupt compressed data: ${(err as Error).message}`);
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let q = 0;
  for (const c of parts) {
    out.set(c, q);
    q += c.length;
  }
  return out;
}

export function inflateRaw(data: Uint8Array, budget: Budget): Uint8Array {
  return run((ondata) => new Inflate((chunk) => ondata(chunk)), data, budget);
}

export function gunzip(data: Uint8Array, budget: Budget): Uint8Array {
  return run((ondata) => new Gunzip((chunk) => ondata(chunk)), data, budget);
}
