/**
 * The first word and both windows lie inside any object their anchor is measured in (nothing
 * before the start of the object from anchor start, nothing past its end from anchor end), and
 * the two windows hash different bytes.
 */
import { fromAnchor, hex, partsOf } from "../feature-code.js";
import { createRule } from "../rule.js";

export default createRule({
  meta: {
    id: "window-range",
    severity: "error",
    description: "the first word and windows lie inside the object from their anchor, and the two windows do not overlap",
    messages: {
      beforeStart: {
        message: "{{part}} of {{name}} starts at {{where}}, before the start of every object: it never matches",
        hint: "offsets from anchor start are 0 or more; to measure back from the end of the object, use anchor: end",
      },
      afterEnd: {
        message: "{{part}} of {{name}} ends at {{where}}, past the end of every object: it never matches",
        hint: "from anchor end, a part must end at or before the end: offset + length <= 0 (e.g. offset: -0x40 for a 0x40-byte window at the very end)",
      },
      overlap: {
        message: "windows 1 and 2 of {{name}} overlap by {{bytes}} bytes ({{from}} to {{to}}): those bytes are hashed twice and the rest of the body not at all",
        hint: "let window 2 start where window 1 ends ({{end1}}) or cover other bytes of the body",
      },
    },
  },
  check(ctx) {
    for (const lr of ctx.records) {
      const d = lr.record.detect;
      if (!d) continue;
      const name = lr.record.name;
      for (const p of partsOf(d)) {
        if (d.anchor === "start" && p.start < 0)
          ctx.report({ messageId: "beforeStart", record: lr, field: ["detect", ...p.field], data: { part: p.label, name, where: fromAnchor("start", p.start) } });
        if (d.anchor === "end" && p.end > 0)
          ctx.report({ messageId: "afterEnd", record: lr, field: ["detect", ...p.field], data: { part: p.label, name, where: fromAnchor("end", p.end) } });
      }
      const [a, b] = d.windows;
      const from = Math.max(a.offset, b.offset);
      const to = Math.min(a.offset + a.length, b.offset + b.length);
      if (from < to)
        ctx.report({
          messageId: "overlap",
          record: lr,
          field: ["detect", "windows", 1],
          data: { name, bytes: hex(to - from), from: fromAnchor(d.anchor, from), to: fromAnchor(d.anchor, to), end1: hex(a.offset + a.length) },
        });
    }
  },
});
