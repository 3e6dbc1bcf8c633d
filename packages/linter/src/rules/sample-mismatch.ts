/**
 * A record's feature code matches the samples that expect it. Every sample is scanned with the
 * linted records compiled in memory; when an expected record is not reported, the record is
 * checked against the sample step by step as the engine decides (file type, anchor, first word,
 * window 1, window 2) and the finding points at the field that does not hold, with the value
 * the sample has (a window's actual CRC, the bytes at the first word). A record detected by a module
 * (types 1 and 2) is named at its args: only the module knows why it did not match.
 */
import type { DetectSpec, LoadedRecord } from "@tgvx/records";
import { crcHex, explainMismatch, fromAnchor, hex, type Mismatch } from "../feature-code.js";
import { createRule } from "../rule.js";

export default createRule({
  meta: {
    id: "sample-mismatch",
    severity: "error",
    description: "the record detects every sample that expects it; a window whose CRC differs is named, with the sample and its actual CRC",
    needsSamples: true,
    messages: {
      windowCrc: {
        message: "window {{n}} of {{name}} ({{length}} bytes at {{where}}) has CRC {{actual}} in {{sample}}; the record says {{crc}}",
        hint: "if the sample is right, write crc: {{actual}}; if the record is right, the sample is stale: regenerate it (npm run samples)",
      },
      windowOutside: {
        message: "window {{n}} of {{name}} ({{length}} bytes) runs outside {{sample}}",
        hint: "a window that runs past the object never matches: move or shorten window {{n}} so it lies inside the virus body",
      },
      firstWord: {
        message: "the first word of {{name}} is {{got}} in {{sample}}; the record says {{want}}",
        hint: 'if `at` is right, write first: "{{got}}"; otherwise correct `at` (the first word is measured from anchor {{anchor}})',
      },
      firstOutside: {
        message: "the first word of {{name}} would lie outside {{sample}}",
        hint: "correct `at`: it is measured from anchor {{anchor}}",
      },
      noAnchor: {
        message: "{{sample}} ({{types}}) has no {{anchor}} anchor, which {{name}} is measured from",
        hint: "entry needs an executable (COM, MZ, NE, PE) and jump a COM file starting with a jump; choose the anchor the infection defines",
      },
      fileType: {
        message: "{{name}} is for {{want}} files; {{sample}} is recognised as {{types}}",
        hint: "add the sample's type to filetypes, or check that the sample is the kind of file this virus infects",
      },
      notFound: {
        message: "{{name}} is not found in {{sample}} ({{types}}), nor in any member the engine opened",
        hint: "scan it to see what the engine sees: tgvx scan --db DB {{sample}}",
      },
      moduleMiss: {
        message: "module {{module}} does not find {{name}} in {{sample}}",
        hint: "check the args against the sample (where the encoded block starts, the known plaintext, the CRC of the decoded window), or regenerate a stale sample (npm run samples)",
      },
    },
  },
  async check(ctx) {
    if (!ctx.corpus) return;
    const byName = new Map<string, LoadedRecord[]>();
    for (const lr of ctx.records)
      if (lr.record.status !== "deprecated" && lr.record.detect) byName.set(lr.record.name, [...(byName.get(lr.record.name) ?? []), lr]);
    // One finding per record and cause (a window with the same wrong CRC in every sample is one problem), naming every sample.
    const groups = new Map<string, { lr: LoadedRecord; m: Mismatch; samples: { shown: string; m: Mismatch }[] }>();
    const byModule = new Map<string, LoadedRecord>();
    for (const lr of ctx.records) if (lr.record.status !== "deprecated" && !lr.record.detect && lr.record.module) byModule.set(lr.record.name, lr);
    const moduleMisses = new Map<LoadedRecord, string[]>();
    for (const { sample, detections } of await ctx.scanCorpus()) {
      const found = new Set(detections.map((d) => d.id));
      for (const expected of sample.detect) {
        const ml = byModule.get(expected);
        if (ml && !found.has(ml.record.id)) moduleMisses.set(ml, [...(moduleMisses.get(ml) ?? []), sample.shown]);
        const records = byName.get(expected) ?? [];
        if (!records.length || records.some((lr) => found.has(lr.record.id))) continue;
        for (const lr of records) {
          const m = explainMismatch(lr.record.detect!, sample.bytes!, sample.path.split("/").pop()!);
          const key = `${lr.source.file}#${lr.source.index}#${causeKey(m)}`;
          const g = groups.get(key) ?? groups.set(key, { lr, m, samples: [] }).get(key)!;
          g.samples.push({ shown: sample.shown, m });
        }
      }
    }
    for (const [lr, samples] of moduleMisses) {
      const more = samples.length > 1 ? ` and ${samples.length - 1} more sample${samples.length > 2 ? "s" : ""}` : "";
      ctx.report({
        messageId: "moduleMiss",
        record: lr,
        field: [lr.record.args ? "args" : "module"],
        data: { module: lr.record.module!, name: lr.record.name, sample: samples[0] + more },
        related: samples.map((file) => ({ file, message: `${lr.record.name} not reported` })),
      });
    }
    for (const { lr, m, samples } of groups.values()) {
      const d = lr.record.detect!;
      const more = samples.length > 1 ? ` and ${samples.length - 1} more sample${samples.length > 2 ? "s" : ""}` : "";
      const base = { name: lr.record.name, sample: samples[0].shown + more, anchor: d.anchor };
      const related = samples.map((s) => ({ file: s.shown, message: describe(s.m, d) }));
      switch (m.kind) {
        case "windowCrc": {
          const w = d.windows[m.window - 1];
          ctx.report({
            messageId: "windowCrc",
            record: lr,
            field: ["detect", "windows", m.window - 1, "crc"],
            data: { ...base, n: m.window, length: hex(w.length), where: fromAnchor(d.anchor, w.offset), actual: crcHex(m.actual), crc: crcHex(w.crc) },
            related,
          });
          break;
        }
        case "windowOutside":
          ctx.report({ messageId: "windowOutside", record: lr, field: ["detect", "windows", m.window - 1], data: { ...base, n: m.window, length: hex(d.windows[m.window - 1].length) }, related });
          break;
        case "firstWord":
          ctx.report({ messageId: "firstWord", record: lr, field: ["detect", "first"], data: { ...base, got: m.got, want: d.first }, related });
          break;
        case "firstOutside":
          ctx.report({ messageId: "firstOutside", record: lr, field: ["detect", d.at === undefined ? "first" : "at"], data: base, related });
          break;
        case "noAnchor":
          ctx.report({ messageId: "noAnchor", record: lr, field: ["detect", "anchor"], data: { ...base, types: m.got }, related });
          break;
        case "fileType":
          ctx.report({ messageId: "fileType", record: lr, field: ["detect", "filetypes"], data: { ...base, want: m.want, types: m.got }, related });
          break;
        default:
          ctx.report({ messageId: "notFound", record: lr, data: { ...base, types: m.got }, related });
      }
    }
  },
});

/** Samples share a finding when the same thing is wrong in the same way. */
function causeKey(m: Mismatch): string {
  switch (m.kind) {
    case "windowCrc":
      return `crc:${m.window}:${m.actual}`;
    case "windowOutside":
      return `outside:${m.window}`;
    case "firstWord":
      return `first:${m.got}`;
    case "fileType":
    case "noAnchor":
    case "container":
    case "none":
      return `${m.kind}:${m.got}`;
    default:
      return m.kind;
  }
}

/** What this sample has where the record looks (for the notes under a finding). */
function describe(m: Mismatch, d: DetectSpec): string {
  switch (m.kind) {
    case "windowCrc":
      return `window ${m.window} (${hex(d.windows[m.window - 1].length)} bytes at file offset ${hex(m.pos)}) has CRC ${crcHex(m.actual)}`;
    case "windowOutside":
      return `window ${m.window} would be at file offset ${hex(m.pos)}, outside the ${hex(m.size)}-byte file`;
    case "firstWord":
      return `the first word at file offset ${hex(m.pos)} is ${m.got}`;
    case "firstOutside":
      return `the first word would be at file offset ${hex(m.pos)}, outside the ${hex(m.size)}-byte file`;
    case "noAnchor":
    case "fileType":
      return `recognised as ${m.got}`;
    default:
      return `recognised as ${m.got}; the record is not reported in it`;
  }
}
