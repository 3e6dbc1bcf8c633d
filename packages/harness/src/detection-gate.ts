/**
 * The "detection lost" gate: what the baseline detected (by record id) must still be detected on
 * the same sample. The baseline is the last release (its
 * recorded run on this corpus) other than the database under test, or, before any release, the
 * last run on this corpus that was ok. Losses listed in the acknowledgement file do not count.
 */
import type { AcknowledgedLossEntry } from "./acknowledged-losses.js";
import type { Ledger, ReleaseInfo, RunInfo, RunSample } from "./ledger.js";
import type { ProofReport } from "./prove-samples.js";

export interface LostDetection {
  sample: string;
  id: number;
  name: string;
  /** Revision of the record when the baseline detected it. */
  rev: number;
}

export interface AcknowledgedLoss extends LostDetection {
  reason: string;
}

export interface Baseline {
  kind: "release" | "run";
  run: RunInfo;
  release?: string;
}

export interface GateResult {
  /** Undefined when the ledger has nothing to compare with (the first run on this corpus). */
  baseline?: Baseline;
  /** Lost and not acknowledged: these fail the run. */
  lost: LostDetection[];
  acknowledged: AcknowledgedLoss[];
  /** Samples the baseline detected something in that the manifest no longer lists. */
  samplesGone: string[];
}

/** What to compare with: a recorded run, or a release whose run must be made first (its bytes are in the ledger). */
export type BaselineChoice = { kind: "release"; release: ReleaseInfo; run?: RunInfo } | { kind: "run"; run: RunInfo } | undefined;

export function chooseBaseline(ledger: Ledger, corpus: string, sha256: string): BaselineChoice {
  const release = ledger
    .releases()
    .filter((r) => r.sha256 !== sha256)
    .at(-1);
  if (release) {
    const run = ledger.runs({ corpus, sha256: release.sha256, limit: 1 })[0];
    if (run || release.hasBytes) return { kind: "release", release, run };
  }
  const run = ledger.runs({ corpus, ok: true, limit: 1 })[0];
  return run ? { kind: "run", run } : undefined;
}

/**
 * Detections (by record id) the baseline made that the report no longer makes, on samples still in
 * the corpus. Every baseline detection counts, not only the ones its manifest expected: a record
 * retired together with its manifest entries is exactly the loss to catch, and a release tested
 * today is judged by today's manifest. (A false positive the new database fixes is a loss to
 * acknowledge too; the usual baselines, good runs, have none.)
 */
export function lostDetections(baseline: readonly RunSample[], report: ProofReport): { losses: LostDetection[]; samplesGone: string[] } {
  const now = new Map(report.results.map((r) => [r.path, new Set(r.detected.map((d) => d.id))]));
  const losses: LostDetection[] = [];
  const samplesGone: string[] = [];
  for (const b of baseline) {
    if (!b.detected.length) continue;
    const cur = now.get(b.path);
    if (!cur) {
      samplesGone.push(b.path);
      continue;
    }
    for (const d of b.detected) if (!cur.has(d.id)) losses.push({ sample: b.path, id: d.id, name: d.name, rev: d.rev });
  }
  return { losses, samplesGone };
}

export function acknowledgementCovers(a: AcknowledgedLossEntry, l: LostDetection): boolean {
  const record = typeof a.record === "number" ? a.record === l.id : a.record === l.name;
  return record && (a.sample === undefined || a.sample === l.sample);
}

export function applyAcknowledgements(losses: readonly LostDetection[], acks: readonly AcknowledgedLossEntry[]): { lost: LostDetection[]; acknowledged: AcknowledgedLoss[] } {
  const lost: LostDetection[] = [];
  const acknowledged: AcknowledgedLoss[] = [];
  for (const l of losses) {
    const a = acks.find((x) => acknowledgementCovers(x, l));
    if (a) acknowledged.push({ ...l, reason: a.reason });
    else lost.push(l);
  }
  return { lost, acknowledged };
}
