import { RULES } from "@tgvx/linter";
import { BASE, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "unknown-module")!;
const moduleRecord = "records:\n  - id: 1\n    rev: 1\n    name: DOS.Poly.A\n    type: 1\n    status: stable\n    module: poly\n";

ruleTester(rule, {
  valid: [
    { name: "a record without a module", yaml: BASE },
    { name: "a module the configuration says the engine provides", yaml: moduleRecord, options: { modules: ["poly"] } },
  ],
  invalid: [
    { name: "a detection module, with no module provided", yaml: moduleRecord, errors: [{ messageId: "unknown", line: 7, column: 13, endColumn: 17 }] },
    { name: "a module not in the list", yaml: moduleRecord, options: { modules: ["poli", "other"] }, errors: [{ messageId: "unknown", line: 7, column: 13, endColumn: 17 }] },
    { name: "a processing module of a type 3 record", yaml: BASE + "    module: pe-cleaner\n", errors: [{ messageId: "unknown", line: 17, column: 13, endColumn: 23 }] },
  ],
});
