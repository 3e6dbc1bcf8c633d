/**
 * `samples/acknowledged-losses.yaml`: detections the team has decided to lose (a record retired,
 * split or narrowed on purpose), each with the reason. A loss listed here does not fail
 * `tgvx test`; every other detection lost against the baseline does.
 * `schemas/acknowledged-losses.schema.json` is generated from this definition.
 */
import { readFile } from "node:fs/promises";
import { loadYamlDocument, type Diagnostic } from "@tgvx/records";
import { z } from "zod";

export const AcknowledgedLossSchema = z
  .object({
    record: z
      .union([z.number().int().min(0).max(0xffffffff), z.string().min(1)])
      .describe("The record whose detection may be lost: its id (e.g. 0x1001) or its exact name."),
    sample: z.string().min(1).optional().describe("Only on this sample (path relative to the manifest); absent: on every sample."),
    reason: z.string().min(3).describe("Why losing the detection is right, for reviewers."),
  })
  .strict();

export const AcknowledgedLossesSchema = z
  .object({ losses: z.array(AcknowledgedLossSchema) })
  .strict()
  .describe("tgvx acknowledged detection losses");

export type AcknowledgedLossEntry = z.infer<typeof AcknowledgedLossSchema>;

export function acknowledgedLossesJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(AcknowledgedLossesSchema, { target: "draft-7" }),
    $id: "https://tgvx.dev/schemas/acknowledged-losses.schema.json",
    title: "tgvx acknowledged detection losses",
  };
}

/** The file name looked for next to the sample manifest. */
export const ACKNOWLEDGED_LOSSES_FILE = "acknowledged-losses.yaml";

export class AcknowledgementsError extends Error {
  override readonly name = "AcknowledgementsError";
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
  }
}

/** Read an acknowledgement file; a missing file acknowledges nothing. */
export async function readAcknowledgedLosses(path: string): Promise<{ path: string; exists: boolean; losses: AcknowledgedLossEntry[] }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { path, exists: false, losses: [] };
    throw new AcknowledgementsError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const doc = loadYamlDocument<{ losses: AcknowledgedLossEntry[] }>({ path, text }, acknowledgedLossesJsonSchema());
  if (!doc.value) throw new AcknowledgementsError(`the acknowledged-losses file ${path} has errors`, doc.diagnostics);
  return { path, exists: true, losses: doc.value.losses };
}
