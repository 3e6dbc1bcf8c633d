/**
 * A feature code that covers few bytes matches more than its virus: each window must be at least
 * `minWindow` bytes and both together at least `minCovered` distinct bytes. The thresholds are
 * options; the defaults pass every shipped record (EICAR, the smallest, covers 68 bytes).
 */
import { z } from "zod";
import { hex } from "../feature-code.js";
import { createRule } from "../rule.js";

export default createRule({
  meta: {
    id: "weak-signature",
    severity: "warning",
    description: "each window covers at least minWindow bytes (16) and both together at least minCovered bytes (64)",
    options: z
      .object({
        minWindow: z.number().int().min(1).default(16).describe("Shortest window allowed, in bytes."),
        minCovered: z.number().int().min(1).default(64).describe("Fewest distinct bytes both windows must cover together."),
      })
      .strict(),
    messages: {
      shortWindow: {
        message: "window {{n}} of {{name}} covers {{length}} bytes, fewer than {{min}}: a short CRC matches unrelated files",
        hint: "lengthen the window over constant bytes of the body (at least {{min}} bytes)",
      },
      fewBytes: {
        message: "the windows of {{name}} cover {{covered}} distinct bytes, fewer than {{min}}",
        hint: "cover more of the virus's constant body with the two windows (at least {{min}} bytes together)",
      },
    },
  },
  check(ctx) {
    const { minWindow, minCovered } = ctx.options;
    for (const lr of ctx.records) {
      const d = lr.record.detect;
      if (!d) continue;
      const name = lr.record.name;
      d.windows.forEach((w, i) => {
        if (w.length < minWindow)
          ctx.report({ messageId: "shortWindow", record: lr, field: ["detect", "windows", i, "length"], data: { n: i + 1, name, length: hex(w.length), min: hex(minWindow) } });
      });
      const [a, b] = d.windows;
      const overlap = Math.max(0, Math.min(a.offset + a.length, b.offset + b.length) - Math.max(a.offset, b.offset));
      const covered = a.length + b.length - overlap;
      if (covered < minCovered)
        ctx.report({ messageId: "fewBytes", record: lr, field: ["detect", "windows"], data: { name, covered: hex(covered), min: hex(minCovered) } });
    }
  },
});
