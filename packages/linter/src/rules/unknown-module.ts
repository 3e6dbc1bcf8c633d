/**
 * A record that names a module the engine does not provide makes the engine refuse the whole
 * database (`Engine.load`), and so do args the module's schema rejects or a module that cannot do
 * what the record's type needs (a type 1/2 record needs one that detects, type 2 one that also
 * cleans, types 3/4 a processing module). Checked against the engine's built-in modules, as
 * `tgvx compile` does; an embedder that registers its own modules lists their names in this rule's
 * `modules` option (their args are checked by its own compile, `compileSources(..., { modules })`).
 */
import { builtInModules, checkModuleUse } from "@tgvx/engine";
import { z } from "zod";
import { closest } from "../did-you-mean.js";
import { createRule } from "../rule.js";

export default createRule({
  meta: {
    id: "unknown-module",
    severity: "error",
    description: "every module a record names is one the engine provides, able to do what the record's type needs, and its args pass the module's schema",
    options: z
      .object({ modules: z.array(z.string().min(1)).default([]).describe("Module names an embedder's engine provides beyond the built-in ones.") })
      .strict(),
    messages: {
      unknown: {
        message: 'module "{{module}}" of {{name}} is not one the engine provides ({{provided}}){{suggestion}}',
        hint: "an engine refuses a database that needs a module it lacks: name a built-in module, detect with a feature code (type 3/4, no module), or list your own module under unknown-module.modules in tgvx-lint.yaml",
      },
      mismatch: {
        message: "{{name}}: {{message}}",
        hint: "type 1: a detecting module with args; type 2: a module that detects and cleans, no args; types 3/4: a processing module",
      },
      badArgs: {
        message: "{{name}}: {{message}}",
        hint: "the module's args are listed in the README (Modules); an engine refuses a database whose args its module rejects",
      },
    },
  },
  check(ctx) {
    const registry = builtInModules();
    const extra = new Set(ctx.options.modules);
    const provided = [...registry.names(), ...extra];
    for (const lr of ctx.records) {
      const m = lr.record.module;
      if (m === undefined || extra.has(m)) continue;
      for (const p of checkModuleUse(registry, lr.record)) {
        if (p.code === "UNKNOWN_MODULE") {
          const near = closest(m, provided);
          ctx.report({
            messageId: "unknown",
            record: lr,
            field: ["module"],
            data: { module: m, name: lr.record.name, provided: `it provides ${provided.join(", ")}`, suggestion: near ? `; did you mean "${near}"?` : "" },
          });
        } else ctx.report({ messageId: p.code === "BAD_ARGS" ? "badArgs" : "mismatch", record: lr, field: p.field, data: { name: lr.record.name, message: p.message } });
      }
    }
  },
});
