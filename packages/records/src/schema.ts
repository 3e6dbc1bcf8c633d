/**
 * The YAML record format: the single source of truth. The TypeScript types are inferred from
 * it, and `schemas/records.schema.json` (used by ajv when loading, and by editors through the
 * `yaml-language-server` comment) is generated from it by `npm run schema`.
 */
import { z } from "zod";
import {
  ANCHOR_NAMES,
  ATTRIBUTE_NAMES,
  CATEGORY_NAMES,
  FILE_TYPE_NAMES,
  RECORD_TYPES,
  STATUS_NAMES,
} from "@tgvx/engine";

/** Largest CRC window a record may use; keeps per-object work and stream buffers bounded. */
export const MAX_WINDOW_LENGTH = 0x100000;
/** Largest distance of a first word or window from its anchor. */
export const MAX_ANCHOR_DISTANCE = 0x7fffffff;

const u32 = z.number().int().min(0).max(0xffffffff);
const signedOffset = z.number().int().min(-MAX_ANCHOR_DISTANCE).max(MAX_ANCHOR_DISTANCE);

export const HEX_WORD_PATTERN = "^[0-9A-Fa-f]{2} ?[0-9A-Fa-f]{2}$";
export const RECORD_NAME_PATTERN = "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+){2,}$";

export const WindowSchema = z
  .object({
    offset: signedOffset.describe("Signed offset of the window's first byte from the anchor."),
    length: z.number().int().min(1).max(MAX_WINDOW_LENGTH).describe("Bytes covered by the CRC."),
    crc: u32.describe("IEEE CRC-32 (zlib's) of the window's bytes, e.g. 0x1A2B3C4D."),
  })
  .strict()
  .describe("A CRC-32 window. A window that runs outside the object never matches.");

/** Cleaning primitives the engine runs, and macros the compiler expands into them. */
export const CLEAN_PRIMITIVES = ["let", "copy", "move", "insert", "modify", "delete", "fill", "truncate-tail", "truncate-head", "decode", "assert", "remove"] as const;
export const CLEAN_MACROS = ["com-tail", "com-head", "exe-tail", "ne-tail", "pe-tail"] as const;
export const CLEAN_OPERATIONS = [...CLEAN_PRIMITIVES, ...CLEAN_MACROS] as const;

export const CleanSchema = z
  .array(z.union([z.literal("remove"), z.partialRecord(z.enum(CLEAN_OPERATIONS), z.unknown())]))
  .min(1)
  .describe(
    "Cleaning script: the reverse of the infection, run in order. Each step is \"remove\" or one operation " +
      "(copy, move, insert, modify, delete, fill, truncate-tail, truncate-head, decode, assert, let; macros com-tail, " +
      "com-head, exe-tail, ne-tail, pe-tail). Operands are integers or expressions over size, anchor, code, entry, " +
      "let names and reads u8()/u16()/u32()/i8()/i16()/i32().",
  );

export const DetectSchema = z
  .object({
    anchor: z.enum(ANCHOR_NAMES).describe(
      "Where offsets are measured from: start or end of the object, entry point (MZ/NE/PE/COM), or the COM initial-jump target.",
    ),
    at: signedOffset.optional().describe("Signed offset of the first word from the anchor (default 0)."),
    first: z
      .string()
      .regex(new RegExp(HEX_WORD_PATTERN))
      .describe('The first word of the feature code: two hex bytes, e.g. "55 8B".'),
    filetypes: z
      .array(z.enum(FILE_TYPE_NAMES))
      .min(1)
      .optional()
      .describe("Type 4 only: the record applies to objects of these file types."),
    windows: z
      .tuple([WindowSchema, WindowSchema])
      .describe("Exactly two CRC windows (the seed design's offset 1 + sign 1, offset 2 + sign 2)."),
  })
  .strict()
  .describe("Feature-code detection for record types 3 and 4.");

export const RecordSchema = z
  .object({
    id: z.number().int().min(1).max(0xffffffff).describe("Number unique forever; a retired id is never reused."),
    rev: z.number().int().min(1).max(0xffff).describe("Revision, bumped on every change; updates ship by id+rev."),
    name: z.string().regex(new RegExp(RECORD_NAME_PATTERN)).max(200).describe("Platform.Family.Variant, e.g. Win95.CIH.1003."),
    type: z.literal(RECORD_TYPES).describe(
      "1: module detects, with args; 2: module detects and processes; 3: first word + two CRC windows; 4: as 3, restricted to file types.",
    ),
    status: z.enum(STATUS_NAMES).describe("experimental, stable or deprecated."),
    category: z.enum(CATEGORY_NAMES).optional().describe("Threat category (default virus)."),
    attributes: z.array(z.enum(ATTRIBUTE_NAMES)).optional().describe("The virus's specialty, drives per-virus processing."),
    description: z.string().optional().describe("Free text for analysts; not compiled."),
    detect: DetectSchema.optional(),
    module: z.string().regex(/^[a-z][a-z0-9-]*$/).max(64).optional().describe(
      "Types 1/2: the detection module; types 3/4: the processing module used for cleaning.",
    ),
    args: z.record(z.string(), z.unknown()).optional().describe("Process arguments passed to the module."),
    clean: CleanSchema.optional(),
    suppress: z
      .array(
        z
          .object({
            rule: z.string().min(1).describe("Id of the lint rule silenced for this record (`tgvx lint --list-rules`)."),
            reason: z.string().min(1).describe("Why the finding does not apply to this record."),
          })
          .strict(),
      )
      .min(1)
      .optional()
      .describe("Lint rules this record silences for itself, each with a reason; not compiled."),
  })
  .strict();

export const RecordFileSchema = z
  .object({
    records: z.array(RecordSchema).describe("The records of one family."),
  })
  .strict()
  .describe("A tgvx record file: one family's records.");

export type WindowSpec = z.infer<typeof WindowSchema>;
export type DetectSpec = z.infer<typeof DetectSchema>;
export type VirusRecord = z.infer<typeof RecordSchema>;
export type RecordFile = z.infer<typeof RecordFileSchema>;

/** The JSON Schema of a record file, as committed in `schemas/records.schema.json`. */
export function recordFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(RecordFileSchema, { target: "draft-7" }),
    $id: "https://tgvx.dev/schemas/records.schema.json",
    title: "tgvx record file",
  };
}
