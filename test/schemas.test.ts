import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without types
import { SCHEMAS, render } from "../scripts/gen-schema.mjs";

describe("committed JSON Schemas", () => {
  for (const [path, make] of Object.entries(SCHEMAS as Record<string, () => unknown>)) {
    it(`${path} is generated from the current model (run \`npm run schema\` if this fails)`, () => {
      expect(readFileSync(new URL(`../${path}`, import.meta.url), "utf8")).toBe(render(make));
    });
  }
});
