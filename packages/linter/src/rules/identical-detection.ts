/**
 * Two live records that detect exactly the same thing (same feature code, or same module and
 * arguments) give one object two names: reports and cleaning become a matter of record order.
 * Window order and the spelling of the first word do not matter. Deprecated records no longer
 * detect, so a record may take over a deprecated one's detection.
 */
import { canonicalJson } from "@tgvx/compiler";
import type { LoadedRecord, VirusRecord } from "@tgvx/records";
import { firstBytes } from "../feature-code.js";
import { createRule } from "../rule.js";

function detectionKey(r: VirusRecord): string {
  if (!r.detect) return `module:${r.type}:${r.module}:${canonicalJson(r.args ?? null)}`;
  const d = r.detect;
  const windows = d.windows.map((w) => `${w.offset}:${w.length}:${w.crc >>> 0}`).sort();
  const types = d.filetypes ? [...new Set(d.filetypes)].sort().join(",") : "*";
  return `code:${d.anchor}:${d.at ?? 0}:${firstBytes(d.first).join(",")}:${types}:${windows.join(";")}`;
}

export default createRule({
  meta: {
    id: "identical-detection",
    severity: "error",
    description: "no two live records detect exactly the same thing (feature code, or module and arguments)",
    messages: {
      identical: {
        message: "{{name}} detects exactly what {{other}} (id {{otherId}}) at {{where}} detects",
        hint: "keep one record: merge the two, or deprecate the older one (status: deprecated) if this one replaces it",
      },
    },
  },
  check(ctx) {
    const seen = new Map<string, LoadedRecord>();
    for (const lr of ctx.records) {
      if (lr.record.status === "deprecated") continue;
      const key = detectionKey(lr.record);
      const first = seen.get(key);
      if (!first) {
        seen.set(key, lr);
        continue;
      }
      const p = first.source.locate(["name"]);
      ctx.report({
        messageId: "identical",
        record: lr,
        data: { name: lr.record.name, other: first.record.name, otherId: `0x${first.record.id.toString(16).toUpperCase()}`, where: `${first.source.file}:${p.start.line}:${p.start.col}` },
        related: [{ file: first.source.file, ...p, message: `${first.record.name} has the same detection` }],
      });
    }
  },
});
