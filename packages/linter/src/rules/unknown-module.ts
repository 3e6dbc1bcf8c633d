/**
 * A record that names a module the engine does not provide makes the engine refuse the whole
 * database (`Engine.load` with `modules`). The engine has no module registry yet, so the list
 * of provided modules is this rule's option, empty by default: every module named is unknown
 * until the engine ships it and the list names it.
 */
import { z } from "zod";
import { closest } from "../did-you-mean.js";
import { createRule } from "../rule.js";

export default createRule({
  meta: {
    id: "unknown-module",
    severity: "error",
    description: "every module a record names (detection or processing) is one the engine provides",
    options: z.object({ modules: z.array(z.string().min(1)).default([]).describe("Module names the engine provides.") }).strict(),
    messages: {
      unknown: {
        message: 'module "{{module}}" of {{name}} is not one the engine provides ({{provided}}){{suggestion}}',
        hint: "an engine refuses a database that needs a module it lacks: detect with a feature code (type 3/4, no module), or list the module under unknown-module.modules in tgvx-lint.yaml once the engine provides it",
      },
    },
  },
  check(ctx) {
    const provided = new Set(ctx.options.modules);
    for (const lr of ctx.records) {
      const m = lr.record.module;
      if (m === undefined || provided.has(m)) continue;
      const near = closest(m, provided);
      ctx.report({
        messageId: "unknown",
        record: lr,
        field: ["module"],
        data: { module: m, name: lr.record.name, provided: provided.size ? `provided: ${[...provided].join(", ")}` : "it provides none yet", suggestion: near ? `; did you mean "${near}"?` : "" },
      });
    }
  },
});
