import { RULES } from "@tgvx/linter";
import { BASE, ruleTester, second } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "duplicate-name")!;
const other = second(BASE).replace("id: 0x1001", "id: 0x1002");

ruleTester(rule, {
  valid: [{ name: "two records, two names", yaml: BASE + other.replace("DOS.Sample.A", "DOS.Sample.B") }],
  invalid: [
    {
      name: "the second record with a name is reported at its name",
      yaml: BASE + other,
      errors: [{ messageId: "duplicate", line: 19, column: 11, endColumn: 23 }],
    },
    {
      name: "names that differ only in case",
      yaml: BASE + other.replace("DOS.Sample.A", "DOS.SAMPLE.A"),
      errors: [{ messageId: "caseOnly", line: 19, column: 11, endColumn: 23 }],
    },
    {
      name: "across files",
      yaml: { "db-src/a.yaml": BASE, "db-src/b.yaml": BASE.replace("id: 0x1001", "id: 0x1002") },
      errors: [{ messageId: "duplicate", line: 4, column: 11, file: "db-src/b.yaml" }],
    },
  ],
});
