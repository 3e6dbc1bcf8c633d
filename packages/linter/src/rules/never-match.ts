/**
 * A record whose fields contradict each other can never match: an anchor that none of its file
 * types has (entry needs an executable, jump a COM file), a feature code wider than any object
 * its types allow (a COM file is at most 0xFF00 bytes, and its entry point is its first byte),
 * or the same bytes required to have two different CRCs. Parts outside every object from anchor
 * start or end are the window-range rule's.
 */
import { crcHex, fromAnchor, hex, partsOf } from "../feature-code.js";
import { createRule } from "../rule.js";

/** Largest COM file the engine recognises (file-type.ts: COM_MAX_SIZE). */
const COM_MAX_SIZE = 0xff00;
const HAS_ENTRY = new Set(["com", "mz", "ne", "pe32", "pe64"]);

export default createRule({
  meta: {
    id: "never-match",
    severity: "error",
    description: "the record can match some object: its anchor exists for its file types, its feature code fits them, its windows agree",
    messages: {
      anchorUndefined: {
        message: "{{name}} is measured from anchor {{anchor}}, which no {{types}} file has: it never matches",
        hint: "entry exists in COM, MZ, NE and PE files and jump in COM files only: choose anchor start or end, or file types that have this anchor",
      },
      tooWide: {
        message: "the feature code of {{name}} spans {{span}} bytes ({{from}} to {{to}}), more than the largest COM file ({{max}}): it never matches",
        hint: "a COM file is at most 0xFF00 bytes: bring the first word and windows closer together",
      },
      tooFar: {
        message: "{{part}} of {{name}} reaches {{where}}, beyond the largest COM file ({{max}} bytes): it never matches",
        hint: "a COM file is at most 0xFF00 bytes: measure from a nearer anchor, or correct the offset",
      },
      beforeComEntry: {
        message: "{{part}} of {{name}} starts at {{where}}, but a COM file's entry point is its first byte: it never matches",
        hint: "in a COM file nothing lies before the entry point: use offsets of 0 or more, or anchor jump for a COM appender",
      },
      sameBytesTwoCrcs: {
        message: "windows 1 and 2 of {{name}} cover the same {{length}} bytes but want different CRCs ({{crc1}} and {{crc2}}): it never matches",
        hint: "one of the CRCs is wrong; window 2 should cover other bytes of the body",
      },
    },
  },
  check(ctx) {
    for (const lr of ctx.records) {
      const d = lr.record.detect;
      if (!d) continue;
      const name = lr.record.name;
      const types = d.filetypes;
      if (types && ((d.anchor === "entry" && !types.some((t) => HAS_ENTRY.has(t))) || (d.anchor === "jump" && !types.includes("com"))))
        ctx.report({ messageId: "anchorUndefined", record: lr, field: ["detect", "anchor"], data: { name, anchor: d.anchor, types: types.join("/") } });

      const comOnly = d.anchor === "jump" || (types !== undefined && types.every((t) => t === "com"));
      if (comOnly) {
        const parts = partsOf(d);
        const first = parts.reduce((a, p) => (p.start < a.start ? p : a));
        const last = parts.reduce((a, p) => (p.end > a.end ? p : a));
        const max = hex(COM_MAX_SIZE);
        if (d.anchor === "entry" && first.start < 0)
          ctx.report({ messageId: "beforeComEntry", record: lr, field: ["detect", ...first.field], data: { part: first.label, name, where: fromAnchor("entry", first.start) } });
        else if ((d.anchor === "start" || d.anchor === "entry") && last.end > COM_MAX_SIZE)
          ctx.report({ messageId: "tooFar", record: lr, field: ["detect", ...last.field], data: { part: last.label, name, where: fromAnchor(d.anchor, last.end), max } });
        else if (d.anchor === "end" && -first.start > COM_MAX_SIZE)
          ctx.report({ messageId: "tooFar", record: lr, field: ["detect", ...first.field], data: { part: first.label, name, where: fromAnchor("end", first.start), max } });
        else if (d.anchor === "jump" && last.end - first.start > COM_MAX_SIZE)
          ctx.report({
            messageId: "tooWide",
            record: lr,
            field: ["detect", "windows"],
            data: { name, span: hex(last.end - first.start), from: fromAnchor(d.anchor, first.start), to: fromAnchor(d.anchor, last.end), max },
          });
      }
      const [a, b] = d.windows;
      if (a.offset === b.offset && a.length === b.length && a.crc >>> 0 !== b.crc >>> 0)
        ctx.report({ messageId: "sameBytesTwoCrcs", record: lr, field: ["detect", "windows", 1, "crc"], data: { name, length: hex(a.length), crc1: crcHex(a.crc), crc2: crcHex(b.crc) } });
    }
  },
});
