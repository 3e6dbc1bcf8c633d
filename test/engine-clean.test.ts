// The engine's clean flow decides when a script's result can be trusted.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { compileSources, findRecordFiles, readSources } from "@tgvx/compiler";
import { cleanFile } from "@tgvx/engine/node";
import { crc32, Engine } from "@tgvx/engine";

const root = new URL("..", import.meta.url).pathname;

// A COM object: E9 jump to a 64-byte inert body at 0x40; the body keeps 3 "original" bytes at +0x20.
function infected(stored: number[]): Uint8Array {
  const b = new Uint8Array(0x80);
  b.set([0xe9, 0x3d, 0x00], 0);
  for (let i = 0; i < 64; i++) b[0x40 + i] = (i * 37 + 11) & 0xff;
  b.set([0x54, 0x47], 0x40);
  b.set(stored, 0x60);
  return b;
}

async function engineFor(clean: string | undefined): Promise<Engine> {
  const body = infected([0, 0, 0]);
  const yaml = `records:
  - id: 1
    rev: 1
    name: DOS.Test.A
    type: 3
    status: stable
    detect:
      anchor: jump
      first: "54 47"
      windows:
        - { offset: 0, length: 16, crc: ${crc32(body, 0x40, 0x50)} }
        - { offset: 16, length: 16, crc: ${crc32(body, 0x50, 0x60)} }
${clean ? `    clean:\n${clean}` : ""}`;
  const r = await compileSources([{ path: "t.yaml", text: yaml }]);
  expect(r.diagnostics).toEqual([]);
  return Engine.load(r.bytes!, { allowUnsigned: true });
}

const restore = '      - com-tail: { from: "code + 0x20" }\n';

describe("engine.clean", () => {
  it("restores when the stored bytes are sound", async () => {
    const e = await engineFor(restore);
    const r = e.clean(infected([0xeb, 0x10, 0x90]), { name: "x.com" });
    expect(r.status).toBe("cleaned");
    expect(Array.from(r.output!.subarray(0, 3))).toEqual([0xeb, 0x10, 0x90]);
    expect(r.output!.length).toBe(0x40);
  });

  it("refuses a result whose headers got worse (a restored jump pointing outside the file)", async () => {
    const e = await engineFor(restore);
    const r = e.clean(infected([0xe9, 0x00, 0x70]), { name: "x.com" });
    expect(r).toMatchObject({ status: "failed", code: "DAMAGED_RESULT" });
    expect(r.reason).toMatch(/JUMP_OUT_OF_RANGE/);
  });

  it("refuses when the script leaves the infection in place", async () => {
    const e = await engineFor("      - fill: { at: 3, length: 4, byte: 0 }\n");
    expect(e.clean(infected([0, 0, 0]), { name: "x.com" })).toMatchObject({ status: "failed", code: "STILL_INFECTED" });
  });

  it("reports no-action for a record without a script", async () => {
    const e = await engineFor(undefined);
    expect(e.clean(infected([0, 0, 0]), { name: "x.com" })).toMatchObject({ status: "no-action", code: "NO_SCRIPT" });
  });

  it("applies the fallback action to a record without a script: report by default, remove (after the backup) when asked", async () => {
    const e = await engineFor(undefined);
    const dir = mkdtempSync(join(tmpdir(), "tgvx-fallback-"));
    const path = join(dir, "x.com");
    writeFileSync(path, infected([0, 0, 0]));
    expect(await cleanFile(e, path)).toMatchObject({ status: "no-action", code: "NO_SCRIPT" });
    expect(readdirSync(dir)).toEqual(["x.com"]);
    const r = await cleanFile(e, path, { fallback: "remove", backupDir: join(dir, "quarantine") });
    expect(r).toMatchObject({ status: "removed", backup: join(dir, "quarantine", "x.com") });
    expect(r.reason).toMatch(/no cleaning script; removed as the fallback action/);
    expect(readdirSync(dir)).toEqual(["quarantine"]);
    expect(Buffer.from(readFileSync(join(dir, "quarantine", "x.com"))).equals(Buffer.from(infected([0, 0, 0])))).toBe(true);
  });

  it("cleans an object carrying two infections, outermost first, whatever order they are found in", async () => {
    const r = await compileSources(await readSources(await findRecordFiles(["db-src"], root), root));
    const engine = await Engine.load(r.bytes!, { allowUnsigned: true });
    const sample = (p: string) => readFileSync(join(root, "samples", p));
    const trailer = sample("infected/trailer-a/script.sh");
    const trailerBody = trailer.subarray(trailer.length - 0x1a0);
    // Headstone (id 0x2001) is found before Trailer (0x6001), but its script only fits once the
    // trailer, the later infection, is gone.
    const both = Buffer.concat([sample("infected/headstone-a/com-host-3.com"), trailerBody]);
    const first = engine.scan(both, { name: "x.com" });
    expect(first.detections.map((d) => d.name)).toEqual(["DOS.Headstone.A", "Generic.Trailer.A"]);
    const cleaned = engine.clean(both, { name: "x.com" });
    expect(cleaned.status).toBe("cleaned");
    expect(cleaned.steps.map((s) => [s.record, s.error ?? "ok"])).toEqual([
      ["DOS.Headstone.A", "ASSERTION_FAILED"],
      ["Generic.Trailer.A", "ok"],
      ["DOS.Headstone.A", "ok"],
    ]);
    expect(Buffer.from(cleaned.output!).equals(sample("clean/com-host-3.com"))).toBe(true);
  });
});
