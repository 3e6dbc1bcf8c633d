// Tests over the rule set itself (typescript-eslint's docs.test / areOptionsValid): every rule
// is registered once, lives in the file named after its id, is documented and tested.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { RULES, type AnyRule } from "@tgvx/linter";

const dir = (p: string) => new URL(p, import.meta.url);
const ruleFiles = readdirSync(dir("../src/rules")).filter((f) => f.endsWith(".ts") && f !== "index.ts").map((f) => f.slice(0, -3));
const testFiles = readdirSync(dir("./rules")).filter((f) => f.endsWith(".test.ts")).map((f) => f.slice(0, -".test.ts".length));

describe("the rule set", () => {
  it("registers every rule file exactly once", () => {
    const ids = RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...ruleFiles].sort());
  });

  it("has a valid/invalid test file for every rule", () => {
    expect([...testFiles].sort()).toEqual(RULES.map((r) => r.meta.id).sort());
  });

  for (const file of ruleFiles)
    it(`${file}: the module's default export has the id of its file`, async () => {
      const mod = (await import(dir(`../dist/rules/${file}.js`).href)) as { default: AnyRule };
      expect(mod.default.meta.id).toBe(file);
      expect(RULES).toContain(mod.default);
    });

  for (const rule of RULES as readonly AnyRule[])
    it(`${rule.meta.id}: kebab-case id, one-line description, messages with hints, options with defaults`, () => {
      const { id, description, messages, severity, options } = rule.meta;
      expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(["error", "warning", "info"]).toContain(severity);
      expect(description.length).toBeGreaterThan(20);
      expect(description).not.toMatch(/\n/);
      expect(Object.keys(messages).length).toBeGreaterThan(0);
      for (const [messageId, spec] of Object.entries(messages)) {
        expect(spec.message, messageId).toBeTruthy();
        if (messageId !== "OTHER") expect(spec.hint, `${id}/${messageId} says how to fix`).toBeTruthy();
      }
      if (options) {
        expect(() => options.parse({})).not.toThrow();
        expect(z.toJSONSchema(options as z.ZodType)).toMatchObject({ type: "object", additionalProperties: false });
      }
    });

  it("only the rules the compiler enforces refuse configuration and suppression", () => {
    expect(RULES.filter((r) => r.meta.compilerEnforced).map((r) => r.meta.id)).toEqual(["schema", "type-consistency", "duplicate-id"]);
    for (const r of RULES) if (r.meta.compilerEnforced) expect(r.meta.severity).toBe("error");
  });
});
