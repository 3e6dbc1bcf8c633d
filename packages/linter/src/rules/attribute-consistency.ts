/**
 * The virus's attributes and its processing agree. A standalone threat (dropper, trojan,
 * backdoor, worm that infects nothing...) has no host to give back: its cleaning is `remove`.
 * An infector lives in a user's file: `remove` would delete the host, unless the record says the
 * host is destroyed (`destructive`). The `test` category and attribute go together.
 */
import { createRule } from "../rule.js";

const STANDALONE_ATTRIBUTES = new Set(["dropper", "trojan", "backdoor", "downloader", "adware", "riskware", "test"]);
const STANDALONE_CATEGORIES = new Set(["worm", "trojan", "backdoor", "adware", "riskware", "test"]);

export default createRule({
  meta: {
    id: "attribute-consistency",
    severity: "error",
    description: "attributes agree with the processing: remove for standalone threats, no remove for infectors; test category with test attribute",
    messages: {
      scriptWithoutHost: {
        message: "{{name}} is a {{kind}} (the whole file is the threat), yet its cleaning does more than remove the file",
        hint: "write `clean: [remove]`; or, if this virus really lives in a host file, add the `infector` attribute",
      },
      removeInfector: {
        message: "{{name}} is an infector, yet its cleaning removes the file: that deletes the user's host program",
        hint: "write the reverse of the infection (see the record's header comment); if the virus destroys its host, add the `destructive` attribute",
      },
      testMismatch: {
        message: "{{name}} has {{has}} but not {{missing}}",
        hint: "the EICAR-style test files carry both `category: test` and the `test` attribute; add the missing one or drop the other",
      },
    },
  },
  check(ctx) {
    for (const lr of ctx.records) {
      const r = lr.record;
      const attrs = new Set<string>(r.attributes ?? []);
      const category = r.category ?? "virus";
      const name = r.name;
      const steps = r.clean ?? [];
      if (!attrs.has("infector")) {
        const kind = [...attrs].find((a) => STANDALONE_ATTRIBUTES.has(a)) ?? (STANDALONE_CATEGORIES.has(category) ? category : undefined);
        const i = steps.findIndex((s) => s !== "remove");
        if (kind && i >= 0) ctx.report({ messageId: "scriptWithoutHost", record: lr, field: ["clean", i], data: { name, kind } });
      } else if (!attrs.has("destructive")) {
        const i = steps.findIndex((s) => s === "remove");
        if (i >= 0) ctx.report({ messageId: "removeInfector", record: lr, field: ["clean", i], data: { name } });
      }
      if ((category === "test") !== attrs.has("test")) {
        const [has, missing] = category === "test" ? ["category: test", "the `test` attribute"] : ["the `test` attribute", "category: test"];
        ctx.report({ messageId: "testMismatch", record: lr, field: category === "test" ? ["category"] : ["attributes"], data: { name, has, missing } });
      }
    }
  },
});
