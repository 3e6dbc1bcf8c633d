/**
 * The stencil format (YAML under `db-src/stencils/`): the single source of truth for its types and
 * for `schemas/stencils.schema.json` (`npm run schema`). A stencil is a named environment (desktop,
 * mail-gateway, file-server, stream-filter) with category switches and ordered rules `when ->
 * action`; the compiler stores it in the database's STNC section, so it ships with updates.
 */
import { z } from "zod";
import {
  ACTION_NAMES,
  ATTRIBUTE_NAMES,
  CATEGORY_NAMES,
  CONTEXT_NAMES,
  FALLBACK_NAMES,
  FILE_TYPE_NAMES,
  NAME_PATTERN_PATTERN,
  STENCIL_NAME_PATTERN,
} from "@tgvx/engine";

const nameRe = new RegExp(STENCIL_NAME_PATTERN);

export const StencilConditionSchema = z
  .object({
    attributes: z.array(z.enum(ATTRIBUTE_NAMES)).min(1).optional().describe("The record has all of these attributes."),
    "any-attributes": z.array(z.enum(ATTRIBUTE_NAMES)).min(1).optional().describe("The record has at least one of these attributes."),
    "not-attributes": z.array(z.enum(ATTRIBUTE_NAMES)).min(1).optional().describe("The record has none of these attributes."),
    categories: z.array(z.enum(CATEGORY_NAMES)).min(1).optional().describe("The record's category is one of these."),
    filetypes: z.array(z.enum(FILE_TYPE_NAMES)).min(1).optional().describe("The detected object has one of these file types."),
    in: z
      .array(z.enum(CONTEXT_NAMES))
      .min(1)
      .optional()
      .describe("Where the detected object was found: top (it is the scanned object), archive (inside zip, tar, gzip, bzip2), mail (inside e-mail)."),
    names: z
      .array(z.string().regex(new RegExp(NAME_PATTERN_PATTERN)).max(200))
      .min(1)
      .optional()
      .describe("The record's name matches one of these: an exact name, a family prefix (Win95.CIH), or a pattern with * and ?."),
  })
  .strict()
  .describe("When the rule applies: every field given must hold. Omitted: always.");

export const StencilRuleSchema = z
  .object({
    name: z.string().regex(nameRe).max(64).describe("Short id, unique in the stencil; traces say \"stencil desktop, rule infectors\"."),
    when: StencilConditionSchema.optional(),
    action: z.enum(ACTION_NAMES).describe("report, clean, remove, quarantine (back up, then remove), discard (drop the whole object it came in), block (streams), ignore."),
    fallback: z.enum(FALLBACK_NAMES).optional().describe("For clean: what to do when cleaning fails (default: the stencil's fallback)."),
    reason: z.string().min(1).max(500).describe("Why: shown in the trace of every decision this rule makes."),
  })
  .strict();

export const StencilSchema = z
  .object({
    name: z.string().regex(nameRe).max(64).describe("The stencil's name, as `--stencil` and the INI's Stencil= give it."),
    description: z.string().min(1).describe("The environment this stencil is for."),
    fallback: z.enum(FALLBACK_NAMES).optional().describe("When cleaning fails, for rules that do not say: report (default), remove, quarantine."),
    categories: z
      .partialRecord(z.enum(CATEGORY_NAMES), z.boolean())
      .optional()
      .describe("Category switches: false makes that category's detections ignored here (grey areas: adware, riskware)."),
    rules: z.array(StencilRuleSchema).describe("Ordered rules; the first whose condition holds decides for the stencil layer."),
  })
  .strict();

export const StencilFileSchema = z
  .object({ stencil: StencilSchema })
  .strict()
  .describe("A tgvx stencil: an environment's processing rules.");

export type StencilConditionSpec = z.infer<typeof StencilConditionSchema>;
export type StencilRuleSpec = z.infer<typeof StencilRuleSchema>;
export type StencilSpec = z.infer<typeof StencilSchema>;
export type StencilFile = z.infer<typeof StencilFileSchema>;

/** The JSON Schema of a stencil file, as committed in `schemas/stencils.schema.json`. */
export function stencilFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(StencilFileSchema, { target: "draft-7" }),
    $id: "https://tgvx.dev/schemas/stencils.schema.json",
    title: "tgvx stencil",
  };
}
