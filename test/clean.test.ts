// End-to-end cleaning through the real binary and the Node file helpers, on copies of the corpus.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Engine } from "@tgvx/engine";
import { cleanFile, nodeFileOps, type FileOps } from "@tgvx/engine/node";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/tgvx.js");
const work = mkdtempSync(join(tmpdir(), "tgvx-clean-"));
const db = join(work, "main.tgvxdb");

function tgvx(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Sample {
  path: string;
  detect: string[];
  original?: string;
  removed?: true;
  unclean?: string;
}
const manifest = parse(readFileSync(join(root, "samples/manifest.yaml"), "utf8")) as { samples: Sample[] };
// Samples with a cleaning expectation (containers are covered by test/containers.test.ts).
const infected = manifest.samples.filter((s) => s.original || s.removed);
const damaged = manifest.samples.filter((s) => s.unclean);
const sample = (p: string) => readFileSync(join(root, "samples", p));

beforeAll(() => {
  expect(spawnSync(process.execPath, [bin, "compile", join(root, "db-src"), "-o", db]).status).toBe(0);
  cpSync(join(root, "samples"), join(work, "samples"), { recursive: true });
  rmSync(join(work, "samples/infected/containers"), { recursive: true });
});

describe("tgvx clean on the infected corpus", () => {
  let result: ReturnType<typeof tgvx>;
  beforeAll(() => {
    result = tgvx(["clean", "--db", db, "--backup-dir", "backup", "samples/infected"]);
  });

  it("exits 1 (found, all cleaned or removed) and reports each file", () => {
    expect(result.stderr).toMatch(/^tgvx: warning: \S+ is not signed: used without any signature check[^\n]*\n$/); // the development-database warning, nothing else
    expect(result.status).toBe(1);
    for (const s of infected) expect(result.stdout).toContain(`samples/${s.path}: ${s.detect[0]} FOUND, ${s.removed ? "removed" : "cleaned"}`);
  });

  it("restores every host byte for byte and removes what is wholly a threat", () => {
    for (const s of infected) {
      const path = join(work, "samples", s.path);
      if (s.removed) expect(existsSync(path), s.path).toBe(false);
      else expect(readFileSync(path).equals(sample(s.original!)), s.path).toBe(true);
    }
  });

  it("keeps a backup equal to each infected input, under its own name", () => {
    const names = readdirSync(join(work, "backup")).sort();
    expect(names.length).toBe(infected.length);
    for (const s of infected) {
      const base = s.path.split("/").pop()!;
      const copies = names.filter((n) => n === base || n.startsWith(`${base}.`)).map((n) => readFileSync(join(work, "backup", n)));
      expect(copies.some((c) => c.equals(sample(s.path))), s.path).toBe(true);
    }
  });

  it("leaves files that scan clean", () => {
    const r = tgvx(["scan", "--db", db, "samples/infected"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Infected files: 0");
  });
});

describe("cleaning is refused, and the file left alone, when it cannot be done right", () => {
  it("damaged samples: exit 2, a NOT CLEANED line with the reason, bytes unchanged", () => {
    const r = tgvx(["clean", "--db", db, "samples/damaged"]);
    expect(r.status).toBe(2);
    for (const s of damaged) {
      expect(r.stderr).toMatch(new RegExp(`samples/${s.path}: ${s.detect[0].replace(/\./g, "\\.")} FOUND, NOT CLEANED \\(\\w+\\): .+; the file is unchanged`));
      expect(readFileSync(join(work, "samples", s.path)).equals(sample(s.path))).toBe(true);
    }
  });

  it("a read-only file: exit 2, unchanged", () => {
    const s = infected.find((x) => x.original)!;
    const copy = join(work, "readonly-" + s.path.split("/").pop());
    cpSync(join(root, "samples", s.path), copy);
    chmodSync(copy, 0o444);
    const r = tgvx(["clean", "--db", db, copy]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("ERROR (READ_ONLY): the file is read-only; the file is unchanged");
    expect(readFileSync(copy).equals(sample(s.path))).toBe(true);
    expect(statSync(copy).mode & 0o777).toBe(0o444);
  });

  it("a full disk while writing the cleaned file: original intact, temp file gone, clear error", async () => {
    const engine = await Engine.load(readFileSync(db), { allowUnsigned: true });
    const s = infected.find((x) => x.original)!;
    const dir = mkdtempSync(join(work, "full-"));
    const path = join(dir, s.path.split("/").pop()!);
    cpSync(join(root, "samples", s.path), path);
    const fullDisk: FileOps = {
      ...nodeFileOps,
      async writeFile(p, data, mode) {
        await nodeFileOps.writeFile(p, data.subarray(0, data.length >> 1), mode);
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
    };
    const report = await cleanFile(engine, path, { fileOps: fullDisk });
    expect(report).toMatchObject({ status: "error", code: "ENOSPC" });
    expect(report.reason).toMatch(/cannot write the cleaned file: ENOSPC.*; the file is unchanged/);
    expect(readFileSync(path).equals(sample(s.path))).toBe(true);
    expect(readdirSync(dir)).toEqual([path.split("/").pop()]);
  });

  it("--dry-run changes nothing", () => {
    const dir = mkdtempSync(join(work, "dry-"));
    cpSync(join(root, "samples/infected"), dir, { recursive: true });
    rmSync(join(dir, "containers"), { recursive: true });
    const r = tgvx(["clean", "--db", db, "--dry-run", dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("would be cleaned");
    for (const s of infected) expect(readFileSync(join(dir, s.path.replace(/^infected\//, ""))).equals(sample(s.path))).toBe(true);
  });

  it("scan --clean cleans too", () => {
    const dir = mkdtempSync(join(work, "scanclean-"));
    const s = infected.find((x) => x.original)!;
    const path = join(dir, s.path.split("/").pop()!);
    cpSync(join(root, "samples", s.path), path);
    const r = tgvx(["scan", "--db", db, "--clean", path]);
    expect(r.status).toBe(1);
    expect(readFileSync(path).equals(sample(s.original!))).toBe(true);
  });
});
