import { RULES } from "@tgvx/linter";
import { BASE, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "type-consistency")!;

ruleTester(rule, {
  valid: [
    { name: "type 3 with a feature code", yaml: BASE },
    { name: "type 4 with file types", yaml: BASE.replace("type: 3", "type: 4").replace('      first: "54 47"\n', '      first: "54 47"\n      filetypes: [com]\n') },
    { name: "type 2 with a module", yaml: "records:\n  - id: 1\n    rev: 1\n    name: DOS.Poly.A\n    type: 2\n    status: stable\n    module: poly\n" },
  ],
  invalid: [
    {
      name: "type 4 without file types",
      yaml: BASE.replace("type: 3", "type: 4"),
      errors: [{ messageId: "typeMismatch", line: 5, column: 11, endColumn: 12 }],
    },
    {
      name: "type 3 with file types",
      yaml: BASE.replace('      first: "54 47"\n', '      first: "54 47"\n      filetypes: [com]\n'),
      errors: [{ messageId: "typeMismatch", line: 12, column: 18, endColumn: 23 }],
    },
    {
      name: "type 1 without a module",
      yaml: "records:\n  - id: 1\n    rev: 1\n    name: DOS.Poly.A\n    type: 1\n    status: stable\n",
      errors: [{ messageId: "typeMismatch", line: 5, column: 11, endColumn: 12 }],
    },
  ],
});
