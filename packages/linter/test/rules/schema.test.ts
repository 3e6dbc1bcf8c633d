import { RULES } from "@tgvx/linter";
import { BASE, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "schema")!;

ruleTester(rule, {
  valid: [
    { name: "a complete record", yaml: BASE },
    { name: "a record with a suppression that has a reason", yaml: BASE + "    suppress:\n      - { rule: weak-signature, reason: the body is short }\n" },
  ],
  invalid: [
    {
      name: "every problem of the file at once: unknown field, bad hex, wrong type",
      yaml: BASE.replace("    type: 3\n", "    type: 3\n    colour: red\n").replace("crc: 0x00000002", "crc: 0xZZ").replace("rev: 1", 'rev: "one"'),
      errors: [
        { messageId: "WRONG_TYPE", line: 3, column: 10, endColumn: 15 },
        { messageId: "UNKNOWN_FIELD", line: 6, column: 5, endColumn: 11 },
        { messageId: "BAD_HEX", line: 15, column: 46, endColumn: 50 },
      ],
    },
    {
      name: "a missing field is reported at the record",
      yaml: BASE.replace("    status: stable\n", ""),
      errors: [{ messageId: "MISSING_FIELD", line: 2, column: 5, endLine: 16, endColumn: 1 }],
    },
    {
      name: "a suppression without a reason",
      yaml: BASE + "    suppress:\n      - { rule: weak-signature }\n",
      errors: [{ messageId: "MISSING_FIELD", line: 18, column: 9, endColumn: 33 }],
    },
    {
      name: "YAML that does not parse",
      yaml: "records:\n  - id: [1, 2\n",
      errors: [{ messageId: "YAML_SYNTAX", line: 3, column: 1 }],
    },
    {
      name: "a key written twice",
      yaml: BASE.replace("    type: 3\n", "    type: 3\n    type: 4\n"),
      errors: [{ messageId: "DUPLICATE_KEY", line: 6, column: 5, endColumn: 6 }],
    },
  ],
});
