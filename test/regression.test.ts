// End-to-end through the real `tgvx` binary: the regression run (test), its JUnit file, the ledger
// (history), the detection-lost gate with its acknowledgement file, and diff between databases.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Ledger, recordRelease } from "@tgvx/harness";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/tgvx.js");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-regression-"));
const db = { good: join(tmp, "good.tgvxdb"), broken: join(tmp, "broken.tgvxdb"), changed: join(tmp, "changed.tgvxdb"), retired: join(tmp, "retired.tgvxdb") };

function tgvx(args: string[], env: Record<string, string | undefined> = {}, input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Record blocks of decompiled YAML, by name. */
function edit(yaml: string, f: (name: string, block: string) => string | undefined): string {
  const [head, ...blocks] = yaml.split(/(?=^ {2}- id: )/m);
  return head + blocks.map((b) => f(/name: (\S+)/.exec(b)![1], b) ?? "").join("");
}
const bumpRev = (b: string) => b.replace(/rev: (\d+)/, (_, r) => `rev: ${Number(r) + 1}`);
/** Window 2's CRC replaced: the record no longer matches its samples. */
const breakWindow2 = (b: string) => b.replace(/(windows:[\s\S]*?crc: [\s\S]*?crc: )0x[0-9a-f]+/i, "$10xDEADBEEF");

function compile(yaml: string, out: string) {
  const r = tgvx(["compile", "-", "-o", out], {}, yaml);
  expect(r.status, r.stderr).toBe(0);
}

/** A copy of the corpus whose manifest no longer expects DOS.Overwrite.A (as after retiring it). */
function corpusWithoutOverwrite(dir: string) {
  cpSync(join(root, "samples"), dir, { recursive: true });
  const m = readFileSync(join(dir, "manifest.yaml"), "utf8").replace(
    /(path: infected\/overwrite-a\/[^\n]+\n\s+detect: )\[DOS\.Overwrite\.A\]\n\s+original: [^\n]+\n/g,
    "$1[]\n",
  );
  writeFileSync(join(dir, "manifest.yaml"), m);
}

beforeAll(() => {
  expect(tgvx(["compile", "db-src", "-o", db.good]).status).toBe(0);
  const yaml = tgvx(["decompile", db.good]).stdout;
  compile(edit(yaml, (n, b) => (n === "DOS.Tailgate.A" ? b.replace(/(crc: )0x[0-9a-f]+/i, "$10x1") : b)), db.broken);
  // One record removed, one changed (with its rev bumped).
  compile(edit(yaml, (n, b) => (n === "DOS.Overwrite.A" ? undefined : n === "Generic.Trailer.A" ? bumpRev(breakWindow2(b)) : b)), db.changed);
  compile(edit(yaml, (n, b) => (n === "DOS.Overwrite.A" ? undefined : b)), db.retired);
});

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (n) => ["testsuite", "testcase"].includes(n) });

describe("tgvx test", () => {
  it("proves the shipped records, records the run, and shows the slowest records", () => {
    const ledger = join(tmp, "first.sqlite");
    const r = tgvx(["test", "--db", db.good, "--ledger", ledger, "samples"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}samples {4}\d+\/\d+ passed/m);
    expect(r.stdout).toMatch(/^ {2}coverage {3}15\/15 records have a sample; unknown names none; unlisted files none$/m);
    expect(r.stdout).toMatch(/^ {2}slowest {4}\S+ +\d+\.\d\d ms +\d+ candidates +\d+ CRCs$/m);
    expect(r.stdout).toMatch(/^ {2}ledger {5}run 1 in .*first\.sqlite; first run on this corpus/m);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("PASS: every sample holds");
    expect(r.stdout.split("\n").length).toBeLessThan(24);
    expect(r.stderr).toMatch(/^tgvx: warning: \S+ is not signed: used without any signature check[^\n]*\n$/); // the development-database warning, nothing else
    const again = tgvx(["test", "--db", db.good, "--ledger", ledger, "samples", "--json", "-j", "2"]);
    expect(again.status).toBe(0);
    const j = JSON.parse(again.stdout);
    expect(j).toMatchObject({ ok: true, holds: true, workers: 2, ledger: { run: 2 }, gate: { lost: [], baseline: { kind: "run", run: { id: 1 } } } });
    const tailgate = j.records.find((x: { name: string }) => x.name === "DOS.Tailgate.A");
    expect(tailgate).toMatchObject({ id: 0x1001, rev: 1, expected: 5, found: 5, failures: 0 });
    expect(tailgate.candidates).toBeGreaterThanOrEqual(5);
    expect(tailgate.crcs).toBeGreaterThan(0);
    expect(tailgate.ms).toBeGreaterThan(0);
  });

  it("fails when one record is broken: the sample, the record and why, and a failed JUnit test case", () => {
    const junit = join(tmp, "junit.xml");
    const r = tgvx(["test", "--db", db.broken, "--no-ledger", "--junit", junit, "samples"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /^FAIL infected\/tailgate-a\/com-host-1\.com {2}missed: expected DOS\.Tailgate\.A but nothing was detected: first word matches, but DOS\.Tailgate\.A's window 1 \(0x40 bytes at 0x[0-9A-F]+\) has CRC 0x[0-9A-F]{8}, the record wants 0x00000001$/m,
    );
    expect(r.stdout).toMatch(/^FAIL: 5 samples failed, 1 records without a sample$/m);
    const xml = readFileSync(junit, "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml) as { testsuites: { failures: string; testsuite: { name: string; testcase: { name: string; failure?: { type: string; message: string } }[] }[] } };
    const samples = doc.testsuites.testsuite.find((s) => s.name === "samples")!;
    const manifest = readFileSync(join(root, "samples/manifest.yaml"), "utf8");
    expect(samples.testcase).toHaveLength((manifest.match(/^ {2}- path: /gm) ?? []).length);
    const c = samples.testcase.find((t) => t.name === "infected/tailgate-a/com-host-1.com")!;
    expect(c.failure!.type).toBe("missed");
    expect(c.failure!.message).toMatch(/^infected\/tailgate-a\/com-host-1\.com: DOS\.Tailgate\.A: missed: expected DOS\.Tailgate\.A but nothing was detected: .*window 1/);
    expect(samples.testcase.filter((t) => t.failure)).toHaveLength(5);
  });

  it("shows no progress bar when piped or in CI, and one on a terminal", () => {
    const piped = tgvx(["test", "--db", db.good, "--no-ledger", "samples"], { CI: undefined });
    expect(piped.stderr).toMatch(/^tgvx: warning: \S+ is not signed: used without any signature check[^\n]*\n$/); // the development-database warning, no bar
    expect(piped.stdout).not.toContain("\r");
    const hasScript = spawnSync("script", ["--version"]).status === 0;
    if (!hasScript) return;
    const onTty = (env: Record<string, string | undefined>) =>
      spawnSync("script", ["-qec", `"${process.execPath}" "${bin}" test --db "${db.good}" --no-ledger samples`, "/dev/null"], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, ...env },
      }).stdout;
    expect(onTty({ CI: undefined })).toMatch(/\rtgvx test \[[#.]+\] \d+\/\d+/);
    expect(onTty({ CI: "true" })).not.toContain("tgvx test [");
  });

  it("exits 2 when it cannot run: a ledger from a newer tgvx, a broken acknowledgement file", () => {
    const newer = join(tmp, "newer.sqlite");
    Ledger.open(newer).close();
    const raw = new SQLite(newer);
    raw.pragma("user_version = 42");
    raw.close();
    const r = tgvx(["test", "--db", db.good, "--ledger", newer, "samples"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/ledger NEWER_SCHEMA: the ledger .* has schema version 42, newer than this tgvx knows \(1\): update tgvx/);

    const acks = join(tmp, "bad-acks.yaml");
    writeFileSync(acks, "losses:\n  - record: DOS.Tailgate.A\n    why: no reason field\n");
    const b = tgvx(["test", "--db", db.good, "--ledger", join(tmp, "acks.sqlite"), "--acknowledged", acks, "samples"]);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain("bad-acks.yaml:3:5: error UNKNOWN_FIELD");
    expect(b.stdout).toBe("");
  });
});

describe("the detection-lost gate", () => {
  it("fails a run that loses a detection the last good run made, until the loss is acknowledged", () => {
    const ledger = join(tmp, "gate.sqlite");
    const corpus = join(tmp, "corpus-gate");
    cpSync(join(root, "samples"), corpus, { recursive: true });
    expect(tgvx(["test", "--db", db.good, "--ledger", ledger, corpus]).status).toBe(0);
    // DOS.Overwrite.A retired and the manifest edited to match: the proof holds, but three detections were lost.
    const edited = join(tmp, "corpus-edited");
    corpusWithoutOverwrite(edited);
    cpSync(join(edited, "manifest.yaml"), join(corpus, "manifest.yaml"));
    const junit = join(tmp, "gate.xml");
    const r = tgvx(["test", "--db", db.retired, "--ledger", ledger, "--junit", junit, corpus]);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^LOST infected\/overwrite-a\/com-host-1\.com {2}DOS\.Overwrite\.A \(0x8001\): detected by run 1 of .*, not any more$/m);
    expect(r.stdout).toMatch(/^ {2}ledger {5}run 2 in .*; 3 detections LOST since run 1/m);
    expect(r.stdout).toMatch(/^FAIL: 3 detections lost$/m);
    const gate = (parser.parse(readFileSync(junit, "utf8")) as { testsuites: { testsuite: { name: string; testcase: { failure?: unknown }[] }[] } }).testsuites.testsuite.find(
      (s) => s.name === "detection-gate",
    )!;
    expect(gate.testcase.filter((t) => t.failure)).toHaveLength(3);
    // A failing run is never the baseline: the loss stays until acknowledged.
    expect(tgvx(["test", "--db", db.retired, "--ledger", ledger, corpus]).status).toBe(1);
    writeFileSync(
      join(corpus, "acknowledged-losses.yaml"),
      "# yaml-language-server: $schema=../schemas/acknowledged-losses.schema.json\nlosses:\n  - record: DOS.Overwrite.A\n    reason: \"retired: the family is extinct\"\n",
    );
    const ok = tgvx(["test", "--db", db.retired, "--ledger", ledger, corpus]);
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/; no detection lost since run 1 .*, 3 acknowledged$/m);
  });

  it("compares with the last release, testing it when it never ran on this corpus; history names the release", async () => {
    const ledgerPath = join(tmp, "release.sqlite");
    const l = Ledger.open(ledgerPath);
    await recordRelease(l, readFileSync(db.good), { version: "2026.11", file: "good.tgvxdb" });
    l.close();
    const corpus = join(tmp, "corpus-release");
    corpusWithoutOverwrite(corpus);
    const r = tgvx(["test", "--db", db.retired, "--ledger", ledgerPath, corpus]);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^LOST infected\/overwrite-a\/com-host-2\.com {2}DOS\.Overwrite\.A \(0x8001\): detected by release 2026\.11 \(run 1\), not any more$/m);
    expect(r.stdout).toMatch(/^ {2}ledger {5}run 2 in .*; 3 detections LOST since release 2026\.11 \(run 1\)$/m);

    const h = tgvx(["history", "--ledger", ledgerPath, join(corpus, "infected/overwrite-a/com-host-2.com")]);
    expect(h.status, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^ {2}first detected {3}run 1 .*\[release 2026\.11\]: DOS\.Overwrite\.A$/m);
    expect(h.stdout).toMatch(/^ {2}first release {4}2026\.11 /m);
    expect(h.stdout).toMatch(/^ {4}run 1 .* {2}unexpected +\+DOS\.Overwrite\.A: clean sample detected as DOS\.Overwrite\.A$/m);
    expect(h.stdout).toMatch(/^ {4}run 2 .* {2}pass +-DOS\.Overwrite\.A$/m);

    const rec = tgvx(["history", "--ledger", ledgerPath, "0x8001"]);
    expect(rec.status).toBe(0);
    expect(rec.stdout).toMatch(/^record DOS\.Overwrite\.A \(0x8001\)$/m);
    expect(rec.stdout).toMatch(/first released in 2026\.11/);
    expect(rec.stdout).toMatch(/^ {6}run 2 .* {2}not in this database$/m);

    const overview = tgvx(["history", "--ledger", ledgerPath, "--json"]);
    const j = JSON.parse(overview.stdout);
    expect(j.releases).toEqual([expect.objectContaining({ version: "2026.11", records: 15, hasBytes: true })]);
    expect(j.runs.map((x: { id: number; ok: boolean }) => [x.id, x.ok])).toEqual([
      [2, false],
      [1, false],
    ]);
    expect(tgvx(["history", "--ledger", ledgerPath, "--check"]).stdout).toMatch(/consistent \(schema version 1\)/);
    expect(tgvx(["history", "--ledger", ledgerPath, "No.Such.Thing"]).status).toBe(2);
    expect(tgvx(["history", "--ledger", join(tmp, "nowhere.sqlite")]).stderr).toMatch(/no ledger at .*nowhere\.sqlite/);
    expect(existsSync(join(tmp, "nowhere.sqlite"))).toBe(false);
  });
});

describe("tgvx diff", () => {
  it("lists the removed and the changed record and names the samples whose outcome changed", () => {
    const r = tgvx(["diff", db.good, db.changed, "samples"]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^records: 0 added, 1 removed, 1 changed$/m);
    expect(r.stdout).toMatch(/^ {2}- removed {2}DOS\.Overwrite\.A \(0x8001 rev 1\)$/m);
    expect(r.stdout).toMatch(/^ {2}~ changed {2}Generic\.Trailer\.A \(0x6001\) rev 1 -> 2: detect\.windows\[1\]\.crc$/m);
    expect(r.stdout).toMatch(/^samples: 6 of \d+ changed outcome/m);
    for (const s of ["infected/overwrite-a/com-host-1.com", "infected/overwrite-a/com-host-2.com", "infected/overwrite-a/com-host-3.com"])
      expect(r.stdout).toMatch(new RegExp(`^  ${s.replace(/[./]/g, "\\$&")} +pass -> missed  lost DOS\\.Overwrite\\.A`, "m"));
    expect(r.stdout).toMatch(/^ {2}infected\/trailer-a\/script\.sh +pass -> missed {2}lost Generic\.Trailer\.A: .*window 2/m);

    const j = JSON.parse(tgvx(["diff", db.good, db.changed, "samples", "--json", "-j", "2"]).stdout);
    expect(j.same).toBe(false);
    expect(j.records.removed.map((x: { name: string }) => x.name)).toEqual(["DOS.Overwrite.A"]);
    expect(j.records.changed).toEqual([expect.objectContaining({ id: 0x6001, revBumped: true, fields: ["detect.windows[1].crc"] })]);
    expect(j.corpus.changed.map((x: { path: string }) => x.path).sort()).toEqual(
      [
        "infected/overwrite-a/com-host-1.com",
        "infected/overwrite-a/com-host-2.com",
        "infected/overwrite-a/com-host-3.com",
        "infected/trailer-a/archive.zip",
        "infected/trailer-a/pe32-host-1.exe",
        "infected/trailer-a/script.sh",
      ].sort(),
    );
  });

  it("exits 0 for the same database, warns when content changed without a rev bump, and takes releases from the ledger", async () => {
    expect(tgvx(["diff", db.good, db.good, "samples"]).status).toBe(0);
    const unbumped = join(tmp, "unbumped.tgvxdb");
    compile(edit(tgvx(["decompile", db.good]).stdout, (n, b) => (n === "Generic.Trailer.A" ? breakWindow2(b) : b)), unbumped);
    const r = tgvx(["diff", db.good, unbumped, "--no-corpus"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/~ changed {2}Generic\.Trailer\.A \(0x6001\) rev 1 -> 1: detect\.windows\[1\]\.crc {2}WARNING: content changed but rev was not bumped/);
    expect(r.stdout).not.toMatch(/^samples:/m);

    const ledgerPath = join(tmp, "diff.sqlite");
    const l = Ledger.open(ledgerPath);
    await recordRelease(l, readFileSync(db.good), { version: "1" });
    await recordRelease(l, readFileSync(db.changed), { version: "2" });
    l.close();
    const rel = tgvx(["diff", "1", "2", "samples", "--ledger", ledgerPath]);
    expect(rel.status, rel.stderr).toBe(1);
    expect(rel.stdout).toMatch(/^a: release 1 \(version 1, 15 records/m);
    expect(rel.stdout).toMatch(/^samples: 6 of \d+ changed outcome/m);
    const missing = tgvx(["diff", "1", "7", "--ledger", ledgerPath]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/7: no such file, and no release "7" in the ledger .* \(releases: 1, 2\)/);
  });
});
