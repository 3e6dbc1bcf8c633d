import { RULES } from "@tgvx/linter";
import { BASE, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "weak-signature")!;

ruleTester(rule, {
  valid: [
    { name: "two 0x40-byte windows", yaml: BASE },
    { name: "a short window the configuration allows", yaml: BASE.replace("length: 0x40, crc: 0x00000001", "length: 0x08, crc: 0x00000001"), options: { minWindow: 8 } },
  ],
  invalid: [
    {
      name: "a window shorter than 16 bytes",
      yaml: BASE.replace("length: 0x40, crc: 0x00000001", "length: 0x08, crc: 0x00000001"),
      errors: [{ messageId: "shortWindow", line: 13, column: 35, endColumn: 39 }],
    },
    {
      name: "windows covering fewer than 64 bytes together",
      yaml: BASE.replace(/length: 0x40/g, "length: 0x10"),
      errors: [{ messageId: "fewBytes", line: 13, column: 9 }],
    },
    {
      name: "a raised threshold",
      yaml: BASE,
      options: { minCovered: 0x100 },
      errors: [{ messageId: "fewBytes", line: 13, column: 9 }],
    },
  ],
});
