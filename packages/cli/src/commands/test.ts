import type { Command } from "commander";
import type { ProofReport } from "@tgvx/harness";
import { Exit, printJson, UserError } from "../io.js";
import { loadEngine } from "../load-db.js";

export function register(program: Command): void {
  program
    .command("test")
    .summary("prove a database against the sample corpus")
    .description(
      "Scan every sample listed in the corpus manifest (samples/manifest.yaml) with the real engine and\n" +
        "check it against the manifest: exact names expected on infected samples, nothing on clean ones,\n" +
        "every record exercised by a sample, every expected name present in the database.",
    )
    .argument("[samples]", "sample corpus directory (holds manifest.yaml)", "samples")
    .option("-d, --db <file>", "database (default: build/main.tgvxdb)")
    .option("--json", "print the full report as JSON")
    .option("-v, --verbose", "list every sample, not only failures")
    .addHelpText("after", "\nExit status: 0 everything holds, 1 failures, 2 could not run (no database, bad manifest).")
    .action(async (samplesDir: string, opts: { db?: string; json?: boolean; verbose?: boolean }) => {
      const { engine, path } = await loadEngine(opts.db);
      const { ManifestError, proofHolds, proveSamples } = await import("@tgvx/harness");
      const { formatDiagnostic } = await import("@tgvx/records");
      let report: ProofReport;
      try {
        report = await proveSamples(engine, samplesDir);
      } catch (err) {
        if (err instanceof ManifestError) {
          for (const d of err.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
          throw new UserError(err.message);
        }
        throw err;
      }
      const holds = proofHolds(report);
      if (opts.json) printJson({ ok: holds, database: path, ...report });
      else printReport(report, path, !!opts.verbose, holds);
      process.exitCode = holds ? Exit.clean : Exit.found;
    });
}

function printReport(r: ProofReport, db: string, verbose: boolean, holds: boolean): void {
  const w = (s: string) => process.stdout.write(s + "\n");
  for (const s of r.results) {
    if (s.outcome === "pass" && !verbose) continue;
    const mark = s.outcome === "pass" ? "ok  " : "FAIL";
    w(`${mark} ${s.path}${s.outcome === "pass" ? `  ${s.found.join(", ") || "clean"}` : `  ${s.outcome}: ${s.reason}`}`);
  }
  w(`database ${db} against ${r.manifest}`);
  w(`  samples      ${r.counts.samples} (${r.counts.infected} infected, ${r.counts.clean} clean)`);
  w(`  passed       ${r.counts.passed}`);
  w(`  failed       ${r.counts.failed}`);
  const c = r.cleaning;
  w(`  cleaning     restored ${c.restore.ok}/${c.restore.checked} byte-identical, removed ${c.remove.ok}/${c.remove.checked}, refused ${c.refuse.ok}/${c.refuse.checked} damaged`);
  w(`  records without a sample  ${r.recordsWithoutSample.length ? r.recordsWithoutSample.join(", ") : "none"}`);
  w(`  names not in the database ${r.unknownNames.length ? r.unknownNames.join(", ") : "none"}`);
  w(`  files not in the manifest ${r.unlistedFiles.length ? r.unlistedFiles.join(", ") : "none"}`);
  w(`  engine work  ${r.stats.candidates} candidates, ${r.stats.crcs} CRC windows (${r.stats.crcBytes} bytes) in ${r.ms.toFixed(1)} ms`);
  w(holds ? "PASS: every sample holds" : "FAIL: see above");
}
