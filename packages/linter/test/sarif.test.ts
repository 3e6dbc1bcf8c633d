import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { lintSources, parseLintConfig, RULES, toJsonReport, toSarif } from "@tgvx/linter";
import { BASE, bodyAt, corpusOf, matching, second } from "./support.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schema = JSON.parse(readFileSync(new URL("./fixtures/sarif-schema-2.1.0.json", import.meta.url), "utf8")) as object;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const validate = ajv.compile(schema);

/** A run with findings of every kind: loader errors, findings with related places, a finding in the manifest, notes, a rule off. */
async function richResult() {
  const infected = bodyAt(0x200, 0);
  const records = matching(infected).replace(/crc: 0x[0-9A-F]{8} }\n    clean/, "crc: 0x0BADC0DE }\n    clean");
  const twin = second(BASE).replace("id: 0x1001", "id: 0x1002");
  const corpus = corpusOf([
    { path: "infected/a b.com", detect: ["DOS.Sample.A"], bytes: infected },
    { path: "infected/c.com", detect: ["DOS.Nobody.A"], bytes: infected },
  ]);
  const { config } = parseLintConfig("tgvx-lint.yaml", "rules: { weak-signature: info, cost: off }");
  return lintSources(
    [
      { path: "db-src/a.yaml", text: records + twin },
      { path: "db-src/broken.yaml", text: "records:\n  - id: 0xZZ\n" },
      { path: "db-src/weak.yaml", text: BASE.replace("id: 0x1001", "id: 0x2001").replace("DOS.Sample.A", "DOS.Weak.A").replace(/length: 0x40/g, "length: 0x08") },
    ],
    { corpus, config },
  );
}

describe("SARIF 2.1.0 output", () => {
  it("validates against the OASIS SARIF 2.1.0 schema", async () => {
    const result = await richResult();
    expect(new Set(result.diagnostics.map((d) => d.severity))).toEqual(new Set(["error", "info"]));
    expect(result.diagnostics.some((d) => d.related?.length)).toBe(true);
    const log = toSarif(result, RULES, "0.1.0");
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it("carries every finding with rule, level, message and region, and every rule with its configured level", async () => {
    const result = await richResult();
    const log = toSarif(result, RULES, "0.1.0") as unknown as {
      runs: { tool: { driver: { rules: { id: string; defaultConfiguration: { level?: string; enabled?: boolean } }[] } }; results: Record<string, unknown>[] }[];
    };
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    expect(run.tool.driver.rules.find((r) => r.id === "cost")!.defaultConfiguration).toEqual({ enabled: false });
    expect(run.tool.driver.rules.find((r) => r.id === "weak-signature")!.defaultConfiguration).toEqual({ level: "note" });
    expect(run.results).toHaveLength(result.diagnostics.length);
    const crc = run.results.find((r) => (r.message as { text: string }).text.startsWith("window 2 of DOS.Sample.A"))!;
    expect(crc).toMatchObject({
      ruleId: "sample-mismatch",
      level: "error",
      locations: [{ physicalLocation: { artifactLocation: { uri: "db-src/a.yaml" }, region: { startLine: 14, startColumn: 46, endLine: 14, endColumn: 56 } } }],
      relatedLocations: [{ physicalLocation: { artifactLocation: { uri: "samples/infected/a%20b.com" } } }],
    });
  });

  it("the check can fail: a log the schema refuses is refused", async () => {
    const log = toSarif(await richResult(), RULES, "0.1.0") as unknown as { runs: { results: { level: string }[] }[] };
    log.runs[0].results[0].level = "fatal";
    expect(validate(log)).toBe(false);
  });
});

describe("JSON output", () => {
  it("gives line, column and the end of every finding, and the counts", async () => {
    const report = toJsonReport(await richResult()) as { ok: boolean; counts: Record<string, number>; diagnostics: Record<string, unknown>[] };
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({ error: report.diagnostics.filter((d) => d.severity === "error").length, warning: 0, info: 3 });
    expect(report.diagnostics.find((d) => d.ruleId === "duplicate-name")).toEqual({
      file: "db-src/a.yaml",
      line: 19,
      column: 11,
      endLine: 19,
      endColumn: 23,
      ruleId: "duplicate-name",
      severity: "error",
      messageId: "duplicate",
      message: "DOS.Sample.A (id 0x1002) has the name of record 0x1001 at db-src/a.yaml:4:11",
      hint: "give this record its own variant name, e.g. DOS.Sample.B",
      path: "records[1].name",
      related: [{ file: "db-src/a.yaml", start: { line: 4, col: 11 }, end: { line: 4, col: 23 }, message: "first record named DOS.Sample.A" }],
    });
  });
});
