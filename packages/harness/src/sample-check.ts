/**
 * One sample through the real engine: scan it, compare with what the manifest says must be found,
 * and check what cleaning does with it. Used in the main thread and in the worker threads alike.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Engine, ScanProfile, ScanStats } from "@tgvx/engine";
import { explainMiss } from "./explain-miss.js";
import type { Sample } from "./sample-manifest.js";

/** pass, or why not: a name not found, a name too many, cleaning not as expected, the file unreadable. */
export type Outcome = "pass" | "missed" | "unexpected" | "cleaning" | "error";

export const OUTCOMES: readonly Outcome[] = ["pass", "missed", "unexpected", "cleaning", "error"];

export interface CleaningCheck {
  /** What the manifest asks of cleaning. */
  expected: "restore" | "remove" | "refuse";
  /** What the engine did (`CleanResult.status`). */
  got: string;
  ok: boolean;
  reason?: string;
}

/** A record the engine reported for a sample (anywhere inside it). */
export interface DetectedRecord {
  id: number;
  rev: number;
  name: string;
}

export interface SampleResult {
  path: string;
  outcome: Outcome;
  /** Names the manifest expects, sorted. */
  expected: string[];
  /** Names the engine reported, sorted. */
  found: string[];
  /** The records behind `found`, by id. */
  detected: DetectedRecord[];
  /** The records a failure is about (missed, extra, or the ones cleaning was run for); empty on a pass. */
  records: string[];
  /** What went wrong, for people. */
  reason?: string;
  types: string[];
  warnings: string[];
  cleaning?: CleaningCheck;
  /** The engine's work on this sample (its members included; cleaning not counted). */
  stats: ScanStats;
  /** Reading, scanning and cleaning this sample. */
  ms: number;
}

/**
 * Scan and clean-check one sample. Never throws for a bad sample: unreadable files are an "error"
 * outcome. Reads are synchronous on purpose: for many small files the thread-pool round trips of
 * async reads cost more than the scan, and a worker thread has nothing else to do meanwhile.
 */
export function checkSample(engine: Engine, samplesDir: string, s: Sample, profile?: ScanProfile): SampleResult {
  const expected = [...new Set(s.detect)].sort();
  const t = performance.now();
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(join(samplesDir, s.path));
  } catch (err) {
    return {
      path: s.path,
      outcome: "error",
      expected,
      found: [],
      detected: [],
      records: [],
      reason: `cannot read the sample: ${(err as Error).message}`,
      types: [],
      warnings: [],
      stats: { candidates: 0, crcs: 0, crcBytes: 0 },
      ms: performance.now() - t,
    };
  }
  const r = engine.scan(bytes, { name: basename(s.path), profile });
  const byId = new Map<number, DetectedRecord>();
  for (const d of r.detections) if (!byId.has(d.id)) byId.set(d.id, { id: d.id, rev: d.rev, name: d.name });
  const detected = [...byId.values()].sort((a, b) => a.id - b.id);
  const found = [...new Set(detected.map((d) => d.name))].sort();
  const missed = expected.filter((n) => !found.includes(n));
  const extra = found.filter((n) => !expected.includes(n));
  const cleaning = expected.length ? checkCleaning(engine, samplesDir, s, bytes) : undefined;
  let outcome: Outcome = "pass";
  let reason: string | undefined;
  let records: string[] = [];
  if (missed.length) {
    outcome = "missed";
    records = missed;
    const notScanned = [...r.skipped.map((x) => `${x.path.join("/")}: ${x.reason}`), ...r.limits.map((x) => `${x.path.join("/") || "the sample"}: ${x.message}`)];
    const why = missed.map((n) => explainMiss(engine.db, bytes, basename(s.path), n));
    reason =
      `expected ${missed.join(", ")} but ${found.length ? `found only ${found.join(", ")}` : "nothing was detected"}: ${why.join("; ")}` +
      (notScanned.length ? ` (not fully scanned: ${notScanned.join("; ")})` : "");
  } else if (extra.length) {
    outcome = "unexpected";
    records = extra;
    reason = expected.length ? `also detected ${extra.join(", ")}` : `clean sample detected as ${extra.join(", ")}`;
  } else if (cleaning && !cleaning.ok) {
    outcome = "cleaning";
    records = found;
    reason = cleaning.reason;
  }
  return {
    path: s.path,
    outcome,
    expected,
    found,
    detected,
    records,
    ...(reason ? { reason } : {}),
    types: r.types,
    warnings: r.warnings.map((w) => `${w.code}: ${w.message}`),
    ...(cleaning ? { cleaning } : {}),
    stats: r.stats,
    ms: performance.now() - t,
  };
}

/** What cleaning must do with an infected sample, checked in memory through the engine's clean flow. */
function checkCleaning(engine: Engine, samplesDir: string, s: Sample, bytes: Uint8Array): CleaningCheck | undefined {
  const expected = s.original !== undefined ? "restore" : s.removed ? "remove" : s.unclean !== undefined ? "refuse" : undefined;
  if (!expected) return undefined;
  const r = engine.clean(bytes, { name: basename(s.path) });
  const why = r.reason ? `: ${r.reason}` : "";
  if (expected === "remove")
    return r.status === "removed"
      ? { expected, got: r.status, ok: true }
      : { expected, got: r.status, ok: false, reason: `cleaning should remove the file but gave "${r.status}"${why}` };
  if (expected === "refuse")
    return r.status === "failed"
      ? { expected, got: r.status, ok: true, reason: r.reason }
      : { expected, got: r.status, ok: false, reason: `cleaning should be refused (${s.unclean}) but gave "${r.status}"${why}` };
  if (r.status !== "cleaned") return { expected, got: r.status, ok: false, reason: `cleaning should restore ${s.original} but gave "${r.status}"${why}` };
  let original: Uint8Array;
  try {
    original = readFileSync(join(samplesDir, s.original!));
  } catch (err) {
    return { expected, got: r.status, ok: false, reason: `cannot read the original ${s.original}: ${(err as Error).message}` };
  }
  const out = r.output!;
  if (Buffer.from(out.buffer, out.byteOffset, out.byteLength).equals(original)) return { expected, got: r.status, ok: true };
  let at = 0;
  while (at < out.length && at < original.length && out[at] === original[at]) at++;
  return {
    expected,
    got: r.status,
    ok: false,
    reason: `cleaned result (${out.length} bytes) differs from ${s.original} (${original.length} bytes) from byte 0x${at.toString(16)}`,
  };
}
