import { RULES } from "@tgvx/linter";
import { BASE, ruleTester, second } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "identical-detection")!;
const twin = second(BASE).replace("id: 0x1001", "id: 0x1002").replace("DOS.Sample.A", "DOS.Sample.B");
const moduleRecord = (id: number, name: string) => `  - id: ${id}\n    rev: 1\n    name: ${name}\n    type: 1\n    status: stable\n    module: poly\n    args: { key: 7 }\n`;

ruleTester(rule, {
  valid: [
    { name: "different CRCs", yaml: BASE + twin.replace("crc: 0x00000002", "crc: 0x00000003") },
    { name: "the same feature code from another anchor", yaml: BASE + twin.replace("anchor: start", "anchor: end") },
    { name: "a deprecated record's detection taken over", yaml: BASE.replace("status: stable", "status: deprecated") + twin },
  ],
  invalid: [
    { name: "the same feature code under two names", yaml: BASE + twin, errors: [{ messageId: "identical", line: 19, column: 11, endColumn: 23 }] },
    {
      name: "the same windows in the other order, the first word spelt otherwise",
      yaml:
        BASE +
        twin
          .replace('"54 47"', '"5447"')
          .replace("{ offset: 0x00, length: 0x40, crc: 0x00000001 }", "{ offset: 0x40, length: 0x40, crc: 0x00000002 }")
          .replace("{ offset: 0x40, length: 0x40, crc: 0x00000002 }\n    clean", "{ offset: 0x00, length: 0x40, crc: 0x00000001 }\n    clean"),
      errors: [{ messageId: "identical", line: 19, column: 11 }],
    },
    {
      name: "the same module and arguments",
      yaml: "records:\n" + moduleRecord(1, "DOS.Poly.A") + moduleRecord(2, "DOS.Poly.B"),
      errors: [{ messageId: "identical", line: 11, column: 11, endColumn: 21 }],
    },
  ],
});
