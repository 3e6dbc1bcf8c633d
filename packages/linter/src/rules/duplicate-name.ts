/**
 * A name is what scans report and what the manifest expects, so it must say which record found
 * something: no two records share a name, nor names that differ only in case.
 */
import type { LoadedRecord } from "@tgvx/records";
import { createRule } from "../rule.js";

const where = (lr: LoadedRecord) => {
  const p = lr.source.locate(["name"]).start;
  return `${lr.source.file}:${p.line}:${p.col}`;
};

export default createRule({
  meta: {
    id: "duplicate-name",
    severity: "error",
    description: "no two records share a name, or names that differ only in case",
    messages: {
      duplicate: {
        message: "{{name}} (id {{id}}) has the name of record {{otherId}} at {{other}}",
        hint: "give this record its own variant name, e.g. {{suggestion}}",
      },
      caseOnly: {
        message: "{{name}} differs only in case from {{otherName}} (id {{otherId}}) at {{other}}",
        hint: "names are compared as written, but people read them case-blind: pick a distinct variant name",
      },
    },
  },
  check(ctx) {
    const exact = new Map<string, LoadedRecord>();
    const folded = new Map<string, LoadedRecord>();
    const names = new Set(ctx.records.map((lr) => lr.record.name));
    for (const lr of ctx.records) {
      const { name } = lr.record;
      const first = exact.get(name);
      const id = `0x${lr.record.id.toString(16).toUpperCase()}`;
      if (first) {
        ctx.report({
          messageId: "duplicate",
          record: lr,
          data: { name, id, otherId: `0x${first.record.id.toString(16).toUpperCase()}`, other: where(first), suggestion: nextVariant(name, names) },
          related: [{ file: first.source.file, ...first.source.locate(["name"]), message: `first record named ${name}` }],
        });
        continue;
      }
      exact.set(name, lr);
      const same = folded.get(name.toLowerCase());
      if (same)
        ctx.report({
          messageId: "caseOnly",
          record: lr,
          data: { name, otherName: same.record.name, otherId: `0x${same.record.id.toString(16).toUpperCase()}`, other: where(same) },
          related: [{ file: same.source.file, ...same.source.locate(["name"]), message: `record named ${same.record.name}` }],
        });
      else folded.set(name.toLowerCase(), lr);
    }
  },
});

/** DOS.Tailgate.A -> DOS.Tailgate.B (the next free letter), else Name.2, Name.3... */
function nextVariant(name: string, taken: ReadonlySet<string>): string {
  const dot = name.lastIndexOf(".");
  const stem = name.slice(0, dot);
  const variant = name.slice(dot + 1);
  if (/^[A-Z]$/.test(variant))
    for (let c = variant.charCodeAt(0) + 1; c <= 90; c++) if (!taken.has(`${stem}.${String.fromCharCode(c)}`)) return `${stem}.${String.fromCharCode(c)}`;
  for (let n = 2; ; n++) if (!taken.has(`${name}.${n}`)) return `${name}.${n}`;
}
