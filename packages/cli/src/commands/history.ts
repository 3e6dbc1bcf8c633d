import { existsSync, realpathSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { Command } from "commander";
import type { Ledger, RecordHistory, RunInfo, SampleHistory } from "@tgvx/harness";
import { Exit, printJson, UserError } from "../io.js";
import { openLedger, resolveLedgerPath } from "../open-ledger.js";

interface HistoryOptions {
  ledger?: string;
  corpus?: string;
  json?: boolean;
  check?: boolean;
  limit: number;
}

export function register(program: Command): void {
  program
    .command("history")
    .summary("what the ledger knows about a sample, a record, or the recent runs and releases")
    .description(
      "Without an argument: the releases and the latest test runs in the ledger.\n" +
        "With a sample (its path in the corpus, or the file): when it was first\n" +
        "detected, by which release, and every change of its outcome since.\n" +
        "With a record (name, or id such as 0x1001): its revisions, the releases that\n" +
        "carried it, when it first detected a sample, how its detections changed, and\n" +
        "its cost in the last run.",
    )
    .argument("[sample-or-record]", "sample path (infected/x.com or samples/infected/x.com) or record name or id")
    .option("--ledger <file>", "ledger (default: $TGVX_LEDGER or .tgvx/ledger.sqlite in the project)")
    .option("--corpus <dir>", "only runs over this samples directory")
    .option("-n, --limit <n>", "runs listed in the overview", (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`--limit takes a positive number, got "${v}"`);
      return Number(v);
    }, 10)
    .option("--check", "check the ledger's consistency (SQLite integrity, every run and database whole)")
    .option("--json", "print as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  tgvx history\n  tgvx history DOS.Tailgate.A\n  tgvx history infected/tailgate-a/com-host-1.com\n  tgvx history --check\n\n" +
        "Exit status: 0 found (or consistent), 1 inconsistent ledger (--check), 2 nothing known by that name or no ledger.",
    )
    .action(async (query: string | undefined, opts: HistoryOptions) => {
      const harness = await import("@tgvx/harness");
      const path = resolveLedgerPath(opts.ledger)!;
      const ledger = await openLedger(path, { create: false });
      try {
        const corpus = opts.corpus !== undefined ? realCorpus(opts.corpus) : undefined;
        if (opts.check) {
          const problems = ledger.check();
          if (opts.json) printJson({ ledger: path, schemaVersion: ledger.schemaVersion, consistent: !problems.length, problems });
          else {
            for (const p of problems) process.stdout.write(`${p}\n`);
            process.stdout.write(problems.length ? `ledger ${path}: ${problems.length} problems\n` : `ledger ${path}: consistent (schema version ${ledger.schemaVersion})\n`);
          }
          process.exitCode = problems.length ? Exit.found : Exit.clean;
          return;
        }
        if (query === undefined) {
          overview(ledger, corpus, opts);
          return;
        }
        const samples: SampleHistory[] = [];
        for (const p of samplePaths(ledger, query)) {
          const h = harness.sampleHistory(ledger, p, corpus);
          if (h) samples.push(h);
        }
        const records = harness
          .findRecordIds(ledger, query)
          .map((id) => harness.recordHistory(ledger, id, corpus))
          .filter((h): h is RecordHistory => !!h);
        if (!samples.length && !records.length)
          throw new UserError(`the ledger ${path} knows no sample or record "${query}"${corpus ? ` in ${corpus}` : ""}: give a sample path as in the manifest, a record name or an id (0x1001)`);
        if (opts.json) printJson({ ledger: path, samples, records });
        else {
          for (const h of samples) printSample(h);
          for (const h of records) printRecord(h, harness.formatId);
        }
      } finally {
        ledger.close();
      }
    });
}

function realCorpus(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    throw new UserError(`--corpus ${dir}: no such directory`);
  }
}

/** The query as a sample path in each corpus the ledger knows: as given, and relative to a corpus when it names a file inside one. */
function samplePaths(ledger: Ledger, query: string): string[] {
  const out = new Set([query.split("\\").join("/")]);
  if (existsSync(query)) {
    const file = realpathSync(resolve(query));
    for (const c of ledger.corpora()) {
      const rel = relative(c, file);
      if (rel && !rel.startsWith("..")) out.add(rel.split("\\").join("/"));
    }
  }
  return [...out];
}

const w = (s: string) => process.stdout.write(s + "\n");
const when = (iso: string) => iso.slice(0, 16).replace("T", " ");
function runLabel(r: RunInfo): string {
  return `run ${r.id} ${when(r.started)} db v${r.dbVersion} ${r.sha256.slice(0, 12)}${r.releases.length ? ` [release ${r.releases.join(", ")}]` : ""}`;
}

function overview(ledger: Ledger, corpus: string | undefined, opts: HistoryOptions): void {
  const releases = ledger.releases();
  const runs = ledger.runs({ corpus, limit: opts.limit });
  if (opts.json) {
    printJson({ ledger: ledger.path, schemaVersion: ledger.schemaVersion, releases, runs });
    return;
  }
  w(`ledger ${ledger.path} (schema version ${ledger.schemaVersion})`);
  w(releases.length ? `releases (${releases.length}):` : "releases: none yet");
  for (const r of releases)
    w(`  ${r.version.padEnd(10)} ${when(r.date)}  db v${r.dbVersion} ${r.sha256.slice(0, 12)}  ${r.records} records${r.signed ? ", signed" : ""}${r.file ? `  ${r.file}` : ""}`);
  w(runs.length ? `latest runs${corpus ? ` over ${corpus}` : ""}:` : "runs: none yet");
  for (const r of runs)
    w(
      `  ${runLabel(r)}  ${r.ok ? "ok  " : "FAIL"} ${r.passed}/${r.samples} passed${r.lost ? `, ${r.lost} lost` : ""}` +
        `${r.commit ? `  ${r.commit}` : ""}  ${r.corpus}`,
    );
}

function printSample(h: SampleHistory): void {
  for (const t of h.timelines) {
    w(`sample ${h.path}  (corpus ${t.corpus}, ${t.runs} run${t.runs > 1 ? "s" : ""})`);
    w(t.firstDetected ? `  first detected   ${runLabel(t.firstDetected.run)}: ${t.firstDetected.found.join(", ")}` : "  first detected   never");
    w(`  first release    ${t.firstRelease ? `${t.firstRelease.version} (${runLabel(t.firstRelease.run)})` : "none recorded detecting it"}`);
    w("  changes");
    for (const c of t.changes) {
      const what = [
        c.gained.length ? `+${c.gained.join(", +")}` : "",
        c.lost.length ? `-${c.lost.join(", -")}` : "",
        !c.gained.length && !c.lost.length ? (c.found.length ? c.found.join(", ") : "nothing found") : "",
      ]
        .filter(Boolean)
        .join(" ");
      w(`    ${runLabel(c.run)}  ${c.outcome.padEnd(10)} ${what}${c.reason && c.outcome !== "pass" ? `: ${c.reason}` : ""}`);
    }
    const l = t.last;
    w(`  now              ${runLabel(l.run)}: ${l.outcome}${l.found.length ? `, found ${l.found.join(", ")}` : ", nothing found"}`);
  }
}

function printRecord(h: RecordHistory, formatId: (id: number) => string): void {
  w(`record ${h.names.join(" / ")} (${formatId(h.id)})`);
  w("  revisions");
  h.revisions.forEach((r, i) => {
    const unbumped = h.revisions.slice(0, i).some((x) => x.rev >= r.rev);
    w(
      `    rev ${String(r.rev).padEnd(3)} ${r.hash.slice(0, 12)}  ${r.name}, ${r.status}; first seen ${when(r.firstSeen)}, in ${r.databases} database${r.databases > 1 ? "s" : ""}` +
        `${r.firstRelease ? `, first released in ${r.firstRelease}` : ", never released"}` +
        `${unbumped ? "  WARNING: content changed without a rev bump" : ""}`,
    );
  });
  const rel = h.releases.filter((r) => r.change !== "same" && r.change !== "absent");
  w(`  releases   ${rel.length ? rel.map((r) => `${r.version} ${r.change}${r.rev !== undefined && r.change !== "removed" ? ` (rev ${r.rev})` : ""}`).join(" · ") : "in none"}`);
  for (const t of h.timelines) {
    w(`  corpus ${t.corpus} (${t.runs} runs)`);
    w(t.firstDetected ? `    first detected  ${runLabel(t.firstDetected.run)}: ${t.firstDetected.samples.length} samples` : "    first detected  never");
    w(`    first release detecting it  ${t.firstDetectingRelease ? t.firstDetectingRelease.version : "none recorded"}`);
    w("    changes");
    for (const c of t.changes) {
      const what =
        c.rev === undefined
          ? "not in this database"
          : [`rev ${c.rev}`, `${c.samples.length} samples`, c.gained.length ? `+${list(c.gained)}` : "", c.lost.length ? `-${list(c.lost)}` : ""].filter(Boolean).join("  ");
      w(`      ${runLabel(c.run)}  ${what}`);
    }
    if (t.last)
      w(
        `    last run ${t.last.run.id}: expected in ${t.last.expected}, found in ${t.last.found}, ${t.last.failures} failing; ` +
          `${t.last.candidates} candidates, ${t.last.crcs} CRCs, ${t.last.ms.toFixed(3)} ms`,
      );
  }
}

function list(xs: readonly string[], max = 3): string {
  return xs.length <= max ? xs.join(", ") : `${xs.slice(0, max).join(", ")} and ${xs.length - max} more`;
}
