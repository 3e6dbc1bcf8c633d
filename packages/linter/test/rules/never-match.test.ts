import { RULES } from "@tgvx/linter";
import { BASE, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "never-match")!;
/** Type 4 with these file types (one line more: the windows move to lines 14 and 15). */
const type4 = (types: string, anchor = "start") =>
  BASE.replace("type: 3", "type: 4").replace("anchor: start", `anchor: ${anchor}`).replace('      first: "54 47"\n', `      first: "54 47"\n      filetypes: [${types}]\n`);

ruleTester(rule, {
  valid: [
    { name: "a type 3 record", yaml: BASE },
    { name: "entry in MZ files", yaml: type4("mz", "entry") },
    { name: "a COM record within 0xFF00 bytes", yaml: type4("com").replace("offset: 0x40", "offset: 0xFE00") },
    { name: "entry in a COM or an MZ file, before the entry point", yaml: type4("com, mz", "entry").replace("offset: 0x00", "offset: -0x10") },
  ],
  invalid: [
    { name: "entry in zip files", yaml: type4("zip", "entry"), errors: [{ messageId: "anchorUndefined", line: 10, column: 15, endColumn: 20 }] },
    { name: "jump without COM files", yaml: type4("mz", "jump"), errors: [{ messageId: "anchorUndefined", line: 10, column: 15, endColumn: 19 }] },
    { name: "a COM window beyond 0xFF00 bytes", yaml: type4("com").replace("offset: 0x40", "offset: 0xFF00"), errors: [{ messageId: "tooFar", line: 15, column: 21, endColumn: 27 }] },
    { name: "before a COM file's entry point", yaml: type4("com", "entry").replace("offset: 0x00", "offset: -0x10"), errors: [{ messageId: "beforeComEntry", line: 14, column: 21, endColumn: 26 }] },
    { name: "a jump-anchored code wider than a COM file", yaml: BASE.replace("anchor: start", "anchor: jump").replace("offset: 0x40", "offset: 0xFF00"), errors: [{ messageId: "tooWide", line: 13, column: 9 }] },
    {
      name: "the same bytes with two CRCs",
      yaml: BASE.replace("offset: 0x40, length: 0x40", "offset: 0x00, length: 0x40"),
      errors: [{ messageId: "sameBytesTwoCrcs", line: 14, column: 46, endColumn: 56 }],
    },
  ],
});
