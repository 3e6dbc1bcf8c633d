#!/usr/bin/env node
// Writes the committed JSON Schemas from their single source (the zod definitions).
// Run after `npm run build`; test/schemas.test.ts fails when the committed files are stale.
import { writeFileSync } from "node:fs";
import { recordFileJsonSchema, stencilFileJsonSchema } from "@tgvx/records";
import { acknowledgedLossesJsonSchema, sampleManifestJsonSchema } from "@tgvx/harness";

export const SCHEMAS = {
  "schemas/records.schema.json": recordFileJsonSchema,
  "schemas/stencils.schema.json": stencilFileJsonSchema,
  "schemas/sample-manifest.schema.json": sampleManifestJsonSchema,
  "schemas/acknowledged-losses.schema.json": acknowledgedLossesJsonSchema,
};

export function render(make) {
  return JSON.stringify(make(), null, 2) + "\n";
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [path, make] of Object.entries(SCHEMAS)) {
    writeFileSync(new URL(`../${path}`, import.meta.url), render(make));
    console.log(`wrote ${path}`);
  }
}
