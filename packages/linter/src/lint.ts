/**
 * Runs the rules over a record set (and the sample corpus): loads the records once with the
 * record loader, gives every enabled rule its context, applies the records' `suppress:` entries,
 * and returns the findings in file and position order.
 */
import { formatPath, loadRecordSet, type Diagnostic, type LoadedRecord, type SourceText } from "@tgvx/records";
import type { LintConfig } from "./config.js";
import { scanCorpus, type Corpus, type SampleScan } from "./corpus.js";
import { fill, suppressionKey, type AnyRule, type LintDiagnostic, type Report, type Setting } from "./rule.js";
import { RULES } from "./rules/index.js";

export interface LintOptions {
  /** Rules to run (default: all registered). */
  rules?: readonly AnyRule[];
  /** Severities and options per rule id (see `parseLintConfig`). */
  config?: LintConfig;
  /** The sample corpus; without it the rules that need samples are skipped. */
  corpus?: Corpus;
}

export interface RuleRun {
  id: string;
  severity: Setting;
  /** Why the rule did not run, if it did not. */
  skipped?: "off" | "no samples";
}

export interface LintResult {
  diagnostics: LintDiagnostic[];
  files: number;
  records: number;
  samples: number;
  rules: RuleRun[];
  /** Texts of the files diagnostics point into (record files, the manifest), for the source excerpts. */
  texts: Map<string, string>;
  counts: { error: number; warning: number; info: number };
}

export async function lintSources(sources: readonly SourceText[], options: LintOptions = {}): Promise<LintResult> {
  const rules: readonly AnyRule[] = options.rules ?? RULES;
  const { records, diagnostics: loaderDiagnostics } = loadRecordSet(sources);
  const texts = new Map(sources.map((s) => [s.path, s.text]));
  const corpus = options.corpus;
  if (corpus) texts.set(corpus.manifestPath, corpus.manifestText);

  const split = new Map<string, string[]>();
  const lines = (file: string) => split.get(file) ?? split.set(file, (texts.get(file) ?? "").split("\n")).get(file)!;
  let scans: Promise<SampleScan[]> | undefined;
  const used = new Set<string>();
  const out: LintDiagnostic[] = [];
  const runs: RuleRun[] = [];
  const plan = rules.map((rule) => {
    const setting = options.config?.rules[rule.meta.id];
    const severity: Setting = setting?.severity ?? rule.meta.severity;
    const skipped = severity === "off" ? ("off" as const) : rule.meta.needsSamples && !corpus ? ("no samples" as const) : undefined;
    runs.push({ id: rule.meta.id, severity, ...(skipped ? { skipped } : {}) });
    return { rule, setting, severity, skipped };
  });
  const rulesRun = new Set(plan.filter((p) => !p.skipped).map((p) => p.rule.meta.id));
  const ordered = [...plan.filter((p) => !p.rule.meta.runsLast), ...plan.filter((p) => p.rule.meta.runsLast)];

  for (const { rule, setting, severity, skipped } of ordered) {
    if (skipped || severity === "off") continue;
    const meta = rule.meta;
    const ruleOptions: unknown = meta.options ? meta.options.parse(setting?.options ?? {}) : {};
    const report = (r: Report<string>): void => {
      const spec = meta.messages[r.messageId];
      if (!spec) throw new Error(`rule ${meta.id} reported unknown message id "${r.messageId}"`);
      if (r.record && !meta.compilerEnforced) {
        const suppressed = r.record.record.suppress?.some((s) => s.rule === meta.id);
        if (suppressed) {
          used.add(suppressionKey(r.record, meta.id));
          return;
        }
      }
      const place = r.at ?? placeInRecord(r.record!, r.field ?? ["name"], r.within, lines);
      out.push({
        file: place.file,
        start: place.start,
        end: place.end,
        ruleId: meta.id,
        severity: meta.compilerEnforced && r.severity ? r.severity : severity,
        messageId: r.messageId,
        message: fill(spec.message, r.data),
        ...(spec.hint ? { hint: fill(spec.hint, r.data) } : {}),
        ...(place.path ? { path: place.path } : {}),
        ...(r.related?.length ? { related: r.related } : {}),
      });
    };
    await rule.check({
      records,
      loaderDiagnostics,
      corpus: meta.needsSamples ? corpus : undefined,
      options: ruleOptions,
      scanCorpus: () => (scans ??= scanCorpus(records, corpus!)),
      text: (file) => texts.get(file),
      usedSuppressions: used,
      rulesRun,
      registry: RULES,
      report,
    });
  }
  const diagnostics = sortLintDiagnostics(out);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) counts[d.severity]++;
  return { diagnostics, files: sources.length, records: records.length, samples: corpus?.samples.length ?? 0, rules: runs, texts, counts };
}

function placeInRecord(
  lr: LoadedRecord,
  field: readonly (string | number)[],
  within: Report<string>["within"],
  lines: (file: string) => readonly string[],
): { file: string; start: Diagnostic["start"]; end: Diagnostic["start"]; path: string } {
  let { start, end } = lr.source.locate(field);
  if (within && start.line === end.line) {
    // A quoted scalar's value starts one character after its range.
    const line = lines(lr.source.file)[start.line - 1] ?? "";
    const quote = line[start.col - 1] === '"' || line[start.col - 1] === "'" ? 1 : 0;
    start = { line: start.line, col: start.col + quote + within.offset };
    end = { line: start.line, col: start.col + within.length };
  }
  return { file: lr.source.file, start, end, path: formatPath(["records", lr.source.index, ...field]) };
}

export function sortLintDiagnostics(diags: LintDiagnostic[]): LintDiagnostic[] {
  return diags.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.start.line - b.start.line ||
      a.start.col - b.start.col ||
      (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
