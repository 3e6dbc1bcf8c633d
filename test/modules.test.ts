// End-to-end: record types 1 and 2 and processing modules through db-src/, samples/ and the real
// `tgvx` binary: the 20 encoded DOS.Veil.A copies, Win32.Keyhole.A's encrypted entry point, `tgvx
// info`, compile and lint errors with positions, a database refused for a missing module, and the
// embedder example.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { compileSources, findRecordFiles, readSources } from "@tgvx/compiler";
import { builtInModules, Engine } from "@tgvx/engine";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/tgvx.js");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-modules-"));
const db = join(tmp, "main.tgvxdb");

function tgvx(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Sample {
  path: string;
  detect: string[];
  original?: string;
  unclean?: string;
  note?: string;
}
const manifest = parse(readFileSync(join(root, "samples/manifest.yaml"), "utf8")) as { samples: Sample[] };
const read = (p: string) => readFileSync(join(root, "samples", p));
const family = (dir: string) => manifest.samples.filter((s) => s.path.startsWith(`infected/${dir}/`));

let engine: Engine;

beforeAll(async () => {
  const r = tgvx(["compile", "db-src", "-o", db]);
  expect(r.status, r.stderr).toBe(0);
  engine = await Engine.load(readFileSync(db), { allowUnsigned: true });
});

describe("DOS.Veil.A: a type 1 record, module xor-add", () => {
  const veil = family("veil-a");

  it("has 20 copies with 20 different keys, XOR and ADD", () => {
    expect(veil).toHaveLength(20);
    const keys = veil.map((s) => /(XOR|ADD) key (0x[0-9A-F]{2}) step/.exec(s.note ?? "")!);
    expect(new Set(keys.map((k) => k[2])).size).toBe(20);
    expect(new Set(keys.map((k) => k[1]))).toEqual(new Set(["XOR", "ADD"]));
    // No two copies share their bytes after the host: nothing a first word or a CRC window could hold on to.
    const tails = veil.map((s) => read(s.path).subarray(read(s.original!).length, read(s.original!).length + 0x40).toString("hex"));
    expect(new Set(tails).size).toBe(20);
  });

  it("detects all 20 and cleans each back to its host, byte for byte (module decodes, then the script)", () => {
    for (const s of veil) {
      const bytes = read(s.path);
      const r = engine.scan(bytes, { name: basename(s.path) });
      expect(r.detections.map((d) => [d.name, d.type]), s.path).toEqual([["DOS.Veil.A", 1]]);
      expect(r.warnings, s.path).toEqual([]);
      const c = engine.clean(bytes, { name: basename(s.path) });
      expect(c.status, `${s.path}: ${c.reason}`).toBe("cleaned");
      expect(c.steps).toEqual([{ record: "DOS.Veil.A", id: 0xd001, action: "module" }]);
      expect(Buffer.from(c.output!).equals(read(s.original!)), s.path).toBe(true);
    }
  });

  it("misses the copy with one encoded byte changed, and refuses to clean the damaged one", () => {
    expect(engine.scan(read("near-miss/veil-a-flipped.com"), { name: "x.com" }).detections).toEqual([]);
    const c = engine.clean(read("damaged/veil-a-bad-jump.com"), { name: "x.com" });
    expect(c).toMatchObject({ status: "failed", code: "ASSERTION_FAILED" });
  });
});

describe("Win32.Keyhole.A: a type 4 record with the processing module xorshift-decode", () => {
  it("is cleaned byte for byte with the module, and not by its script alone", async () => {
    const samples = family("keyhole-a");
    expect(samples.map((s) => s.original)).toEqual(["clean/pe32-host-2.exe", "clean/pe64-host-1.exe"]);
    // The same record without its module: the script reads the still-encrypted entry point.
    const files = await findRecordFiles([join(root, "db-src")], root);
    const sources = (await readSources(files, root)).map((s) =>
      s.path.endsWith("keyhole.yaml") ? { ...s, text: s.text.replace(/^ {4}module: .*\n {4}args: .*\n/m, "") } : s,
    );
    const scriptOnly = await compileSources(sources);
    expect(scriptOnly.bytes, JSON.stringify(scriptOnly.diagnostics)).toBeDefined();
    const without = await Engine.load(scriptOnly.bytes!, { allowUnsigned: true });
    for (const s of samples) {
      const c = engine.clean(read(s.path), { name: "x.exe" });
      expect(c.status, c.reason).toBe("cleaned");
      expect(Buffer.from(c.output!).equals(read(s.original!))).toBe(true);
      const w = without.clean(read(s.path), { name: "x.exe" });
      expect(w.status === "cleaned" && Buffer.from(w.output!).equals(read(s.original!))).toBe(false);
    }
  });
});

describe("the CLI", () => {
  it("tgvx test proves every module sample: detected, cleaned byte-identical, refused when damaged", () => {
    const r = tgvx(["test", "--db", db, "--no-ledger", "--json", "samples"]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { results: { path: string; outcome: string; cleaning?: { ok: boolean; expected: string } }[] };
    const mine = out.results.filter((x) => /veil-a|keyhole-a/.test(x.path));
    expect(mine).toHaveLength(20 + 2 + 1 + 1);
    for (const x of mine) expect(x.outcome, x.path).toBe("pass");
    expect(mine.filter((x) => x.cleaning?.ok && x.cleaning.expected === "restore")).toHaveLength(22);
  });

  it("tgvx info lists the modules the database needs (text and JSON)", () => {
    const text = tgvx(["info", db]);
    expect(text.stdout).toMatch(/^Modules needed {4}xor-add 1\.0\.0 \(detects, cleans; DOS\.Veil\.A\), xorshift-decode 1\.0\.0 \(cleans; Win32\.Keyhole\.A\)$/m);
    const json = JSON.parse(tgvx(["info", db, "--json"]).stdout);
    expect(json.modules).toEqual(["xor-add", "xorshift-decode"]);
    expect(json.moduleDetails).toEqual([
      { name: "xor-add", version: "1.0.0", detects: true, processes: true, records: ["DOS.Veil.A"] },
      { name: "xorshift-decode", version: "1.0.0", detects: false, processes: true, records: ["Win32.Keyhole.A"] },
    ]);
  });

  const badRecords = [
    "records:",
    "  - id: 0xF101",
    "    rev: 1",
    "    name: DOS.Unknown.A",
    "    type: 2",
    "    status: stable",
    "    module: xor-addd",
    "  - id: 0xF102",
    "    rev: 1",
    "    name: DOS.BadArgs.A",
    "    type: 1",
    "    status: stable",
    "    module: xor-add",
    "    args:",
    "      anchor: jump",
    "      length: 0x180",
    '      known: "56 4C"',
    "      window: { offset: 0x50, length: 0x130, crc: 0x1DBFA1A5A }",
    "",
  ].join("\n");

  it("tgvx compile refuses an unknown module and bad args, each at file:line:col (exit 2)", () => {
    const file = join(tmp, "bad-modules.yaml");
    writeFileSync(file, badRecords);
    const r = tgvx(["compile", file, "-o", join(tmp, "never.tgvxdb")]);
    expect(r.status).toBe(2);
    const lines = r.stderr.split("\n").filter((l) => l.includes(" error "));
    expect(lines).toEqual([
      `${file}:7:13: error UNKNOWN_MODULE: DOS.Unknown.A: module "xor-addd" is not one the engine provides (it provides: xor-add, xorshift-decode) (records[0].module)`,
      `${file}:17:14: error BAD_ARGS: DOS.BadArgs.A: args.known: 4 to 64 bytes: two give the key and step, the others confirm them (module xor-add) (records[1].args.known)`,
      `${file}:18:51: error BAD_ARGS: DOS.BadArgs.A: args.window.crc: Too big: expected number to be <=4294967295 (module xor-add) (records[1].args.window.crc)`,
    ]);
  });

  it("tgvx lint reports the same, with a suggestion for the misspelt module", () => {
    const file = join(tmp, "bad-modules-lint.yaml");
    writeFileSync(file, badRecords);
    const r = tgvx(["lint", "--no-samples", "--format", "json", file]);
    expect(r.status).toBe(1);
    const found = (JSON.parse(r.stdout) as { diagnostics: { ruleId: string; line: number; column: number; message: string }[] }).diagnostics.filter(
      (d) => d.ruleId === "unknown-module",
    );
    expect(found.map((d) => [d.line, d.column])).toEqual([
      [7, 13],
      [17, 14],
      [18, 51],
    ]);
    expect(found[0].message).toContain('did you mean "xor-add"?');
  });

  it("a database needing a module the engine lacks: scan refuses it naming the module; info shows what is missing", async () => {
    const registry = builtInModules().register({ name: "site-scanner", version: "2.1", description: "a site's own module", args: z.undefined(), detect: () => undefined, process: () => ({ remove: true }) });
    const text = "records:\n  - { id: 0xF201, rev: 1, name: Site.Thing.A, type: 2, status: stable }\n".replace("status: stable }", "status: stable, module: site-scanner }");
    const r = await compileSources([{ path: "site.yaml", text }], { modules: registry });
    expect(r.diagnostics).toEqual([]);
    const file = join(tmp, "site.tgvxdb");
    writeFileSync(file, r.bytes!);
    const scan = tgvx(["scan", "--db", file, "samples/clean/script.sh"]);
    expect(scan.status).toBe(2);
    expect(scan.stderr).toContain(
      `database ${file} refused (MISSING_MODULE): database needs module site-scanner that this engine does not provide (it provides: xor-add, xorshift-decode); update the engine, or register the module in the registry given to Engine.load`,
    );
    const info = tgvx(["info", file]);
    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(/^Modules needed {4}site-scanner \(NOT IN THIS ENGINE: scans refuse this database; Site\.Thing\.A\)$/m);
    // And with the module registered, the embedder's engine loads it.
    await expect(Engine.load(r.bytes!, { allowUnsigned: true, modules: registry })).resolves.toBeInstanceOf(Engine);
  });
});

describe("examples/custom-module.mjs", () => {
  it("registers its own module, compiles a record using it, and is refused without it", () => {
    const r = spawnSync(process.execPath, [join(root, "examples/custom-module.mjs")], { cwd: root, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain("without text-marker: refused (MISSING_MODULE): database needs module text-marker");
    expect(r.stdout).toContain("note.txt: Test.Marker.A FOUND at 37\nplain.txt: OK\n");
  });
});
