import { RULES } from "@tgvx/linter";
import { BASE, ruleTester, second } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "duplicate-id")!;
const other = second(BASE).replace("DOS.Sample.A", "DOS.Sample.B");

ruleTester(rule, {
  valid: [{ name: "two records, two ids", yaml: BASE + other.replace("id: 0x1001", "id: 0x1002") }],
  invalid: [
    {
      name: "the second record with an id is reported, in the same file",
      yaml: BASE + other,
      errors: [{ messageId: "duplicateId", line: 17, column: 9, endColumn: 15 }],
    },
    {
      name: "across files",
      yaml: { "db-src/a.yaml": BASE, "db-src/b.yaml": BASE.replace("DOS.Sample.A", "DOS.Sample.B") },
      errors: [{ messageId: "duplicateId", line: 2, column: 9, endColumn: 15, file: "db-src/b.yaml" }],
    },
  ],
});
