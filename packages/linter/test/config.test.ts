import { describe, expect, it } from "vitest";
import { lintSources, parseLintConfig } from "@tgvx/linter";
import { BASE } from "./support.js";

const problems = (text: string, path = "tgvx-lint.yaml") =>
  parseLintConfig(path, text).diagnostics.map((d) => `${d.start.line}:${d.start.col}-${d.end?.line}:${d.end?.col} ${d.code} ${d.message}`);

describe("the lint configuration (tgvx-lint.yaml / .json)", () => {
  it("reads severities and options", () => {
    const r = parseLintConfig("tgvx-lint.yaml", "rules:\n  weak-signature: error\n  cost: { severity: info, budget: 2048 }\n  name-convention: { platforms: [Amiga] }\n");
    expect(r.diagnostics).toEqual([]);
    expect(r.config!.rules).toEqual({
      "weak-signature": { severity: "error" },
      cost: { severity: "info", options: { budget: 2048 } },
      "name-convention": { options: { platforms: ["Amiga"] } },
    });
  });

  it("reads JSON too, and an empty file is no configuration", () => {
    expect(parseLintConfig("tgvx-lint.json", '{ "rules": { "cost": "off" } }').config!.rules).toEqual({ cost: { severity: "off" } });
    expect(parseLintConfig("tgvx-lint.yaml", "").config!.rules).toEqual({});
  });

  it("an unknown rule id is an error at the id, with a suggestion", () => {
    expect(problems("rules:\n  weak-signatures: error\n")).toEqual([
      '2:3-2:18 BAD_VALUE unknown rule "weak-signatures"; did you mean "weak-signature"? (tgvx lint --list-rules lists them)',
    ]);
  });

  it("a bad severity, an unknown option, a bad option value, an unknown top-level key: every one at its place", () => {
    expect(problems("rule:\n  cost: off\nrules:\n  cost: loud\n  weak-signature: { minWindow: -1 }\n  duplicate-name: { severity: warning, strict: true }\n")).toEqual([
      '1:1-1:5 UNKNOWN_FIELD unknown field "rule": the configuration has only "rules"',
      '4:9-4:13 BAD_VALUE "loud" is not a severity; one of: off, info, warning, error',
      '5:32-5:34 BAD_VALUE weak-signature: option "minWindow": Too small: expected number to be >=1',
      '6:40-6:46 UNKNOWN_FIELD duplicate-name has no options, got "strict"; only "severity" can be set',
    ]);
  });

  it("rules the compiler enforces stay errors", () => {
    expect(problems("rules:\n  schema: warning\n")).toEqual(['2:11-2:18 BAD_VALUE schema stays "error": the compiler refuses these records whatever the linter is told']);
  });

  it("changes what lint reports: severity, off, options", async () => {
    const weakRecord = BASE.replace(/length: 0x40/g, "length: 0x08");
    const run = async (cfg: string) => {
      const { config } = parseLintConfig("tgvx-lint.yaml", cfg);
      const r = await lintSources([{ path: "db-src/t.yaml", text: weakRecord }], { config });
      return r.diagnostics.filter((d) => d.ruleId === "weak-signature").map((d) => `${d.severity} ${d.messageId}`);
    };
    expect(await run("")).toEqual(["warning fewBytes", "warning shortWindow", "warning shortWindow"]);
    expect(await run("rules: { weak-signature: error }")).toEqual(["error fewBytes", "error shortWindow", "error shortWindow"]);
    expect(await run("rules: { weak-signature: off }")).toEqual([]);
    expect(await run("rules: { weak-signature: { minWindow: 8, minCovered: 16 } }")).toEqual([]);
  });
});
