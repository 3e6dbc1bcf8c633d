// tgvx export: records as ClamAV .ndb signatures and YARA rules. The golden files and the pure checks
// always run; the comparisons with the real `yara` and `clamscan` run where they are installed.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzeObject, crc32, Engine, fileTypeNames, type FileTypeName } from "@tgvx/engine";
import { compileSources, exportRules, findRecordFiles, readSources, type ExportResult, type ExportSample } from "@tgvx/compiler";

const root = new URL("../../..", import.meta.url).pathname;
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
const HAVE_YARA = has("yara");
const HAVE_CLAMSCAN = has("clamscan");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-export-"));

async function engineOf(yaml: string): Promise<Engine> {
  const r = await compileSources([{ path: "test.yaml", text: yaml }]);
  if (!r.bytes) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return Engine.load(r.bytes, { allowUnsigned: true });
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

const NOT_SAMPLES = new Set(["manifest.yaml", "README.md", "generate.mjs", "acknowledged-losses.yaml"]);
const sampleFiles = () => walk(join(root, "samples")).filter((p) => !NOT_SAMPLES.has(basename(p)));
const samplesOf = (paths: string[]): ExportSample[] => paths.map((p) => ({ path: relative(root, p), bytes: readFileSync(p) }));

/** (file, record name) pairs tgvx detects in the files themselves (the other tools' rules do not look inside archives). */
function tgvxPairs(engine: Engine, files: string[], dir: string, opts: { members?: boolean } = {}): Set<string> {
  const out = new Set<string>();
  for (const f of files)
    for (const d of engine.scan(readFileSync(f), { name: basename(f) }).detections) if (opts.members || !d.path.length) out.add(`${relative(dir, f)}\t${d.name}`);
  return out;
}

function yaraPairs(rules: string, dir: string, result: ExportResult): Set<string> {
  const file = join(tmp, `r${Math.random().toString(36).slice(2)}.yar`);
  writeFileSync(file, rules);
  const r = spawnSync("yara", ["-r", file, dir], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const byRule = new Map(result.exported.map((e) => [e.rule, e.name]));
  const out = new Set<string>();
  for (const line of r.stdout.split("\n").filter(Boolean)) {
    const i = line.indexOf(" ");
    out.add(`${relative(dir, line.slice(i + 1))}\t${byRule.get(line.slice(0, i))}`);
  }
  return out;
}

function clamPairs(ndb: string, dir: string, result: ExportResult): Set<string> {
  const file = join(tmp, `s${Math.random().toString(36).slice(2)}.ndb`);
  writeFileSync(file, ndb);
  const r = spawnSync("clamscan", ["--no-summary", "-i", "-r", "--allmatch", "-d", file, dir], { encoding: "utf8" });
  expect([0, 1]).toContain(r.status);
  const byRule = new Map(result.exported.map((e) => [e.rule, e.name]));
  const out = new Set<string>();
  for (const line of r.stdout.split("\n").filter((l) => l.endsWith(" FOUND"))) {
    const i = line.lastIndexOf(": ");
    const sig = line.slice(i + 2, -" FOUND".length).replace(/\.UNOFFICIAL$/, "");
    out.add(`${relative(dir, line.slice(0, i))}\t${byRule.get(sig) ?? `?${sig}`}`);
  }
  return out;
}

const minus = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort();
/** The pairs whose record the export wrote (types 1/2 and the records it could not express are left out). */
const exportedOnly = (pairs: Set<string>, r: ExportResult) => {
  const names = new Set(r.exported.map((e) => e.name));
  return new Set([...pairs].filter((p) => names.has(p.split("\t")[1])));
};

// ---------------------------------------------------------------------------------------------
// db-src and samples/

let shipped: Engine;
let yara: ExportResult;
let clamav: ExportResult;
beforeAll(async () => {
  const r = await compileSources(await readSources(await findRecordFiles([join(root, "db-src")])));
  shipped = await Engine.load(r.bytes!, { allowUnsigned: true });
  yara = await exportRules(shipped, "yara");
  clamav = await exportRules(shipped, "clamav", { samples: samplesOf(sampleFiles()) });
});

describe("tgvx export of db-src (golden files)", () => {
  it("YARA rules", async () => {
    await expect(yara.text).toMatchFileSnapshot("./__snapshots__/export-db-src.yar");
  });
  it("ClamAV signatures, bytes from samples/", async () => {
    await expect(clamav.text).toMatchFileSnapshot("./__snapshots__/export-db-src.ndb");
  });
  it("lists what was approximated or left out, with why", async () => {
    const summary = (r: ExportResult) => ({
      exported: r.exported.map((e) => `${e.name} -> ${e.rule}${e.sample ? ` (${e.sample})` : ""}${e.approximate ? ` [approximate: ${e.approximate}]` : ""}`),
      skipped: r.skipped.map((s) => `${s.name}: ${s.code}: ${s.reason}`),
    });
    await expect(JSON.stringify({ yara: summary(yara), clamav: summary(clamav) }, null, 2) + "\n").toMatchFileSnapshot("./__snapshots__/export-db-src.json");
  });
});

describe("tgvx export: format details", () => {
  it("every ClamAV signature is the sample's bytes at the signature's offset", () => {
    expect(clamav.exported.length).toBeGreaterThan(0);
    const lines = clamav.text.trim().split("\n");
    for (const e of clamav.exported) {
      const line = lines.find((l) => l.startsWith(`${e.rule}:`))!;
      const [, target, offset, sig] = line.split(":");
      const bytes = readFileSync(join(root, e.sample!));
      const info = analyzeObject(bytes, basename(e.sample!));
      const m = /^(EOF-|EP\+|EP-)?(\d+)$/.exec(offset)!;
      const n = Number(m[2]);
      const start = m[1] === "EOF-" ? bytes.length - n : m[1] === "EP+" ? info.anchors[2] + n : m[1] === "EP-" ? info.anchors[2] - n : n;
      let pos = start;
      for (const part of sig.split(/(\{\d+\})/)) {
        if (!part) continue;
        const gap = /^\{(\d+)\}$/.exec(part);
        if (gap) pos += Number(gap[1]);
        else {
          expect(Buffer.from(bytes.subarray(pos, pos + part.length / 2)).toString("hex")).toBe(part);
          pos += part.length / 2;
        }
      }
      expect(["0", "1"]).toContain(target);
      if (m[1]?.startsWith("EP")) expect(target).toBe("1");
    }
  });

  it("YARA guards every window with filesize, so a window past the end never matches", () => {
    for (const block of yara.text.split("\nrule ").slice(1)) {
      const crcs = block.match(/hash\.crc32\(/g) ?? [];
      expect(crcs.length).toBeGreaterThanOrEqual(2);
      expect(block).toMatch(/filesize >= 0x|<= filesize/);
    }
  });

  it("names rules as valid, unique identifiers, and signatures without field separators", async () => {
    const names = ["A.B.C_D", "A.B_C.D", "9lives.Cat.A", "I-Worm.Mass-Mail.A", `Long.${"x".repeat(150)}.A`, `Long.${"x".repeat(150)}.B`, "Rule.All.Them"];
    const yaml =
      "records:\n" +
      names
        .map(
          (n, i) =>
            `  - { id: ${0x100 + i}, rev: 1, name: ${n}, type: 3, status: stable, detect: { anchor: start, first: "41 42", windows: [{ offset: 0, length: 4, crc: ${i} }, { offset: 4, length: 4, crc: 1 }] } }`,
        )
        .join("\n") +
      "\n";
    const engine = await engineOf(yaml);
    const y = await exportRules(engine, "yara");
    const rules = y.exported.map((e) => e.rule);
    expect(new Set(rules).size).toBe(names.length);
    for (const r of rules) {
      expect(r).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      expect(r.length).toBeLessThanOrEqual(128);
    }
    expect(rules).toContain("_9lives_Cat_A");
    expect(rules).toContain("I_Worm_Mass_Mail_A");
    const c = await exportRules(engine, "clamav", { samples: [{ path: "x", bytes: new Uint8Array(16) }] });
    expect(c.skipped.every((s) => s.code === "NO_SAMPLE")).toBe(true);
    expect(c.exported).toEqual([]);
    if (HAVE_YARA) {
      const f = join(tmp, "names.yar");
      writeFileSync(f, y.text);
      const r = spawnSync("yarac", [f, join(tmp, "names.yarc")], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
  });

  it("says why a record is not exported", async () => {
    const engine = await engineOf(
      [
        "records:",
        '  - { id: 0x10, rev: 1, name: Test.Jump.A, type: 3, status: stable, detect: { anchor: jump, first: "41 42", windows: [{ offset: 0, length: 8, crc: 1 }, { offset: 8, length: 8, crc: 2 }] } }',
        '  - { id: 0x11, rev: 1, name: Test.Before.A, type: 3, status: stable, detect: { anchor: start, at: -4, first: "41 42", windows: [{ offset: 0, length: 8, crc: 1 }, { offset: 8, length: 8, crc: 2 }] } }',
        '  - { id: 0x12, rev: 1, name: Test.Mail.A, type: 4, status: stable, detect: { anchor: start, first: "41 42", filetypes: [mail], windows: [{ offset: 0, length: 8, crc: 1 }, { offset: 8, length: 8, crc: 2 }] } }',
        '  - { id: 0x13, rev: 1, name: Test.Mz.A, type: 4, status: stable, detect: { anchor: entry, first: "41 42", filetypes: [mz], windows: [{ offset: 0, length: 8, crc: 1 }, { offset: 8, length: 8, crc: 2 }] } }',
        '  - { id: 0x14, rev: 1, name: Test.Gone.A, type: 3, status: deprecated, detect: { anchor: start, first: "41 42", windows: [{ offset: 0, length: 8, crc: 1 }, { offset: 8, length: 8, crc: 2 }] } }',
        "",
      ].join("\n"),
    );
    const y = await exportRules(engine, "yara");
    expect(y.skipped.map((s) => [s.name, s.code])).toEqual([
      ["Test.Before.A", "NEVER_MATCHES"],
      ["Test.Mail.A", "NO_EQUIVALENT"],
    ]);
    expect(y.deprecated).toBe(1);
    expect(y.text).toContain("rule Test_Jump_A");
    const c = await exportRules(engine, "clamav");
    expect(c.skipped.map((s) => [s.name, s.code])).toEqual([
      ["Test.Jump.A", "NO_EQUIVALENT"],
      ["Test.Before.A", "NEVER_MATCHES"],
      ["Test.Mail.A", "NO_SAMPLE"],
      ["Test.Mz.A", "NO_EQUIVALENT"],
    ]);
    expect(c.skipped[2].reason).toMatch(/no samples given/);
    expect(c.text).toBe("");
  });
});

// ---------------------------------------------------------------------------------------------
// against the real tools

/**
 * Hosts of every file type, each with records made from its own bytes: one type 4 record per file
 * type (start anchor), one type 3 record at its end, and at its entry point and jump target when it
 * has them. A record matches its host exactly when the engine says the host has that type (or anchor).
 */
async function typeMatrix(): Promise<{ engine: Engine; dir: string; hosts: string[] }> {
  const dir = join(tmp, "matrix");
  mkdirSync(dir, { recursive: true });
  const hosts: string[] = [];
  const add = (name: string, bytes: Uint8Array) => {
    writeFileSync(join(dir, name), bytes);
    hosts.push(join(dir, name));
  };
  for (const f of readdirSync(join(root, "samples/clean")).sort()) copyFileSync(join(root, "samples/clean", f), join(dir, f)), hosts.push(join(dir, f));
  add("tailgate-com.tar.bz2", readFileSync(join(root, "test/fixtures/tailgate-com.tar.bz2")));
  // a file whose zip end record lies in its last bytes (the engine's second zip rule)
  const tail = new Uint8Array(3000).map((_, i) => (i * 7 + 3) & 0xff);
  tail.set([0x50, 0x4b, 0x05, 0x06], 3000 - 22);
  add("tail-eocd.bin", tail);
  // a jump-started file that is COM without the name, and one with a backwards short jump
  add("jumper.bin", new Uint8Array(900).map((_, i) => (i === 0 ? 0xe9 : i === 1 ? 0x40 : i === 2 ? 0x01 : (i * 13) & 0xff)));
  add("text-4k.txt", new TextEncoder().encode("Some text, line after line.\n".repeat(300)));

  const ALL: FileTypeName[] = ["com", "mz", "ne", "pe32", "pe64", "zip", "gzip", "tar", "boot", "text", "bzip2", "mail"];
  const lines = ["records:"];
  let id = 0x100000;
  const rec = (name: string, type: 3 | 4, anchor: string, at: number, first: Uint8Array, windows: { offset: number; length: number; crc: number }[], filetypes?: string) =>
    lines.push(
      `  - { id: ${id++}, rev: 1, name: ${name}, type: ${type}, status: stable, detect: { anchor: ${anchor}, at: ${at}, first: "${[...first].map((b) => b.toString(16).padStart(2, "0")).join(" ")}"` +
        `${filetypes ? `, filetypes: [${filetypes}]` : ""}, windows: [${windows.map((w) => `{ offset: ${w.offset}, length: ${w.length}, crc: ${w.crc} }`).join(", ")}] } }`,
    );
  const win = (bytes: Uint8Array, a: number, offset: number, length: number) => ({ offset, length, crc: crc32(bytes.subarray(a + offset, a + offset + length)) >>> 0 });
  hosts.forEach((h, k) => {
    const bytes = readFileSync(h);
    const info = analyzeObject(bytes, basename(h));
    const tag = `H${k}`;
    for (const t of ALL) rec(`Test.${tag}.T${t}`, 4, "start", 0x10, bytes.subarray(0x10, 0x12), [win(bytes, 0, 0x20, 0x10), win(bytes, 0, 0x30, 0x20)], t);
    const n = bytes.length;
    rec(`Test.${tag}.End`, 3, "end", -0x40, bytes.subarray(n - 0x40, n - 0x3e), [win(bytes, n, -0x30, 0x10), win(bytes, n, -0x20, 0x20)]);
    // the second window runs 0x10 past the end; its CRC is over the bytes that are there (YARA's truncated hash would match)
    rec(`Test.${tag}.Past`, 3, "start", 0x10, bytes.subarray(0x10, 0x12), [win(bytes, 0, 0x20, 0x10), { offset: n - 0x20, length: 0x30, crc: crc32(bytes.subarray(n - 0x20)) >>> 0 }]);
    for (const [anchor, a] of [["entry", info.anchors[2]], ["jump", info.anchors[3]]] as const) {
      if (a < 0 || a + 0x40 > n) continue;
      rec(`Test.${tag}.${anchor}`, 3, anchor, 0, bytes.subarray(a, a + 2), [win(bytes, a, 0x08, 0x10), win(bytes, a, 0x18, 0x20)]);
      rec(`Test.${tag}.${anchor}4`, 4, anchor, 0, bytes.subarray(a, a + 2), [win(bytes, a, 0x08, 0x10), win(bytes, a, 0x18, 0x20)], fileTypeNames(info.types).join(", "));
    }
  });
  return { engine: await engineOf(lines.join("\n") + "\n"), dir, hosts };
}

describe.skipIf(!HAVE_YARA)("tgvx export --format yara against yara", () => {
  it("yara finds what tgvx finds in samples/, but for the declared approximations", () => {
    const files = sampleFiles();
    const mine = exportedOnly(tgvxPairs(shipped, files, join(root, "samples")), yara);
    const theirs = yaraPairs(yara.text, join(root, "samples"), yara);
    const approximate = new Set(yara.exported.filter((e) => e.approximate).map((e) => e.name));
    expect(minus(theirs, mine)).toEqual([]);
    const missed = minus(mine, theirs);
    // COM files that are COM only by their name: YARA cannot see names.
    for (const m of missed) {
      const [file, name] = m.split("\t");
      expect(approximate.has(name)).toBe(true);
      expect(file).toMatch(/\.com$/i);
      expect([0xe9, 0xeb]).not.toContain(readFileSync(join(root, "samples", file))[0]);
    }
  });

  it("file types, entry points, jump targets and the end of file mean the same in both", async () => {
    const { engine, dir, hosts } = await typeMatrix();
    const result = await exportRules(engine, "yara");
    expect(result.skipped.map((s) => s.code)).toEqual(Array(hosts.length).fill("NO_EQUIVALENT")); // the mail records
    const mine = exportedOnly(tgvxPairs(engine, hosts, dir), result);
    const theirs = yaraPairs(result.text, dir, result);
    // every file type, anchor and both entry-point forms were exercised
    for (const suffix of ["Tcom", "Tmz", "Tne", "Tpe32", "Tpe64", "Tzip", "Tgzip", "Ttar", "Tboot", "Ttext", "Tbzip2", "End", "entry", "entry4", "jump", "jump4"])
      expect([...mine].some((p) => p.endsWith(`.${suffix}`)), suffix).toBe(true);
    expect(mine.has(`tail-eocd.bin\tTest.H${hosts.length - 3}.Tzip`)).toBe(true);
    expect(minus(theirs, mine)).toEqual([]);
    // only COM-by-name hosts differ (com-host-2.com: plain code at 0, COM by its name)
    for (const m of minus(mine, theirs)) expect(m).toMatch(/^com-host-2\.com\t/);
    for (const p of mine) expect(p).not.toMatch(/\.Past$/);
  });
});

/**
 * ClamAV against tgvx on the same files: every exact signature finds exactly what tgvx finds; an
 * approximate one finds at least that (it is wider), except where ClamAV has no anchor (the entry
 * point of a file that is not PE); extra finds only come from approximate signatures.
 */
function checkClamav(result: ExportResult, mine: Set<string>, theirs: Set<string>, dir: string) {
  const byName = new Map(result.exported.map((e) => [e.name, e]));
  const lines = new Map(result.text.trim().split("\n").map((l) => [l.split(":")[0], l]));
  const typesOf = (file: string) => fileTypeNames(analyzeObject(readFileSync(join(dir, file)), basename(file)).types);
  for (const p of minus(mine, theirs)) {
    const [file, name] = p.split("\t");
    const e = byName.get(name);
    if (!e) continue; // not exported
    expect(e.approximate, `${p}: missed by an exact signature`).toBeDefined();
    const offset = lines.get(e.rule)!.split(":")[2];
    const t = typesOf(file);
    // ClamAV has EP only for the PE files it can parse, and drops EOF-n in MZ files it cannot
    if (offset.startsWith("EP")) expect(t.includes("pe32") || t.includes("pe64"), `${p}: an EP signature missed a PE file`).toBe(false);
    else if (offset.startsWith("EOF-")) expect(t.includes("mz") || t.includes("ne"), `${p}: an EOF signature missed a file that is not DOS or NE`).toBe(true);
    else expect.fail(`${p}: missed by a signature at an absolute offset`);
  }
  for (const p of minus(theirs, mine)) expect(byName.get(p.split("\t")[1])?.approximate, `${p}: found by an exact signature only in ClamAV`).toBeDefined();
}

describe.skipIf(!HAVE_CLAMSCAN)("tgvx export --format clamav against clamscan", () => {
  it("clamscan finds what tgvx finds in samples/, but for the declared approximations", () => {
    const files = sampleFiles();
    const mine = tgvxPairs(shipped, files, join(root, "samples"), { members: true });
    const theirs = clamPairs(clamav.text, join(root, "samples"), clamav);
    expect(clamav.exported.filter((e) => !e.approximate).length).toBeGreaterThan(0);
    checkClamav(clamav, mine, theirs, join(root, "samples"));
  });

  it("offsets from the start, the end and a PE entry point, with gaps, match as tgvx's do", async () => {
    const { engine, dir, hosts } = await typeMatrix();
    const result = await exportRules(engine, "clamav", { samples: samplesOf(hosts) });
    expect(result.text).toMatch(/:0:EOF-64:/);
    expect(result.text).toMatch(/:1:EP\+0:/);
    const mine = tgvxPairs(engine, hosts, dir, { members: true });
    checkClamav(result, mine, clamPairs(result.text, dir, result), dir);
  });
});
