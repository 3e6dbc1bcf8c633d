/**
 * The committed sample corpus (samples/) must be exactly what samples/generate.mjs produces:
 * regenerate into a temporary directory and compare every file byte for byte, in both directions.
 * Then run the generator's own --verify mode (an independent check of the corpus against db-src).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const samplesDir = join(root, "samples");
const generator = join(samplesDir, "generate.mjs");
/** Files in samples/ that the generator does not write. */
const NOT_GENERATED = new Set(["README.md", "generate.mjs", "acknowledged-losses.yaml"]);

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.filter((f) => !NOT_GENERATED.has(f)).sort();
}

function firstDifference(a: Buffer, b: Buffer): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `first difference at byte 0x${i.toString(16)} (committed ${a[i]}, fresh ${b[i]})`;
  return `sizes differ (committed ${a.length}, fresh ${b.length})`;
}

describe("samples/generate.mjs", () => {
  let fresh: string;

  beforeAll(() => {
    fresh = mkdtempSync(join(tmpdir(), "tgvx-samples-"));
    execFileSync(process.execPath, [generator, fresh], { stdio: "pipe" });
  });

  afterAll(() => {
    if (fresh) rmSync(fresh, { recursive: true, force: true });
  });

  it("regenerates the committed corpus with no file missing or extra", () => {
    const committed = listFiles(samplesDir);
    const generated = listFiles(fresh);
    expect(committed).toContain("manifest.yaml");
    expect(committed.filter((f) => !generated.includes(f)), "committed but no longer generated").toEqual([]);
    expect(generated.filter((f) => !committed.includes(f)), "generated but not committed (run `npm run samples`)").toEqual([]);
  });

  it("regenerates every file byte for byte", () => {
    const differing: string[] = [];
    for (const f of listFiles(fresh)) {
      let committed: Buffer;
      try {
        committed = readFileSync(join(samplesDir, ...f.split("/")));
      } catch {
        continue; // reported by the previous test
      }
      const generated = readFileSync(join(fresh, ...f.split("/")));
      if (!committed.equals(generated)) differing.push(`${f}: ${firstDifference(committed, generated)}`);
    }
    expect(differing, "run `npm run samples` and commit the result").toEqual([]);
  });

  it("is deterministic (a second run gives the same bytes)", () => {
    const again = mkdtempSync(join(tmpdir(), "tgvx-samples-"));
    try {
      execFileSync(process.execPath, [generator, again], { stdio: "pipe" });
      const a = listFiles(fresh);
      expect(listFiles(again)).toEqual(a);
      for (const f of a) expect(readFileSync(join(again, f)).equals(readFileSync(join(fresh, f))), f).toBe(true);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  it("does not contain the EICAR string itself (only the samples may)", () => {
    const marker = ["EICAR-STANDARD", "ANTIVIRUS-TEST-FILE"].join("-");
    expect(readFileSync(generator, "latin1").includes(marker)).toBe(false);
  });

  it("says for every detected sample how cleaning ends: original, removed or unclean (refused)", () => {
    interface Sample {
      path: string;
      detect: string[];
      original?: string;
      removed?: boolean;
      unclean?: string;
      note?: string;
    }
    const { samples } = parse(readFileSync(join(samplesDir, "manifest.yaml"), "utf8")) as { samples: Sample[] };
    const problems: string[] = [];
    for (const s of samples) {
      const extra = Object.keys(s).filter((k) => !["path", "detect", "original", "removed", "unclean", "note"].includes(k));
      if (extra.length) problems.push(`${s.path}: unknown fields ${extra.join(", ")}`);
      const outcomes = [s.original !== undefined, s.removed !== undefined, s.unclean !== undefined].filter(Boolean).length;
      if (s.removed !== undefined && s.removed !== true) problems.push(`${s.path}: removed must be true`);
      if (s.unclean !== undefined && !(typeof s.unclean === "string" && s.unclean.length > 0)) problems.push(`${s.path}: unclean must be a reason`);
      if (s.detect.length === 0 && outcomes !== 0) problems.push(`${s.path}: a clean sample says how to clean it`);
      if (s.detect.length > 0 && outcomes !== 1 && !s.path.startsWith("infected/containers/"))
        problems.push(`${s.path}: needs exactly one of original, removed, unclean`);
      if (s.path.startsWith("damaged/") !== (s.unclean !== undefined)) problems.push(`${s.path}: unclean samples are exactly those under damaged/`);
    }
    expect(problems).toEqual([]);
    const names = (pick: (s: Sample) => boolean) => [...new Set(samples.filter(pick).flatMap((s) => s.detect))].sort();
    expect(names((s) => s.removed === true)).toEqual(["Riskware.RemoteRun.A", "Test.EICAR.68", "Win32.Dropper.A"]);
    expect(names((s) => s.unclean !== undefined)).toEqual(["DOS.Exetail.A", "DOS.Headstone.A", "DOS.Tailgate.A", "DOS.Veil.A"]);
  });

  it("stays small: every file at most 16 KB, the corpus at most 200 KB", () => {
    const sizes = listFiles(samplesDir).map((f) => ({ f, n: readFileSync(join(samplesDir, ...f.split("/"))).length }));
    expect(sizes.filter((s) => s.n > 16 * 1024).map((s) => s.f)).toEqual([]);
    expect(sizes.reduce((a, s) => a + s.n, 0)).toBeLessThanOrEqual(200 * 1024);
  });

  it("passes its own --verify against db-src (anchors, first words, CRC windows, reference cleaning)", () => {
    const out = execFileSync(process.execPath, [generator, "--verify", samplesDir], { encoding: "utf8", stdio: "pipe" });
    expect(out).toMatch(/^verify: ok/);
  });
});
