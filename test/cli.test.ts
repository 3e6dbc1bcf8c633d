// End-to-end: the real `tgvx` binary over db-src/ and samples/.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/tgvx.js");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-cli-"));
const db = join(tmp, "main.tgvxdb");

function tgvx(args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

interface Manifest {
  samples: { path: string; detect: string[] }[];
}
const manifest = parse(readFileSync(join(root, "samples/manifest.yaml"), "utf8")) as Manifest;

beforeAll(() => {
  const r = tgvx(["compile", "db-src", "-o", db]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

describe("tgvx compile / decompile", () => {
  it("is deterministic: twice, and with the files listed in another order", () => {
    const again = join(tmp, "again.tgvxdb");
    expect(tgvx(["compile", "db-src", "-o", again]).status).toBe(0);
    // The records, then the stencils (db-src/stencils/, compiled into the database too), listed backwards.
    const files = [
      ...readdirSync(join(root, "db-src"))
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => `db-src/${f}`),
      ...readdirSync(join(root, "db-src/stencils")).map((f) => `db-src/stencils/${f}`),
    ].reverse();
    const reordered = join(tmp, "reordered.tgvxdb");
    expect(tgvx(["compile", ...files, "-o", reordered]).status).toBe(0);
    expect(sha(again)).toBe(sha(db));
    expect(sha(reordered)).toBe(sha(db));
  });

  it("decompiles to YAML that compiles back to the identical bytes", () => {
    const yaml = tgvx(["decompile", db]);
    expect(yaml.status).toBe(0);
    const copy = join(tmp, "copy.tgvxdb");
    const r = tgvx(["compile", "-", "-o", copy], yaml.stdout);
    expect(r.status).toBe(0);
    expect(sha(copy)).toBe(sha(db));
  });

  it("decompiles in the canonical form of tgvx fmt: nothing to reformat", () => {
    const yaml = tgvx(["decompile", db]).stdout;
    const records = yaml.slice(0, yaml.indexOf("\n---\n") + 1); // the stencils follow as further documents
    expect(records).toMatch(/crc: 0x[0-9A-F]{8} \}/);
    expect(records).toMatch(/clean:\n {6}- copy: \{ from: /);
    const fmt = tgvx(["fmt", "-"], records);
    expect(fmt.status).toBe(0);
    expect(fmt.stdout).toBe(records);
  });

  it("reports every YAML problem as file:line:col and writes nothing (exit 2)", () => {
    const bad = join(tmp, "bad.yaml");
    writeFileSync(
      bad,
      [
        "records:",
        "  - id: 0x10",
        "    rev: one",
        "    name: DOS.Bad.A",
        "    type: 3",
        "    status: stable",
        "    shape: round",
        "    detect:",
        "      anchor: start",
        '      first: "XY 00"',
        "      windows:",
        "        - { offset: 0, length: 8, crc: 0x12G }",
        "        - { offset: 8, length: 8, crc: 1 }",
        "  - id: 0x11",
        "    id: 0x12",
        "",
      ].join("\n"),
    );
    const out = join(tmp, "bad.tgvxdb");
    const r = tgvx(["compile", bad, "-o", out]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines.slice(0, -1).map((l) => l.replace(bad, "F").replace(/: error (\w+):.*/, " $1"))).toEqual([
      "F:3:10 WRONG_TYPE",
      "F:7:5 UNKNOWN_FIELD",
      "F:10:14 BAD_HEX",
      "F:12:40 BAD_HEX",
      "F:14:5 MISSING_FIELD",
      "F:14:5 MISSING_FIELD",
      "F:14:5 MISSING_FIELD",
      "F:14:5 MISSING_FIELD",
      "F:15:5 DUPLICATE_KEY",
    ]);
    expect(lines.filter((l) => l.includes("MISSING_FIELD")).map((l) => /"(\w+)"/.exec(l)![1]).sort()).toEqual(["name", "rev", "status", "type"]);
    expect(lines.at(-1)).toBe("tgvx: 9 errors; nothing written");
    expect(() => readFileSync(out)).toThrow();
  });
});

describe("tgvx info", () => {
  it("describes the database as JSON", () => {
    const r = tgvx(["info", db, "--json"]);
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.sha256).toBe(readFileSync(db).subarray(8, 40).toString("hex"));
    expect(info.recordCount).toBeGreaterThanOrEqual(8);
    expect(Object.keys(info.anchors).sort()).toEqual(["end", "entry", "jump", "start"]);
    expect(info.recordTypes.type3).toBeGreaterThan(0);
    expect(info.recordTypes.type4).toBeGreaterThan(0);
  });
});

describe("tgvx scan", () => {
  it("reports exactly what the manifest says for every sample (JSON)", () => {
    const r = tgvx(["scan", "--db", db, "--json", "samples"]);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { files: { path: string; detections: { name: string }[] }[]; summary: { infectedFiles: number } };
    const byPath = new Map(out.files.map((f) => [f.path, f.detections.map((d) => d.name).sort()]));
    for (const s of manifest.samples) expect(byPath.get(join("samples", s.path)), s.path).toEqual([...s.detect].sort());
    expect(out.summary.infectedFiles).toBe(manifest.samples.filter((s) => s.detect.length).length);
  });

  it("prints clamscan-style lines and exits 1 when something is found", () => {
    const r = tgvx(["scan", "--db", db, "samples/infected/eicar.com"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("samples/infected/eicar.com: Test.EICAR.68 FOUND");
    expect(r.stdout).toContain("Infected files: 1");
  });

  it("exits 0 on clean files", () => {
    const r = tgvx(["scan", "--db", db, "samples/clean"]);
    expect(r.stderr).toMatch(/^tgvx: warning: \S+ is not signed: used without any signature check[^\n]*\n$/); // the development-database warning, nothing else
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Infected files: 0/);
  });

  it("exits 2 when a path cannot be read", () => {
    const r = tgvx(["scan", "--db", db, "samples/no-such-file"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("samples/no-such-file: ERROR");
  });
});

describe("a damaged database is refused (exit 2, clear message)", () => {
  it("truncated", () => {
    const bytes = readFileSync(db);
    const cut = join(tmp, "cut.tgvxdb");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    const r = tgvx(["scan", "--db", cut, "samples/clean"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refused \(TRUNCATED\).*truncated/);
  });

  it("bit-flipped", () => {
    const bytes = Buffer.from(readFileSync(db));
    bytes[bytes.length >> 1] ^= 0x10;
    const flipped = join(tmp, "flipped.tgvxdb");
    writeFileSync(flipped, bytes);
    const r = tgvx(["info", flipped]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refused \(CHECKSUM_MISMATCH\): database checksum mismatch/);
  });

  it("missing", () => {
    const r = tgvx(["scan", "samples/clean"], undefined, { TGVX_DB: join(tmp, "nope.tgvxdb") });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no such file");
  });
});

describe("tgvx test and help", () => {
  it("proves the shipped records against the corpus", () => {
    const r = tgvx(["test", "--db", db, "samples"]);
    expect(r.stdout).toContain("PASS: every sample holds");
    expect(r.status).toBe(0);
  });

  it("fails, naming sample and record, when a record is broken", () => {
    const yaml = tgvx(["decompile", db]).stdout.replace(/(name: DOS\.Tailgate\.A[\s\S]*?crc: )0x[0-9A-F]+/, "$10x1");
    const broken = join(tmp, "broken.tgvxdb");
    expect(tgvx(["compile", "-", "-o", broken], yaml).status).toBe(0);
    const r = tgvx(["test", "--db", broken, "samples"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAIL infected\/\S+  missed: expected DOS\.Tailgate\.A but nothing was detected/);
  });

  it("--help teaches and exits 0; a bad command exits 2", () => {
    const h = tgvx(["scan", "--help"]);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain("Exit status: 0 nothing found, 1 something found, 2 an error occurred");
    expect(tgvx(["frobnicate"]).status).toBe(2);
  });
});
