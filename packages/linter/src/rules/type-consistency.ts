/**
 * What each record type needs (the seed design's table): types 3 and 4 a feature code (first word
 * and both windows), type 4 its file types, types 1 and 2 a module. Checked by the record loader
 * (TYPE_MISMATCH) and surfaced here.
 */
import { createRule } from "../rule.js";

export default createRule({
  meta: {
    id: "type-consistency",
    severity: "error",
    description: "the record has what its type needs: types 3/4 a first word and two windows, type 4 file types, types 1/2 a module",
    compilerEnforced: true,
    messages: {
      typeMismatch: {
        message: "{{message}}",
        hint: "types 3/4 detect by feature code (detect: anchor, first, windows; type 4 adds filetypes); types 1/2 by module (module, and args for type 1)",
      },
    },
  },
  check(ctx) {
    for (const d of ctx.loaderDiagnostics)
      if (d.code === "TYPE_MISMATCH")
        ctx.report({ messageId: "typeMismatch", data: { message: d.message }, at: { file: d.file, start: d.start, end: d.end ?? d.start, path: d.path } });
  },
});
