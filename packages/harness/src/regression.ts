/**
 * A regression run as CI needs it: prove the database against the corpus, compare its detections
 * with the baseline in the ledger (the "detection lost" gate), and record the run.
 */
import { realpath } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseError, Engine } from "@tgvx/engine";
import { ACKNOWLEDGED_LOSSES_FILE, readAcknowledgedLosses } from "./acknowledged-losses.js";
import { applyAcknowledgements, chooseBaseline, lostDetections, type GateResult } from "./detection-gate.js";
import type { Ledger, RunInfo } from "./ledger.js";
import { proofHolds, proveSamples, type ProofReport, type ProveOptions } from "./prove-samples.js";

export interface RegressionOptions extends ProveOptions {
  engine: Engine;
  samplesDir: string;
  /** Where the database was read from, for the ledger. */
  dbPath?: string;
  /** No ledger: no gate and nothing recorded. */
  ledger?: Ledger;
  /** The acknowledgement file (default: `acknowledged-losses.yaml` next to the manifest). */
  acknowledgements?: string;
  commit?: string;
  toolVersion?: string;
}

export interface RegressionResult {
  report: ProofReport;
  /** The proof held (samples, coverage, manifest). */
  holds: boolean;
  gate?: GateResult & {
    /** Why there is no baseline although the ledger has releases, if so. */
    note?: string;
    acknowledgements: string;
  };
  run?: RunInfo;
  /** Everything holds and no detection was lost: exit 0. */
  ok: boolean;
}

export async function runRegression(o: RegressionOptions): Promise<RegressionResult> {
  const acksPath = o.acknowledgements ?? join(o.samplesDir, ACKNOWLEDGED_LOSSES_FILE);
  // Read first: a broken acknowledgement file stops the run before any work.
  const acks = o.ledger ? await readAcknowledgedLosses(acksPath) : undefined;
  const report = await proveSamples(o.engine, o.samplesDir, o);
  const holds = proofHolds(report);
  if (!o.ledger || !acks) return { report, holds, ok: holds };

  const ledger = o.ledger;
  const corpus = await realpath(o.samplesDir);
  const meta = { corpus, commit: o.commit, toolVersion: o.toolVersion };
  const choice = chooseBaseline(ledger, corpus, report.database.sha256);
  let gate: NonNullable<RegressionResult["gate"]> = { lost: [], acknowledged: [], samplesGone: [], acknowledgements: acksPath };
  let baselineRun: RunInfo | undefined;
  let release: string | undefined;
  if (choice?.kind === "release" && !choice.run) {
    // A release never tested on this corpus: test it now (its bytes are in the ledger) and record that run too.
    release = choice.release.version;
    try {
      // A baseline from the ledger's own copy of a release: compared with, not trusted for scanning.
      const engine = await Engine.load(ledger.databaseBytes(choice.release.sha256)!, { allowUnsigned: true });
      const old = await proveSamples(engine, o.samplesDir, { workers: o.workers });
      baselineRun = ledger.recordRun(old, { ...meta, dbPath: `release ${release}`, ok: proofHolds(old), lost: 0 });
    } catch (err) {
      if (!(err instanceof DatabaseError)) throw err;
      gate.note = `release ${release} cannot be loaded by this engine (${err.code}: ${err.message}); no baseline`;
    }
  } else if (choice) {
    baselineRun = choice.run;
    if (choice.kind === "release") release = choice.release.version;
  }
  if (baselineRun) {
    const { losses, samplesGone } = lostDetections(ledger.runSamples(baselineRun.id), report);
    gate = { ...gate, baseline: { kind: release ? "release" : "run", run: baselineRun, ...(release ? { release } : {}) }, samplesGone, ...applyAcknowledgements(losses, acks.losses) };
  }
  const ok = holds && gate.lost.length === 0;
  const run = ledger.recordRun(report, { ...meta, dbPath: o.dbPath, ok, lost: gate.lost.length, baselineRun: baselineRun?.id });
  return { report, holds, gate, run, ok };
}
