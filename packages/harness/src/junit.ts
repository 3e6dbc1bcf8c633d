/**
 * JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters): one test case per sample in
 * the "samples" suite, one per record in "records" (has a sample), the manifest checks in
 * "corpus", and the detection-lost gate in "detection-gate". A failure's message names the
 * sample, the record and why.
 */
import type { GateResult } from "./detection-gate.js";
import type { ProofReport } from "./prove-samples.js";
import { formatId } from "./record-set.js";

interface Case {
  classname: string;
  name: string;
  time?: number;
  failure?: { type: string; message: string; text?: string };
  error?: { type: string; message: string };
  skipped?: string;
  out?: string;
}

const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(s: string): string {
  return s
    .replace(NOT_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function suite(name: string, cases: Case[], timestamp: string, properties: Record<string, string> = {}): { xml: string; tests: number; failures: number; errors: number } {
  const failures = cases.filter((c) => c.failure).length;
  const errors = cases.filter((c) => c.error).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const time = cases.reduce((t, c) => t + (c.time ?? 0), 0);
  const lines = [
    `  <testsuite name="${xmlEscape(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(time)}" timestamp="${timestamp}">`,
  ];
  const props = Object.entries(properties);
  if (props.length) {
    lines.push("    <properties>");
    for (const [k, v] of props) lines.push(`      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`);
    lines.push("    </properties>");
  }
  for (const c of cases) {
    const open = `    <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}" time="${seconds(c.time ?? 0)}"`;
    const body: string[] = [];
    if (c.failure)
      body.push(`      <failure type="${xmlEscape(c.failure.type)}" message="${xmlEscape(c.failure.message)}">${xmlEscape(c.failure.text ?? c.failure.message)}</failure>`);
    if (c.error) body.push(`      <error type="${xmlEscape(c.error.type)}" message="${xmlEscape(c.error.message)}"/>`);
    if (c.skipped !== undefined) body.push(`      <skipped message="${xmlEscape(c.skipped)}"/>`);
    if (c.out) body.push(`      <system-out>${xmlEscape(c.out)}</system-out>`);
    lines.push(body.length ? `${open}>\n${body.join("\n")}\n    </testcase>` : `${open}/>`);
  }
  lines.push("  </testsuite>");
  return { xml: lines.join("\n"), tests: cases.length, failures, errors };
}

/** `samples.infected.tailgate-a` for `infected/tailgate-a/com-host-1.com`: CI tools group by class. */
function sampleClass(path: string): string {
  const dir = path.split("/").slice(0, -1);
  return ["samples", ...dir].join(".").replace(/[^\w.-]/g, "_");
}

export function toJUnitXml(report: ProofReport, gate?: GateResult, timestamp = new Date().toISOString().replace(/\.\d+Z$/, "")): string {
  const samples: Case[] = report.results.map((r) => {
    const c: Case = { classname: sampleClass(r.path), name: r.path, time: r.ms };
    const who = r.records.length ? `${r.records.join(", ")}: ` : "";
    const message = `${r.path}: ${who}${r.outcome}: ${r.reason ?? ""}`;
    if (r.outcome === "error") c.error = { type: "error", message };
    else if (r.outcome !== "pass")
      c.failure = {
        type: r.outcome,
        message,
        text: [
          `sample:   ${r.path}`,
          `records:  ${r.records.join(", ") || "-"}`,
          `outcome:  ${r.outcome}`,
          `reason:   ${r.reason ?? "-"}`,
          `expected: ${r.expected.join(", ") || "nothing (clean)"}`,
          `found:    ${r.found.join(", ") || "nothing"}`,
          ...(r.cleaning ? [`cleaning: expected ${r.cleaning.expected}, engine gave ${r.cleaning.got}`] : []),
        ].join("\n"),
      };
    return c;
  });
  const records: Case[] = report.records.map((r) => {
    const c: Case = { classname: "records", name: `${r.name} (${formatId(r.id)} rev ${r.rev})`, time: r.ms };
    c.out = `expected in ${r.expected} samples, found in ${r.found}, ${r.failures} failing; ${r.candidates} candidates, ${r.crcs} CRCs, ${r.ms.toFixed(3)} ms`;
    if (r.status === "deprecated") c.skipped = "deprecated: no longer detects";
    else if (report.recordsWithoutSample.includes(r.name))
      c.failure = { type: "no-sample", message: `${r.name}: no sample in the corpus exercises this record; add one to the manifest` };
    return c;
  });
  const corpus: Case[] = [
    ...report.unknownNames.map((n) => ({
      classname: "corpus",
      name: `manifest name ${n}`,
      failure: { type: "unknown-name", message: `${n}: the manifest expects it but the database has no such record (samples: ${report.results.filter((r) => r.expected.includes(n)).map((r) => r.path).join(", ")})` },
    })),
    ...report.unlistedFiles.map((f) => ({ classname: "corpus", name: `file ${f}`, failure: { type: "unlisted", message: `${f}: in the corpus but not in the manifest` } })),
  ];
  if (!corpus.length) corpus.push({ classname: "corpus", name: "the manifest lists every file and names only known records" });
  const suites = [
    suite("samples", samples, timestamp, {
      "database.sha256": report.database.sha256,
      "database.version": String(report.database.dbVersion),
      manifest: report.manifest,
      workers: String(report.workers),
    }),
    suite("records", records, timestamp),
    suite("corpus", corpus, timestamp),
  ];
  if (gate) {
    const since = gate.baseline ? (gate.baseline.release ? `release ${gate.baseline.release}` : `run ${gate.baseline.run.id}`) : "";
    const cases: Case[] = [
      ...gate.lost.map((l) => ({
        classname: "detection-gate",
        name: `${l.name} on ${l.sample}`,
        failure: {
          type: "detection-lost",
          message: `${l.sample}: ${l.name} (${formatId(l.id)}): detected by ${since}, not any more; fix the record or acknowledge the loss in acknowledged-losses.yaml`,
        },
      })),
      ...gate.acknowledged.map((l) => ({ classname: "detection-gate", name: `${l.name} on ${l.sample}`, out: `lost since ${since}, acknowledged: ${l.reason}` })),
    ];
    if (!cases.length) cases.push({ classname: "detection-gate", name: gate.baseline ? `no detection lost since ${since}` : "no baseline yet (first run)" });
    suites.push(suite("detection-gate", cases, timestamp));
  }
  const tests = suites.reduce((n, s) => n + s.tests, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  const errors = suites.reduce((n, s) => n + s.errors, 0);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="tgvx test" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(report.ms)}">`,
    ...suites.map((s) => s.xml),
    `</testsuites>`,
    "",
  ].join("\n");
}
