/**
 * A record's `suppress:` entries are honest: each names a rule that exists and may be silenced,
 * gives a reason, and still silences something (a suppression that no longer applies would hide
 * the next real problem). Runs after every other rule, to know which suppressions were used.
 */
import { closest } from "../did-you-mean.js";
import { createRule, suppressionKey } from "../rule.js";

export default createRule({
  meta: {
    id: "suppression",
    severity: "warning",
    description: "each suppress entry names a rule that can be silenced, gives a reason, and silences something",
    runsLast: true,
    messages: {
      unknownRule: {
        message: 'suppress names "{{rule}}", which is not a lint rule{{suggestion}}',
        hint: "tgvx lint --list-rules lists the rule ids",
      },
      notSuppressible: {
        message: "{{rule}} cannot be suppressed: the compiler refuses these records whatever the linter is told",
        hint: "fix the record instead; then remove this entry",
      },
      blankReason: {
        message: "the suppression of {{rule}} in {{name}} gives no reason",
        hint: "say why the finding does not apply to this record, so a reviewer can judge it",
      },
      unused: {
        message: "{{name}} suppresses {{rule}}, which reports nothing for it",
        hint: "remove the entry: a stale suppression would hide the next real problem",
      },
    },
  },
  check(ctx) {
    const ids = ctx.registry.map((r) => r.meta.id);
    const enforced = new Set(ctx.registry.filter((r) => r.meta.compilerEnforced).map((r) => r.meta.id));
    for (const lr of ctx.records) {
      lr.record.suppress?.forEach((s, i) => {
        const data = { rule: s.rule, name: lr.record.name };
        if (!ids.includes(s.rule)) {
          const near = closest(s.rule, ids);
          ctx.report({ messageId: "unknownRule", record: lr, field: ["suppress", i, "rule"], data: { ...data, suggestion: near ? `; did you mean "${near}"?` : "" } });
        } else if (enforced.has(s.rule)) ctx.report({ messageId: "notSuppressible", record: lr, field: ["suppress", i, "rule"], data });
        else if (ctx.rulesRun.has(s.rule) && !ctx.usedSuppressions.has(suppressionKey(lr, s.rule)))
          ctx.report({ messageId: "unused", record: lr, field: ["suppress", i, "rule"], data });
        if (!s.reason.trim()) ctx.report({ messageId: "blankReason", record: lr, field: ["suppress", i, "reason"], data });
      });
    }
  },
});
