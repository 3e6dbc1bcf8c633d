import { spawnSync } from "node:child_process";
import { relative } from "node:path";
import type { Command } from "commander";
import type { GateResult, RecordReport, RegressionResult, SampleResult } from "@tgvx/harness";
import { Exit, printJson, UserError, writeFileAtomic } from "../io.js";
import { allowUnsignedOption, loadEngine, trustedKeyOption, type TrustCliOptions } from "../load-db.js";
import { openLedger, resolveLedgerPath } from "../open-ledger.js";
import { progressBar } from "../progress.js";

/** Failures listed on the one-screen summary; the rest are in --verbose, --json and --junit. */
const SCREEN_FAILURES = 15;
const SCREEN_LOST = 10;
const SLOWEST = 3;

export function parseWorkers(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 256) throw new UserError(`--workers takes a number of threads 0..256 (0: none, check in this thread), got "${v}"`);
  return Number(v);
}

interface TestOptions extends TrustCliOptions {
  db?: string;
  json?: boolean;
  verbose?: boolean;
  junit?: string;
  workers?: number;
  ledger?: string | boolean;
  acknowledged?: string;
  progress?: boolean;
}

export function register(program: Command): void {
  program
    .command("test")
    .summary("prove a database against the sample corpus, and record the run")
    .description(
      "Scan every sample listed in the corpus manifest (samples/manifest.yaml) with\n" +
        "the real engine and check it against the manifest: the exact names expected\n" +
        "on infected samples, nothing on clean ones, cleaning as expected (the original\n" +
        "byte for byte, removal, or refusal for damaged samples), every record\n" +
        "exercised by a sample, every expected name a record, every file listed.\n\n" +
        "The run is recorded in the ledger and compared with its baseline (the last\n" +
        "release, or before any release the last good run): a detection the baseline\n" +
        "made that this database no longer makes fails the run, unless acknowledged\n" +
        "with a reason in samples/acknowledged-losses.yaml. Large corpora are checked\n" +
        "in worker threads; each record's cost (candidates, CRCs, time) shows slow ones.",
    )
    .argument("[samples]", "sample corpus directory (holds manifest.yaml)", "samples")
    .option("-d, --db <file>", "database (default: $TGVX_DB or build/main.tgvxdb)")
    .addOption(trustedKeyOption())
    .addOption(allowUnsignedOption())
    .option("-j, --workers <n>", "worker threads; 0 checks in this thread (default: one per core, up to 8, for 2,000+ samples on 4+ cores)", parseWorkers)
    .option("--junit <file>", "also write the results as JUnit XML (one test case per sample) for CI")
    .option("--json", "print the full report as JSON")
    .option("-v, --verbose", "list every sample and every record, not only failures and the slowest records")
    .option("--ledger <file>", "ledger to record the run in (default: $TGVX_LEDGER or .tgvx/ledger.sqlite in the project)")
    .option("--no-ledger", "record nothing and skip the detection-lost gate")
    .option("--acknowledged <file>", "acknowledged detection losses (default: SAMPLES/acknowledged-losses.yaml)")
    .option("--no-progress", "no progress bar (it is only shown on a terminal, never in CI or when piped)")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  tgvx test                                   build/main.tgvxdb against samples/\n" +
        "  tgvx test --db new.tgvxdb --junit junit.xml big-corpus/ -j 4\n\n" +
        "Exit status: 0 everything holds, 1 failures (samples, coverage, or a detection lost), 2 could not run\n" +
        "(no database, bad manifest or acknowledgement file, ledger unusable).",
    )
    .action(async (samplesDir: string, opts: TestOptions) => {
      const { engine, path } = await loadEngine(opts.db, opts);
      const harness = await import("@tgvx/harness");
      const { formatDiagnostic } = await import("@tgvx/records");
      const ledgerPath = resolveLedgerPath(opts.ledger);
      const ledger = ledgerPath ? await openLedger(ledgerPath) : undefined;
      const bar = opts.progress === false || opts.json ? undefined : progressBar("tgvx test");
      let result: RegressionResult;
      try {
        result = await harness.runRegression({
          engine,
          samplesDir,
          dbPath: path,
          ledger,
          acknowledgements: opts.acknowledged,
          workers: opts.workers,
          onProgress: bar ? (done, total) => bar.update(done, total) : undefined,
          commit: ledger ? commitId() : undefined,
          toolVersion: program.version(),
        });
      } catch (err) {
        if (err instanceof harness.ManifestError || err instanceof harness.AcknowledgementsError) {
          bar?.end();
          for (const d of err.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
          throw new UserError(err.message);
        }
        throw err;
      } finally {
        bar?.end();
        ledger?.close();
      }
      if (opts.junit) {
        try {
          await writeFileAtomic(opts.junit, harness.toJUnitXml(result.report, result.gate));
        } catch (err) {
          throw new UserError(`cannot write the JUnit file ${opts.junit}: ${(err as Error).message}`);
        }
      }
      if (opts.json) {
        const { report, gate, run, ok, holds } = result;
        printJson({ ok, holds, databasePath: path, ...report, gate: gate ?? null, ledger: ledgerPath ? { path: ledgerPath, run: run?.id ?? null } : null });
      } else printSummary(result, path, ledgerPath, opts.junit, !!opts.verbose, harness.formatId);
      process.exitCode = result.ok ? Exit.clean : Exit.found;
    });
}

/** The commit under test, for the ledger: CI's variable, else `git describe` (marked -dirty when the tree is). */
function commitId(): string | undefined {
  const fromCi = process.env.GITHUB_SHA ?? process.env.CI_COMMIT_SHA ?? process.env.GIT_COMMIT;
  if (fromCi) return fromCi;
  const r = spawnSync("git", ["describe", "--always", "--dirty", "--abbrev=12"], { encoding: "utf8", timeout: 3000, stdio: ["ignore", "pipe", "ignore"] });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

const n = (x: number) => x.toLocaleString("en-US");
const shown = (p: string) => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith("..") ? r : p;
};

function failureLine(s: SampleResult): string {
  const reason = s.reason ?? "";
  const unnamed = s.records.filter((r) => !reason.includes(r));
  return `FAIL ${s.path}  ${s.outcome}: ${reason}${unnamed.length ? ` (record ${unnamed.join(", ")})` : ""}`;
}

function since(gate: GateResult): string {
  const b = gate.baseline!;
  return b.release ? `release ${b.release} (run ${b.run.id})` : `run ${b.run.id} of ${b.run.started.slice(0, 16).replace("T", " ")}`;
}

function printSummary(
  result: RegressionResult,
  db: string,
  ledgerPath: string | undefined,
  junit: string | undefined,
  verbose: boolean,
  formatId: (id: number) => string,
): void {
  const { report: r, gate, run } = result;
  const w = (s: string) => process.stdout.write(s + "\n");
  const failed = r.results.filter((s) => s.outcome !== "pass");
  if (verbose) for (const s of r.results) w(s.outcome === "pass" ? `ok   ${s.path}  ${s.found.join(", ") || "clean"}` : failureLine(s));
  else {
    for (const s of failed.slice(0, SCREEN_FAILURES)) w(failureLine(s));
    if (failed.length > SCREEN_FAILURES) w(`... and ${n(failed.length - SCREEN_FAILURES)} more failures (--verbose, --json or --junit list them all)`);
  }
  const lost = gate?.lost ?? [];
  for (const l of verbose ? lost : lost.slice(0, SCREEN_LOST)) w(`LOST ${l.sample}  ${l.name} (${formatId(l.id)}): detected by ${since(gate!)}, not any more`);
  if (!verbose && lost.length > SCREEN_LOST) w(`... and ${n(lost.length - SCREEN_LOST)} more detections lost (--verbose, --json or --junit list them all)`);
  if (verbose) printRecordTable(r.records, w, formatId);

  const d = r.database;
  w(`database ${shown(db)} (version ${d.dbVersion}, ${n(d.records)} records, SHA-256 ${d.sha256.slice(0, 12)}) against ${shown(r.manifest)}`);
  const o = r.counts.outcomes;
  const kinds = (["missed", "unexpected", "cleaning", "error"] as const).filter((k) => o[k]).map((k) => `${o[k]} ${k}`);
  w(`  samples    ${n(r.counts.passed)}/${n(r.counts.samples)} passed (${n(r.counts.infected)} infected, ${n(r.counts.clean)} clean)${kinds.length ? `; FAILED ${kinds.join(", ")}` : ""}`);
  const c = r.cleaning;
  w(`  cleaning   restored ${c.restore.ok}/${c.restore.checked} byte-identical, removed ${c.remove.ok}/${c.remove.checked}, refused ${c.refuse.ok}/${c.refuse.checked} damaged`);
  const live = r.records.filter((x) => x.status !== "deprecated").length;
  w(
    `  coverage   ${n(live - r.recordsWithoutSample.length)}/${n(live)} records have a sample` +
      `${r.recordsWithoutSample.length ? ` (none for ${list(r.recordsWithoutSample)})` : ""}; ` +
      `unknown names ${r.unknownNames.length ? `${list(r.unknownNames)} in ${r.samplesUnexplained.length} samples` : "none"}; ` +
      `unlisted files ${r.unlistedFiles.length ? list(r.unlistedFiles) : "none"}`,
  );
  const slow = [...r.records].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST).filter((x) => x.candidates > 0);
  if (!verbose) {
    const width = Math.max(...slow.map((x) => x.name.length));
    slow.forEach((x, i) =>
      w(`  ${i ? "          " : "slowest   "} ${x.name.padEnd(width)}  ${x.ms.toFixed(2).padStart(7)} ms  ${n(x.candidates).padStart(7)} candidates  ${n(x.crcs).padStart(7)} CRCs`),
    );
  }
  w(`  engine     ${n(r.stats.candidates)} candidates, ${n(r.stats.crcs)} CRC windows (${n(r.stats.crcBytes)} bytes)`);
  w(`  time       ${(r.ms / 1000).toFixed(2)} s, ${r.workers ? `${r.workers} worker thread${r.workers > 1 ? "s" : ""}` : "in one thread"}`);
  if (junit) w(`  junit      ${shown(junit)}`);
  if (!ledgerPath) w(`  ledger     off (--no-ledger): nothing recorded, no detection-lost check`);
  else {
    const where = `run ${run?.id} in ${shown(ledgerPath)}`;
    const ack = gate?.acknowledged.length ? `, ${gate.acknowledged.length} acknowledged` : "";
    if (!gate?.baseline) w(`  ledger     ${where}; ${gate?.note ?? "first run on this corpus: nothing to compare with yet"}`);
    else if (gate.lost.length) w(`  ledger     ${where}; ${gate.lost.length} detection${gate.lost.length > 1 ? "s" : ""} LOST since ${since(gate)}${ack}`);
    else w(`  ledger     ${where}; no detection lost since ${since(gate)}${ack}`);
  }
  const problems = [
    ...(r.counts.failed ? [`${n(r.counts.failed)} sample${r.counts.failed > 1 ? "s" : ""} failed`] : []),
    ...(r.recordsWithoutSample.length ? [`${r.recordsWithoutSample.length} records without a sample`] : []),
    ...(r.unknownNames.length ? [`${r.unknownNames.length} unknown names`] : []),
    ...(r.unlistedFiles.length ? [`${r.unlistedFiles.length} unlisted files`] : []),
    ...(gate?.lost.length ? [`${gate.lost.length} detections lost`] : []),
  ];
  w(result.ok ? "PASS: every sample holds" : `FAIL: ${problems.join(", ")}`);
}

function list(xs: readonly string[], max = 4): string {
  return xs.length <= max ? xs.join(", ") : `${xs.slice(0, max).join(", ")} and ${xs.length - max} more`;
}

function printRecordTable(records: readonly RecordReport[], w: (s: string) => void, formatId: (id: number) => string): void {
  const width = Math.max(6, ...records.map((r) => r.name.length));
  w(`${"record".padEnd(width)}  ${"id".padEnd(10)} rev  expected  found  failing  candidates      CRCs        ms`);
  for (const r of records)
    w(
      `${r.name.padEnd(width)}  ${formatId(r.id).padEnd(10)} ${String(r.rev).padStart(3)}  ${String(r.expected).padStart(8)}  ${String(r.found).padStart(5)}  ` +
        `${String(r.failures).padStart(7)}  ${n(r.candidates).padStart(10)}  ${n(r.crcs).padStart(8)}  ${r.ms.toFixed(3).padStart(8)}` +
        `${r.status === "deprecated" ? "  (deprecated)" : ""}`,
    );
}
