import { RULES } from "@tgvx/linter";
import { BASE, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "suppression")!;
const weak = RULES.find((r) => r.meta.id === "weak-signature")!;
const suppress = (entry: string) => BASE + `    suppress:\n      - ${entry}\n`;
const shortWindows = (text: string) => text.replace(/length: 0x40/g, "length: 0x10");

ruleTester(rule, {
  valid: [
    { name: "a suppression that silences a finding", yaml: shortWindows(suppress("{ rule: weak-signature, reason: the body is 32 bytes }")), also: [weak] },
    { name: "a suppression of a rule that did not run is not judged unused", yaml: suppress("{ rule: weak-signature, reason: x }") },
  ],
  invalid: [
    { name: "an unknown rule", yaml: suppress("{ rule: weak-signatur, reason: x }"), errors: [{ messageId: "unknownRule", line: 18, column: 17, endColumn: 30 }] },
    { name: "a rule the compiler enforces", yaml: suppress("{ rule: schema, reason: x }"), errors: [{ messageId: "notSuppressible", line: 18, column: 17, endColumn: 23 }] },
    { name: "a suppression that silences nothing", yaml: suppress("{ rule: weak-signature, reason: x }"), also: [weak], errors: [{ messageId: "unused", line: 18, column: 17, endColumn: 31 }] },
    {
      name: "a reason of blanks",
      yaml: shortWindows(suppress('{ rule: weak-signature, reason: " " }')),
      also: [weak],
      errors: [{ messageId: "blankReason", line: 18, column: 41, endColumn: 44 }],
    },
  ],
});
