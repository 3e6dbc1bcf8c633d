/**
 * The sample manifest (`samples/manifest.yaml`): per sample, what must be detected and, for
 * infected samples, the host it was made from. `schemas/sample-manifest.schema.json` is
 * generated from this definition.
 */
import { z } from "zod";

export const SampleSchema = z
  .object({
    path: z.string().min(1).describe("Sample file, relative to the manifest."),
    detect: z.array(z.string()).describe("Exact record names that must be reported; [] means the sample must be clean."),
    original: z.string().optional().describe("The clean host this sample was made from: cleaning must restore it byte for byte."),
    removed: z.literal(true).optional().describe("Cleaning must remove the file (the whole file is the threat)."),
    unclean: z.string().min(1).optional().describe("Cleaning must be refused, for this reason (a damaged sample)."),
    note: z.string().optional().describe("How the sample was made."),
  })
  .strict();

export const SampleManifestSchema = z
  .object({ samples: z.array(SampleSchema) })
  .strict()
  .describe("tgvx sample manifest");

export type Sample = z.infer<typeof SampleSchema>;
export type SampleManifest = z.infer<typeof SampleManifestSchema>;

export function sampleManifestJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SampleManifestSchema, { target: "draft-7" }),
    $id: "https://tgvx.dev/schemas/sample-manifest.schema.json",
    title: "tgvx sample manifest",
  };
}
