/**
 * The record schema (`packages/records/src/schema.ts`), as the record loader checks it: YAML
 * syntax, unknown and missing fields, types, hex numbers, allowed values and ranges; every
 * problem of every file at once. The loader's diagnostics are surfaced here, not re-derived.
 */
import { createRule } from "../rule.js";

/** Loader codes that belong to other rules. */
const ELSEWHERE = new Set(["TYPE_MISMATCH", "DUPLICATE_ID"]);

export default createRule({
  meta: {
    id: "schema",
    severity: "error",
    description: "the record file is valid YAML and matches the record schema (every problem at once)",
    compilerEnforced: true,
    messages: {
      YAML_SYNTAX: { message: "{{message}}", hint: "fix the YAML at this place; the record file cannot be read until it parses" },
      DUPLICATE_KEY: { message: "{{message}}", hint: "keep one of the two keys; YAML does not allow a key twice in a mapping" },
      UNKNOWN_FIELD: { message: "{{message}}", hint: "remove the field or correct its spelling; schemas/records.schema.json lists the fields" },
      MISSING_FIELD: { message: "{{message}}", hint: "add the field; schemas/records.schema.json says what it holds" },
      WRONG_TYPE: { message: "{{message}}", hint: "write a value of the type the field takes" },
      BAD_HEX: { message: "{{message}}", hint: "write 0x followed by hex digits (negative: -0x40)" },
      BAD_VALUE: { message: "{{message}}", hint: "use one of the forms the schema allows" },
      OUT_OF_RANGE: { message: "{{message}}", hint: "bring the value into the allowed range" },
      OTHER: { message: "{{message}}" },
    },
  },
  check(ctx) {
    for (const d of ctx.loaderDiagnostics) {
      if (ELSEWHERE.has(d.code)) continue;
      const known = ["YAML_SYNTAX", "DUPLICATE_KEY", "UNKNOWN_FIELD", "MISSING_FIELD", "WRONG_TYPE", "BAD_HEX", "BAD_VALUE", "OUT_OF_RANGE"] as const;
      const messageId = (known as readonly string[]).includes(d.code) ? (d.code as (typeof known)[number]) : "OTHER";
      ctx.report({ messageId, data: { message: d.message }, at: { file: d.file, start: d.start, end: d.end ?? d.start, path: d.path }, severity: d.severity });
    }
  },
});
