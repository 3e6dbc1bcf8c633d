import { RULES } from "@tgvx/linter";
import { BASE, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "unknown-module")!;
const moduleRecord = "records:\n  - id: 1\n    rev: 1\n    name: DOS.Poly.A\n    type: 1\n    status: stable\n    module: poly\n";
/** A type 1 record of the built-in xor-add module; lines 7 module, 8 args, 9..13 its fields. */
const xorAdd = (window = "{ offset: 0x10, length: 0x20, crc: 0x12345678 }", known = '"56 4C 7C 74"') =>
  "records:\n  - id: 1\n    rev: 1\n    name: DOS.Veiled.A\n    type: 1\n    status: stable\n    module: xor-add\n    args:\n" +
  `      anchor: jump\n      length: 0x40\n      known: ${known}\n      window: ${window}\n`;

ruleTester(rule, {
  valid: [
    { name: "a record without a module", yaml: BASE },
    { name: "a module the configuration says the engine provides", yaml: moduleRecord, options: { modules: ["poly"] } },
    { name: "a built-in detection module with good args", yaml: xorAdd() },
    { name: "a built-in processing module on a type 4 record", yaml: BASE.replace("type: 3", "type: 4").replace("first:", "filetypes: [pe32]\n      first:") + "    module: xorshift-decode\n    args: { at: 0x40, length: 8, seed: 0x48, rounds: 0x4C }\n" },
  ],
  invalid: [
    { name: "a detection module the engine does not provide", yaml: moduleRecord, errors: [{ messageId: "unknown", line: 7, column: 13, endColumn: 17 }] },
    { name: "a module not in the list", yaml: moduleRecord, options: { modules: ["poli", "other"] }, errors: [{ messageId: "unknown", line: 7, column: 13, endColumn: 17 }] },
    { name: "a processing module of a type 3 record", yaml: BASE + "    module: pe-cleaner\n", errors: [{ messageId: "unknown", line: 17, column: 13, endColumn: 23 }] },
    { name: "a misspelt built-in module", yaml: moduleRecord.replace("poly", "xor-ad"), errors: [{ messageId: "unknown", line: 7, column: 13, endColumn: 19 }] },
    { name: "args failing the module's schema, at the field", yaml: xorAdd("{ offset: 0x10, length: 0x20, crc: -1 }"), errors: [{ messageId: "badArgs", line: 12, column: 50, endColumn: 52 }] },
    { name: "known plaintext that is not hex bytes", yaml: xorAdd(undefined, '"VL|t"'), errors: [{ messageId: "badArgs", line: 11, column: 14, endColumn: 20 }] },
    { name: "a window running past the block", yaml: xorAdd("{ offset: 0x30, length: 0x20, crc: 0x1 }"), errors: [{ messageId: "badArgs", line: 12, column: 39, endColumn: 43 }] },
    { name: "a type 1 record with a module that only processes", yaml: moduleRecord.replace("poly", "xorshift-decode") + "    args: { at: 0, length: 8, seed: 8, rounds: 12 }\n", errors: [{ messageId: "mismatch", line: 7, column: 13, endColumn: 28 }] },
    { name: "a type 1 record without the args its module needs", yaml: moduleRecord.replace("poly", "xor-add"), errors: [{ messageId: "badArgs", line: 7, column: 13, endColumn: 20 }] },
  ],
});
