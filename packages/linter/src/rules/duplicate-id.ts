/**
 * Ids are unique forever across the whole database (updates ship by id + rev). Checked by the
 * record loader over every file (DUPLICATE_ID) and surfaced here.
 */
import { createRule } from "../rule.js";

export default createRule({
  meta: {
    id: "duplicate-id",
    severity: "error",
    description: "no two records share an id, in any file of the database",
    compilerEnforced: true,
    messages: {
      duplicateId: { message: "{{message}}", hint: "give this record a new id, never used before (a retired id is never reused)" },
    },
  },
  check(ctx) {
    for (const d of ctx.loaderDiagnostics)
      if (d.code === "DUPLICATE_ID")
        ctx.report({ messageId: "duplicateId", data: { message: d.message }, at: { file: d.file, start: d.start, end: d.end ?? d.start, path: d.path } });
  },
});
