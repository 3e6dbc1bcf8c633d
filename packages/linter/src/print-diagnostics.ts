/**
 * The one printer of lint results: for people (`file:line:col rule-id severity message`, the
 * source line with the span marked and a hint, in the style of YARA-X and rustc), as JSON, and as
 * SARIF 2.1.0 for code-scanning tools that annotate pull requests.
 */
import type { LintResult } from "./lint.js";
import type { AnyRule, Level, LintDiagnostic } from "./rule.js";

/** The source line of a diagnostic with its span marked, rustc-style. */
function excerpt(d: LintDiagnostic, source: string | undefined): string[] {
  if (source === undefined) return [];
  const line = source.replace(/\r$/, "");
  const no = String(d.start.line);
  const pad = " ".repeat(no.length);
  const from = Math.min(d.start.col, line.length + 1);
  const to = d.end.line === d.start.line ? Math.max(d.end.col, from + 1) : line.length + 1;
  const marks = " ".repeat(from - 1) + "^".repeat(Math.max(1, Math.min(to, line.length + 1) - from));
  return [` ${pad} |`, ` ${no} | ${line}`, ` ${pad} | ${marks}`];
}

/** Every diagnostic with its excerpt, hint and related places; a blank line between them. */
export function formatHuman(result: Pick<LintResult, "diagnostics" | "texts">, levels: readonly Level[] = ["error", "warning", "info"]): string {
  const lines = new Map<string, string[]>();
  const textOf = (file: string) => {
    let l = lines.get(file);
    if (!l) lines.set(file, (l = (result.texts.get(file) ?? "").split("\n")));
    return l;
  };
  const blocks: string[] = [];
  for (const d of result.diagnostics) {
    if (!levels.includes(d.severity)) continue;
    const out = [`${d.file}:${d.start.line}:${d.start.col} ${d.ruleId} ${d.severity} ${d.message}`];
    out.push(...excerpt(d, textOf(d.file)[d.start.line - 1]));
    const pad = " ".repeat(String(d.start.line).length);
    if (d.hint) out.push(` ${pad} = hint: ${d.hint}`);
    for (const r of d.related ?? []) out.push(` ${pad} = note: ${r.file}${r.start ? `:${r.start.line}:${r.start.col}` : ""}: ${r.message}`);
    blocks.push(out.join("\n"));
  }
  return blocks.length ? blocks.join("\n\n") + "\n" : "";
}

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

/** One line: what was linted and what was found. */
export function formatSummary(result: LintResult, ms?: number): string {
  const ran = result.rules.filter((r) => !r.skipped).length;
  const noSamples = result.rules.some((r) => r.skipped === "no samples");
  const what = `${plural(result.records, "record")} in ${plural(result.files, "file")}, ${noSamples ? "no samples" : plural(result.samples, "sample")}, ${ran} rules`;
  const found = `${plural(result.counts.error, "error")}, ${plural(result.counts.warning, "warning")}${result.counts.info ? `, ${plural(result.counts.info, "note")}` : ""}`;
  return `tgvx lint: ${what}: ${found}${ms === undefined ? "" : ` (${(ms / 1000).toFixed(2)} s)`}`;
}

export function toJsonReport(result: LintResult): unknown {
  return {
    ok: result.counts.error === 0,
    files: result.files,
    records: result.records,
    samples: result.samples,
    counts: result.counts,
    rules: result.rules,
    diagnostics: result.diagnostics.map((d) => ({
      file: d.file,
      line: d.start.line,
      column: d.start.col,
      endLine: d.end.line,
      endColumn: d.end.col,
      ruleId: d.ruleId,
      severity: d.severity,
      messageId: d.messageId,
      message: d.message,
      hint: d.hint ?? null,
      path: d.path ?? null,
      related: d.related ?? [],
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0 (OASIS): the subset code-scanning tools read.

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: unknown[];
}

const SARIF_LEVEL: Record<Level, "error" | "warning" | "note"> = { error: "error", warning: "warning", info: "note" };

/** A relative path as a URI reference (forward slashes, escaped). */
const uriOf = (file: string) => encodeURI(file.split("\\").join("/"));

export function toSarif(result: LintResult, registry: readonly AnyRule[], toolVersion: string): SarifLog {
  const ids = registry.map((r) => r.meta.id);
  const runs = new Map(result.rules.map((r) => [r.id, r]));
  const region = (start: { line: number; col: number }, end: { line: number; col: number }) => ({
    startLine: start.line,
    startColumn: start.col,
    endLine: end.line,
    endColumn: Math.max(end.col, end.line === start.line ? start.col + 1 : end.col),
  });
  return {
    $schema: "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "tgvx lint",
            version: toolVersion,
            rules: registry.map((r) => {
              const configured = runs.get(r.meta.id)?.severity ?? r.meta.severity;
              return {
                id: r.meta.id,
                shortDescription: { text: r.meta.description },
                defaultConfiguration: configured === "off" ? { enabled: false } : { level: SARIF_LEVEL[configured] },
                ...(r.meta.needsSamples ? { properties: { tags: ["samples"] } } : {}),
              };
            }),
          },
        },
        columnKind: "utf16CodeUnits",
        results: result.diagnostics.map((d) => ({
          ruleId: d.ruleId,
          ...(ids.includes(d.ruleId) ? { ruleIndex: ids.indexOf(d.ruleId) } : {}),
          level: SARIF_LEVEL[d.severity],
          message: { text: d.hint ? `${d.message}. Hint: ${d.hint}` : d.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: uriOf(d.file) }, region: region(d.start, d.end) } }],
          ...(d.related?.length
            ? {
                relatedLocations: d.related.map((r, i) => ({
                  id: i,
                  message: { text: r.message },
                  physicalLocation: { artifactLocation: { uri: uriOf(r.file) }, ...(r.start && r.end ? { region: region(r.start, r.end) } : {}) },
                })),
              }
            : {}),
          partialFingerprints: { "tgvxLint/v1": `${d.ruleId}:${d.messageId}:${d.path ?? ""}` },
        })),
        invocations: [{ executionSuccessful: true }],
      },
    ],
  };
}
