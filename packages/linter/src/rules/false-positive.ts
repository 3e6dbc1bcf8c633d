/**
 * No record matches a file it must not: a clean file of the corpus (`detect: []`: the clean hosts
 * and the near misses), or a sample whose manifest entry does not name it. Every sample is
 * scanned, members of containers included, with the linted records compiled in memory.
 */
import type { LoadedRecord } from "@tgvx/records";
import { createRule } from "../rule.js";

export default createRule({
  meta: {
    id: "false-positive",
    severity: "error",
    description: "the record matches no clean file of the corpus, and no sample that does not expect it",
    needsSamples: true,
    messages: {
      cleanFile: {
        message: "{{name}} matches the clean file {{sample}}{{member}}: a false positive",
        hint: "the feature code is not specific to the virus: choose a first word and windows over bytes only its body has (check with tgvx scan --db DB {{sample}})",
      },
      otherSample: {
        message: "{{name}} matches {{sample}}{{member}}, where the manifest expects only {{expected}}",
        hint: "make the feature code specific to this virus, or, if the sample really carries it too, add {{name}} to the sample's detect list",
      },
    },
  },
  async check(ctx) {
    if (!ctx.corpus) return;
    const byId = new Map<number, LoadedRecord>();
    for (const lr of ctx.records) if (!byId.has(lr.record.id)) byId.set(lr.record.id, lr);
    for (const { sample, detections } of await ctx.scanCorpus()) {
      const reported = new Set<string>();
      for (const d of detections) {
        if (sample.detect.includes(d.name)) continue;
        const lr = byId.get(d.id);
        const member = d.path.length ? ` (member ${d.path.join("/")})` : "";
        if (!lr || reported.has(d.name + member)) continue;
        reported.add(d.name + member);
        const data = { name: d.name, sample: sample.shown, member, expected: sample.detect.join(", ") };
        ctx.report({
          messageId: sample.detect.length ? "otherSample" : "cleanFile",
          record: lr,
          data,
          related: [{ file: sample.shown, message: `${d.name} matches here${member}` }],
        });
      }
    }
  },
});
