import { RULES } from "@tgvx/linter";
import { BASE, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "window-range")!;
const endAnchored = BASE.replace("anchor: start", "anchor: end").replace('first: "54 47"', 'first: "54 47"\n      at: -0x80')
  .replace("offset: 0x00", "offset: -0x80").replace("offset: 0x40", "offset: -0x40");

ruleTester(rule, {
  valid: [
    { name: "windows after the start, side by side", yaml: BASE },
    { name: "end-anchored, everything before the end", yaml: endAnchored },
  ],
  invalid: [
    {
      name: "a window before the start of the object",
      yaml: BASE.replace("offset: 0x00", "offset: -0x10"),
      errors: [{ messageId: "beforeStart", line: 13, column: 21, endColumn: 26 }],
    },
    {
      name: "from anchor end, the first word and both windows past the end",
      yaml: BASE.replace("anchor: start", "anchor: end"),
      errors: [
        { messageId: "afterEnd", line: 11, column: 14, endColumn: 21 },
        { messageId: "afterEnd", line: 13, column: 21, endColumn: 25 },
        { messageId: "afterEnd", line: 14, column: 21, endColumn: 25 },
      ],
    },
    {
      name: "overlapping windows: the second window is marked",
      yaml: BASE.replace("offset: 0x40", "offset: 0x20"),
      errors: [{ messageId: "overlap", line: 14, column: 11, endColumn: 58 }],
    },
  ],
});
