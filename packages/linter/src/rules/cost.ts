/**
 * The price of a first word: how often it occurs per MiB of the clean corpus (the `detect: []`
 * files). The engine checks a record's windows wherever its anchor and first word line up, so a
 * word common in ordinary files ("00 00", "20 20", "CC CC", "FF FF") makes a record a candidate
 * on many clean objects. Warned above a budget, as YARA-X warns of slow patterns; the budget is
 * an option. A random two-byte word occurs about 16 times per MiB.
 */
import { z } from "zod";
import type { Corpus } from "../corpus.js";
import { firstBytes } from "../feature-code.js";
import { createRule } from "../rule.js";

const MIB = 1 << 20;

/** Occurrences of every two-byte word over the clean files, and their total size. */
const tables = new WeakMap<Corpus, { counts: Uint32Array; bytes: number }>();
function wordCounts(corpus: Corpus): { counts: Uint32Array; bytes: number } {
  let t = tables.get(corpus);
  if (!t) {
    const counts = new Uint32Array(0x10000);
    let bytes = 0;
    for (const s of corpus.cleanSamples) {
      const b = s.bytes!;
      bytes += b.length;
      for (let i = 0; i + 1 < b.length; i++) counts[(b[i] << 8) | b[i + 1]]++;
    }
    tables.set(corpus, (t = { counts, bytes }));
  }
  return t;
}

export default createRule({
  meta: {
    id: "cost",
    severity: "warning",
    description: "the first word occurs at most `budget` times per MiB of the clean corpus (default 1024)",
    needsSamples: true,
    options: z.object({ budget: z.number().min(0).default(1024).describe("Most occurrences of a first word per MiB of clean files.") }).strict(),
    messages: {
      commonWord: {
        message: 'first word "{{first}}" of {{name}} occurs {{perMib}} times per MiB of the clean corpus ({{count}} in {{size}} bytes), above the budget of {{budget}}',
        hint: "pick a rarer byte pair of the virus body as the first word (not padding, spaces or common opcodes) and move `at` to it",
      },
    },
  },
  check(ctx) {
    if (!ctx.corpus) return;
    const { counts, bytes } = wordCounts(ctx.corpus);
    if (bytes < 2) return;
    for (const lr of ctx.records) {
      const d = lr.record.detect;
      if (!d || lr.record.status === "deprecated") continue;
      const [b0, b1] = firstBytes(d.first);
      const count = counts[(b0 << 8) | b1];
      const perMib = (count * MIB) / bytes;
      if (perMib > ctx.options.budget)
        ctx.report({
          messageId: "commonWord",
          record: lr,
          field: ["detect", "first"],
          data: { first: d.first, name: lr.record.name, perMib: Math.round(perMib).toLocaleString("en-US"), count: `${count.toLocaleString("en-US")} time${count === 1 ? "" : "s"}`, size: bytes.toLocaleString("en-US"), budget: ctx.options.budget.toLocaleString("en-US") },
        });
    }
  },
});
