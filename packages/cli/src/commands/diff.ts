import { existsSync } from "node:fs";
import { readFile, realpath } from "node:fs/promises";
import type { Command } from "commander";
import { DatabaseError, Engine } from "@tgvx/engine/core";
import type { DiffSide, Ledger, OutcomeRow, RecordChange, SampleChangeDiff, StoredRecord } from "@tgvx/harness";
import { Exit, printJson, UserError } from "../io.js";
import { openLedger, resolveLedgerPath } from "../open-ledger.js";
import { progressBar } from "../progress.js";
import { parseWorkers } from "./test.js";

interface DiffOptions {
  ledger?: string;
  corpus: boolean;
  workers?: number;
  json?: boolean;
  progress?: boolean;
}

/** One side of the diff as the user named it: a database file, or a release in the ledger. */
interface Side {
  label: string;
  sha256: string;
  dbVersion: number;
  records: number;
  diff: DiffSide;
  engine?: Engine;
  /** For a release without stored bytes: its recorded run on the corpus, if any. */
  recorded?: OutcomeRow[];
}

export function register(program: Command): void {
  program
    .command("diff")
    .summary("what changed between two databases: records, and samples whose outcome changed")
    .description(
      "Compare two databases, each a tgvxdb file or a release version in the ledger:\n" +
        "records added, removed and changed (by id: any change of content, the fields\n" +
        "named, with a warning when the revision was not bumped); then run the corpus\n" +
        "against both and list the samples whose outcome or detections differ.",
    )
    .argument("<a>", "the old database: a file, or a release version in the ledger")
    .argument("<b>", "the new database: a file, or a release version in the ledger")
    .argument("[samples]", "sample corpus directory (holds manifest.yaml)", "samples")
    .option("--no-corpus", "compare the record sets only")
    .option("-j, --workers <n>", "worker threads for the corpus runs (0: none)", parseWorkers)
    .option("--ledger <file>", "ledger to look releases up in (default: $TGVX_LEDGER or .tgvx/ledger.sqlite in the project)")
    .option("--json", "print as JSON")
    .option("--no-progress", "no progress bar")
    .addHelpText(
      "after",
      "\nExamples:\n  tgvx diff build/old.tgvxdb build/main.tgvxdb\n  tgvx diff 3 4 --no-corpus          releases 3 and 4 from the ledger\n\n" +
        "Exit status: 0 no difference, 1 differences, 2 error (as diff(1)).",
    )
    .action(async (a: string, b: string, samplesDir: string, opts: DiffOptions) => {
      const harness = await import("@tgvx/harness");
      let ledger: Ledger | undefined;
      const ledgerFor = async (what: string) => {
        const path = resolveLedgerPath(opts.ledger)!;
        if (!existsSync(path)) throw new UserError(`${what}: no such file, and no ledger at ${path} to look a release up in`);
        return (ledger ??= await openLedger(path, { create: false }));
      };
      try {
        const corpus = opts.corpus && existsSync(samplesDir) ? await realpath(samplesDir) : undefined;
        if (opts.corpus && !corpus) throw new UserError(`no samples directory ${samplesDir} (give one, or --no-corpus)`);
        const sides: Side[] = [];
        for (const arg of [a, b]) sides.push(await resolveSide(arg, ledgerFor, corpus, harness));
        const [A, B] = sides;
        const records = harness.diffRecordSets(A.diff, B.diff);
        let samples: { manifest: string; samples: number; changed: SampleChangeDiff[]; notes: string[] } | undefined;
        if (corpus) {
          const outcomes: OutcomeRow[][] = [];
          const notes: string[] = [];
          let manifest = "";
          let count = 0;
          for (const s of sides) {
            if (s.engine) {
              const bar = opts.progress === false || opts.json ? undefined : progressBar(`tgvx diff ${s.label}`);
              try {
                const r = await harness.proveSamples(s.engine, samplesDir, { workers: opts.workers, onProgress: bar && ((d, t) => bar.update(d, t)) });
                outcomes.push(r.results);
                manifest = r.manifest;
                count = r.counts.samples;
              } catch (err) {
                if (err instanceof harness.ManifestError) throw new UserError(err.message);
                throw err;
              } finally {
                bar?.end();
              }
            } else if (s.recorded) {
              outcomes.push(s.recorded);
              notes.push(`${s.label}: outcomes from its last recorded run (its bytes are not in the ledger)`);
            } else notes.push(`${s.label}: no bytes in the ledger and no recorded run on this corpus: samples not compared`);
          }
          samples = { manifest, samples: count, changed: outcomes.length === 2 ? harness.diffOutcomes(outcomes[0], outcomes[1]) : [], notes };
        }
        const same = !records.added.length && !records.removed.length && !records.changed.length && !samples?.changed.length;
        const about = (s: Side) => ({ label: s.label, sha256: s.sha256, dbVersion: s.dbVersion, records: s.records });
        if (opts.json) printJson({ same, a: about(A), b: about(B), records, corpus: samples ?? null });
        else print(A, B, records, samples, harness.formatId);
        process.exitCode = same ? Exit.clean : Exit.found;
      } finally {
        (ledger as Ledger | undefined)?.close();
      }
    });
}

async function resolveSide(
  arg: string,
  ledgerFor: (what: string) => Promise<Ledger>,
  corpus: string | undefined,
  harness: typeof import("@tgvx/harness"),
): Promise<Side> {
  const load = async (bytes: Uint8Array, what: string) => {
    try {
      // Comparing is inspection: any intact database, signed or not, is compared as it is.
      return await Engine.load(bytes, { allowUnsigned: true });
    } catch (err) {
      if (err instanceof DatabaseError) throw new UserError(`database ${what} refused (${err.code}): ${err.message}`);
      throw err;
    }
  };
  if (existsSync(arg)) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(arg);
    } catch (err) {
      throw new UserError(`cannot read database ${arg}: ${(err as Error).message}`);
    }
    const engine = await load(bytes, arg);
    return { label: arg, sha256: engine.info.sha256, dbVersion: engine.info.dbVersion, records: engine.db.recordCount, diff: harness.sideOf(engine.db), engine };
  }
  const ledger = await ledgerFor(arg);
  const release = ledger.release(arg);
  if (!release) throw new UserError(`${arg}: no such file, and no release "${arg}" in the ledger ${ledger.path} (releases: ${ledger.releases().map((r) => r.version).join(", ") || "none"})`);
  const label = `release ${release.version}`;
  const bytes = ledger.databaseBytes(release.sha256);
  if (bytes) {
    const engine = await load(bytes, label);
    return { label, sha256: release.sha256, dbVersion: release.dbVersion, records: release.records, diff: harness.sideOf(engine.db), engine };
  }
  const run = corpus ? ledger.runs({ corpus, sha256: release.sha256, limit: 1 })[0] : undefined;
  const records: StoredRecord[] = ledger.databaseRecords(release.sha256);
  return {
    label,
    sha256: release.sha256,
    dbVersion: release.dbVersion,
    records: release.records,
    diff: { records },
    ...(run ? { recorded: ledger.runSamples(run.id) } : {}),
  };
}

function print(
  A: Side,
  B: Side,
  records: { added: StoredRecord[]; removed: StoredRecord[]; changed: RecordChange[] },
  samples: { manifest: string; samples: number; changed: SampleChangeDiff[]; notes: string[] } | undefined,
  formatId: (id: number) => string,
): void {
  const w = (s: string) => process.stdout.write(s + "\n");
  const about = (s: Side) => `${s.label} (version ${s.dbVersion}, ${s.records} records, SHA-256 ${s.sha256.slice(0, 12)})`;
  w(`a: ${about(A)}`);
  w(`b: ${about(B)}`);
  w(`records: ${records.added.length} added, ${records.removed.length} removed, ${records.changed.length} changed`);
  for (const r of records.added) w(`  + added    ${r.name} (${formatId(r.id)} rev ${r.rev})`);
  for (const r of records.removed) w(`  - removed  ${r.name} (${formatId(r.id)} rev ${r.rev})`);
  for (const c of records.changed)
    w(
      `  ~ changed  ${c.after.name} (${formatId(c.id)}) rev ${c.before.rev} -> ${c.after.rev}${c.fields.length ? `: ${c.fields.join(", ")}` : ""}` +
        `${c.before.name !== c.after.name ? ` (was ${c.before.name})` : ""}${c.revBumped ? "" : "  WARNING: content changed but rev was not bumped"}`,
    );
  if (!samples) return;
  for (const n of samples.notes) w(`note: ${n}`);
  w(`samples: ${samples.changed.length} of ${samples.samples} changed outcome (${samples.manifest})`);
  const width = Math.max(0, ...samples.changed.map((s) => s.path.length));
  for (const s of samples.changed) {
    const what = [s.lost.length ? `lost ${s.lost.join(", ")}` : "", s.gained.length ? `gained ${s.gained.join(", ")}` : ""].filter(Boolean).join("; ");
    w(`  ${s.path.padEnd(width)}  ${s.before.outcome} -> ${s.after.outcome}${what ? `  ${what}` : ""}${s.after.outcome !== "pass" && s.reason ? `: ${s.reason}` : ""}`);
  }
}
