import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { SourceText } from "@tgvx/records";
import { Exit, findFilesOrFail, printJson, UserError, writeFileAtomic } from "../io.js";

interface LintOptions {
  samples: string | false;
  config?: string;
  format: "human" | "json" | "sarif";
  json?: boolean;
  output?: string;
  listRules?: boolean;
}

const FORMATS = ["human", "json", "sarif"] as const;

function parseFormat(v: string): LintOptions["format"] {
  if (!(FORMATS as readonly string[]).includes(v)) throw new UserError(`--format takes ${FORMATS.join(", ")}, got "${v}"`);
  return v as LintOptions["format"];
}

export function register(program: Command): void {
  program
    .command("lint")
    .summary("check records (and the sample corpus) before they ship")
    .description(
      "Check record files (directories are searched recursively for *.yaml) with every lint rule:\n" +
        "the schema, ids and names, what each record type needs, windows and anchors, weak or\n" +
        "never-matching feature codes, attributes against processing; and, against the sample corpus,\n" +
        "that every record has a sample and matches it (a window whose CRC differs is named with the\n" +
        "sample and its actual CRC), matches no clean file, and has an affordable first word.\n\n" +
        "Each finding is `file:line:col rule-id severity message`, the source line with the place\n" +
        "marked, and a hint. Severities per rule come from tgvx-lint.yaml (or .json) in the current\n" +
        "directory: `rules: { weak-signature: error, cost: { budget: 2048 }, name-convention: off }`.\n" +
        "A record silences a rule for itself with `suppress: [{ rule: ID, reason: WHY }]`.",
    )
    .argument("[paths...]", "record files or directories", ["db-src"])
    .option("-s, --samples <dir>", "sample corpus (holds manifest.yaml)", "samples")
    .option("--no-samples", "skip the rules that need the corpus (coverage, sample-mismatch, false-positive, cost)")
    .option("-c, --config <file>", "lint configuration (default: tgvx-lint.yaml, .yml or .json in the current directory, if any)")
    .option("-f, --format <format>", "human, json or sarif (SARIF 2.1.0 for code scanning)", parseFormat, "human")
    .option("--json", "same as --format json")
    .option("-o, --output <file>", "write the report to a file (e.g. lint.sarif) instead of stdout; the summary still prints")
    .option("--list-rules", "list the rules (id, severity, description) and exit")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  tgvx lint                                   db-src/ against samples/\n" +
        "  tgvx lint db-src/tailgate.yaml --no-samples one file, without the corpus\n" +
        "  tgvx lint --format sarif -o build/lint.sarif   for GitHub code scanning (upload-sarif)\n" +
        "  tgvx lint --list-rules\n\n" +
        "Exit status: 0 no problem at error level (warnings do not fail), 1 problems at error level,\n" +
        "2 could not run (no record files, no corpus, bad configuration or manifest).",
    )
    .action(async (paths: string[], opts: LintOptions) => {
      const t0 = performance.now();
      const linter = await import("@tgvx/linter");
      const { formatDiagnostic } = await import("@tgvx/records");
      const format = opts.json ? "json" : opts.format;
      const config = await readConfig(opts.config, linter, formatDiagnostic);

      if (opts.listRules) {
        const rows = linter.RULES.map((r) => ({
          id: r.meta.id,
          severity: config?.rules[r.meta.id]?.severity ?? r.meta.severity,
          needsSamples: !!r.meta.needsSamples,
          description: r.meta.description,
        }));
        if (format === "json") printJson(rows);
        else {
          const w = Math.max(...rows.map((r) => r.id.length));
          for (const r of rows) process.stdout.write(`${r.id.padEnd(w)}  ${r.severity.padEnd(7)}  ${r.description}${r.needsSamples ? " [samples]" : ""}\n`);
        }
        process.exitCode = Exit.clean;
        return;
      }

      const { findRecordFiles, readSources } = await import("@tgvx/compiler");
      const files = await findFilesOrFail(paths, findRecordFiles, ": linting nothing is not a pass");
      const sources: SourceText[] = await readSources(files);

      let corpus;
      if (opts.samples !== false) {
        if (!existsSync(opts.samples)) throw new UserError(`no sample corpus at ${opts.samples}: give --samples DIR, or --no-samples to skip the rules that need it`);
        const harness = await import("@tgvx/harness");
        try {
          corpus = await linter.loadCorpus(opts.samples);
        } catch (err) {
          if (err instanceof harness.ManifestError) {
            for (const d of err.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
            throw new UserError(err.message);
          }
          throw err;
        }
      }

      let result;
      try {
        result = await linter.lintSources(sources, { config, corpus });
      } catch (err) {
        if (err instanceof linter.CorpusScanError) throw new UserError(err.message);
        throw err;
      }
      const ms = performance.now() - t0;
      const report =
        format === "json"
          ? JSON.stringify(linter.toJsonReport(result), null, 2) + "\n"
          : format === "sarif"
            ? JSON.stringify(linter.toSarif(result, linter.RULES, program.version() ?? "0.0.0"), null, 2) + "\n"
            : linter.formatHuman(result);
      const summary = linter.formatSummary(result, ms) + "\n";
      if (opts.output) {
        await writeFileAtomic(opts.output, report);
        process.stdout.write(summary);
      } else if (format === "human") process.stdout.write(report + (report ? "\n" : "") + summary);
      else {
        process.stdout.write(report);
        process.stderr.write(summary);
      }
      process.exitCode = result.counts.error ? Exit.found : Exit.clean;
    });
}

type Linter = typeof import("@tgvx/linter");

/** --config, else the first of tgvx-lint.yaml/.yml/.json in the current directory, else none. */
async function readConfig(given: string | undefined, linter: Linter, formatDiagnostic: (d: import("@tgvx/records").Diagnostic) => string) {
  const path = given ?? linter.CONFIG_FILES.find((f) => existsSync(f));
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UserError(`cannot read the lint configuration ${path}: ${(err as Error).message}`);
  }
  const { config, diagnostics } = linter.parseLintConfig(path, text);
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
  if (!config) throw new UserError(`the lint configuration ${path} has errors; nothing was linted`);
  return config;
}
