// The manifest fast path must read exactly what the YAML loader reads, or give up.
import { readFileSync } from "node:fs";
import { loadYamlDocument } from "@tgvx/records";
import { readManifest, sampleManifestJsonSchema } from "@tgvx/harness";
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { fastManifest } from "../src/manifest-fast-path.js";

const root = new URL("../../..", import.meta.url).pathname;
const full = (text: string) => loadYamlDocument({ path: "manifest.yaml", text }, sampleManifestJsonSchema()).value;

// Values that are strings to a person but maybe not to YAML, or not plain scalars.
const tricky = fc.constantFrom(
  "clean/a.com",
  "infected/x y.exe",
  "true",
  "no",
  "null",
  "~",
  "1.5",
  "0x10",
  "-1",
  ".inf",
  "a: b",
  "a:b",
  "x #y",
  "x#y",
  "ends:",
  "'q'",
  '"d"',
  "it's",
  "a,b",
  " lead",
  "trail ",
  "-x",
  "[a]",
  "{a}",
  "&anchor",
  "*alias",
  "!tag",
  "%pct",
  "@at",
  "`tick`",
  "|",
  ">",
  "Ünïcode/файл.bin",
  "tab\there",
  "back\\slash",
  "Test.EICAR.68",
  "DOS.Tailgate.A",
);
const safe = fc.constantFrom("clean/a.com", "infected/b-1.exe", "Test.EICAR.68", "DOS.Tailgate.A", "d00/x_1.bin", "a note, with commas; and more");
const value = fc.oneof({ arbitrary: safe, weight: 6 }, { arbitrary: tricky, weight: 1 });
const entry = fc.record(
  {
    path: value,
    detect: fc.array(value, { maxLength: 3 }),
    original: value,
    removed: fc.constant(true as const),
    unclean: value,
    note: value,
  },
  { requiredKeys: ["path", "detect"] },
);

/** What a careless hand (or generator) writes: values pasted in as they are. */
function raw(samples: Record<string, unknown>[]): string {
  const out = ["# a manifest", "samples:"];
  for (const s of samples) {
    Object.entries(s).forEach(([k, v], i) => {
      const value = Array.isArray(v) ? `[${v.join(", ")}]` : String(v);
      out.push(`${i ? "    " : "  - "}${k}: ${value}`);
    });
  }
  return out.join("\n") + "\n";
}

describe("the manifest fast path", () => {
  it("reads the committed manifest exactly as the YAML loader does", () => {
    const text = readFileSync(`${root}/samples/manifest.yaml`, "utf8");
    const fast = fastManifest(text);
    expect(fast).toBeDefined();
    expect(fast).toEqual(full(text));
  });

  it("agrees with the YAML loader or gives up, on hand-written and on YAML-library output", () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), (samples) => {
        for (const text of [raw(samples), stringify({ samples })]) {
          const fast = fastManifest(text);
          if (fast === undefined) continue;
          taken++;
          expect(fast).toEqual(full(text));
        }
      }),
      { numRuns: 400 },
    );
    expect(taken).toBeGreaterThan(40); // the comparison is not vacuous
  });

  it("takes the simple layout and leaves the rest to the loader", () => {
    expect(fastManifest("samples:\n  - path: a.bin\n    detect: [X.Y.Z]\n    note: \"a: b\"\n")).toEqual({ samples: [{ path: "a.bin", detect: ["X.Y.Z"], note: "a: b" }] });
    expect(fastManifest("samples:\n  - path: a.bin\n    detect:\n      - X.Y.Z\n")).toBeUndefined();
    expect(fastManifest("samples:\n  - path: a.bin  # comment\n    detect: []\n")).toBeUndefined();
    expect(fastManifest("samples:\n  - path: a.bin\n    detect: []\n    detect: []\n")).toBeUndefined();
    expect(fastManifest("samples:\r\n  - path: a.bin\r\n    detect: []\r\n")).toBeUndefined();
  });

  it("still reports a bad manifest with its place (the loader's diagnostics)", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(`${tmpdir()}/tgvx-manifest-`);
    writeFileSync(`${dir}/manifest.yaml`, "samples:\n  - path: a.bin\n    detect: []\n  - path: a.bin\n    detect: [X]\n    colour: red\n");
    await expect(readManifest(dir)).rejects.toMatchObject({
      name: "ManifestError",
      diagnostics: [expect.objectContaining({ code: "UNKNOWN_FIELD", start: expect.objectContaining({ line: 6 }) })],
    });
    writeFileSync(`${dir}/manifest.yaml`, "samples:\n  - path: a.bin\n    detect: []\n  - path: a.bin\n    detect: [X]\n");
    await expect(readManifest(dir)).rejects.toMatchObject({
      diagnostics: [expect.objectContaining({ code: "BAD_VALUE", message: expect.stringContaining("listed twice"), start: expect.objectContaining({ line: 4 }) })],
    });
  });
});
