import { RULES } from "@tgvx/linter";
import { BASE, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "name-convention")!;
const named = (name: string) => BASE.replace("name: DOS.Sample.A", `name: ${name}`);

ruleTester(rule, {
  valid: [
    { name: "Platform.Family.Variant", yaml: BASE },
    { name: "a threat category as the first part", yaml: named("Riskware.RemoteRun.A") },
    { name: "a platform added by the configuration", yaml: named("Amiga.Byte.A"), options: { platforms: ["Amiga"] } },
  ],
  invalid: [
    { name: "an unknown platform: the span is the platform", yaml: named("Dos.Sample.A"), errors: [{ messageId: "platform", line: 4, column: 11, endColumn: 14 }] },
    { name: "a family in lower case: the span is the family", yaml: named("DOS.sample.A"), errors: [{ messageId: "family", line: 4, column: 15, endColumn: 21 }] },
    {
      name: "inside a quoted name the spans move past the quote",
      yaml: named('"dos.sample.A"'),
      errors: [
        { messageId: "platform", line: 4, column: 12, endColumn: 15 },
        { messageId: "family", line: 4, column: 16, endColumn: 22 },
      ],
    },
    { name: "four parts", yaml: named("DOS.Sample.A.B"), errors: [{ messageId: "parts", line: 4, column: 11, endColumn: 25 }] },
    { name: "a platform the configuration does not list", yaml: BASE, options: { platforms: ["Win32"] }, errors: [{ messageId: "platform", line: 4, column: 11, endColumn: 14 }] },
  ],
});
