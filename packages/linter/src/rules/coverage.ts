/**
 * Every record is proved by a sample and every sample proves a record: each live record is
 * expected by at least one sample of the manifest; each name a sample expects is a live record;
 * each listed sample file exists.
 */
import { formatPath, type LoadedRecord } from "@tgvx/records";
import { closest } from "../did-you-mean.js";
import { createRule } from "../rule.js";

export default createRule({
  meta: {
    id: "coverage",
    severity: "error",
    description: "every live record has a sample, every name a sample expects is a live record, every listed sample exists",
    needsSamples: true,
    messages: {
      noSample: {
        message: "no sample in {{manifest}} expects {{name}}: nothing proves that it detects",
        hint: "add an infected sample (made by samples/generate.mjs, harmless) and list it in the manifest with detect: [{{name}}]",
      },
      unknownName: {
        message: "sample {{sample}} expects {{name}}, which no linted record is called{{suggestion}}",
        hint: "correct the name in the manifest, or add the record (lint the whole database, e.g. tgvx lint db-src)",
      },
      deprecatedName: {
        message: "sample {{sample}} expects {{name}}, which is deprecated and no longer detects",
        hint: "move the sample to the record that replaced {{name}}, or expect nothing there (detect: [])",
      },
      missingFile: {
        message: "sample {{sample}} is listed in the manifest but cannot be read",
        hint: "generate it (npm run samples) or remove its entry from the manifest",
      },
    },
  },
  check(ctx) {
    const corpus = ctx.corpus;
    if (!corpus) return;
    const byName = new Map<string, LoadedRecord[]>();
    for (const lr of ctx.records) byName.set(lr.record.name, [...(byName.get(lr.record.name) ?? []), lr]);
    const expected = new Set<string>();
    const at = (path: (string | number)[]) => ({ file: corpus.manifestPath, ...corpus.locate(path), path: formatPath(path) });
    // One finding per unknown name, at its first use, however many samples expect it.
    const unknown = new Map<string, { at: (string | number)[]; samples: string[] }>();
    for (const s of corpus.samples) {
      if (s.bytes === undefined) ctx.report({ messageId: "missingFile", at: at(["samples", s.index, "path"]), data: { sample: s.shown } });
      s.detect.forEach((name, j) => {
        expected.add(name);
        const records = byName.get(name);
        if (!records) (unknown.get(name) ?? unknown.set(name, { at: ["samples", s.index, "detect", j], samples: [] }).get(name)!).samples.push(s.path);
        else if (records.every((lr) => lr.record.status === "deprecated"))
          ctx.report({ messageId: "deprecatedName", at: at(["samples", s.index, "detect", j]), data: { sample: s.path, name } });
      });
    }
    for (const [name, u] of unknown) {
      const near = closest(name, byName.keys());
      const more = u.samples.length > 1 ? ` (and ${u.samples.length - 1} more sample${u.samples.length > 2 ? "s" : ""})` : "";
      ctx.report({ messageId: "unknownName", at: at(u.at), data: { sample: u.samples[0] + more, name, suggestion: near ? `; did you mean ${near}?` : "" } });
    }
    for (const lr of ctx.records)
      if (lr.record.status !== "deprecated" && !expected.has(lr.record.name))
        ctx.report({ messageId: "noSample", record: lr, data: { name: lr.record.name, manifest: corpus.manifestPath } });
  },
});
