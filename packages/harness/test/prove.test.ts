// proveSamples over the real corpus (in this thread and in worker threads), per-record cost, why a
// record missed, the JUnit XML, and the detection-lost gate's comparison and acknowledgements.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileSources, decompileToYaml, findRecordFiles, readSources } from "@tgvx/compiler";
import { Engine } from "@tgvx/engine";
import {
  applyAcknowledgements,
  autoWorkers,
  lostDetections,
  proofHolds,
  proveSamples,
  readAcknowledgedLosses,
  toJUnitXml,
  type ProofReport,
  type RunSample,
} from "@tgvx/harness";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";

const root = new URL("../../..", import.meta.url).pathname;
const samples = join(root, "samples");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-prove-"));
let good: Engine;
let broken: Engine;

/** The shipped records with DOS.Tailgate.A's first window CRC changed: its samples are missed. */
async function compileBroken(): Promise<Uint8Array> {
  const yaml = decompileToYaml(good.db).replace(/(name: DOS\.Tailgate\.A[\s\S]*?crc: )0x[0-9a-f]+/i, "$10x1");
  const r = await compileSources([{ path: "broken.yaml", text: yaml }]);
  return r.bytes!;
}

beforeAll(async () => {
  const r = await compileSources(await readSources(await findRecordFiles([join(root, "db-src")])));
  good = await Engine.load(r.bytes!, { allowUnsigned: true });
  broken = await Engine.load(await compileBroken(), { allowUnsigned: true });
});

const strip = (r: ProofReport) => r.results.map(({ ms: _ms, ...x }) => x);

describe("proveSamples", () => {
  it("proves the shipped records; worker threads give the same results in the same order", async () => {
    const here = await proveSamples(good, samples, { workers: 0 });
    expect(proofHolds(here)).toBe(true);
    expect(here.workers).toBe(0);
    const progress: number[] = [];
    const pooled = await proveSamples(good, samples, { workers: 2, onProgress: (d) => progress.push(d) });
    expect(pooled.workers).toBe(2);
    expect(strip(pooled)).toEqual(strip(here));
    expect(pooled.records.map(({ ms: _ms, ...r }) => r)).toEqual(here.records.map(({ ms: _ms, ...r }) => r));
    expect(progress.at(-1)).toBe(here.counts.samples);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("uses threads only for large corpora on machines with cores to spare", () => {
    expect(autoWorkers(57, 16)).toBe(0);
    expect(autoWorkers(10_000, 2)).toBe(0);
    expect(autoWorkers(10_000, 4)).toBe(4);
    expect(autoWorkers(10_000, 64)).toBe(8);
  });

  it("charges every candidate and CRC to a record: the per-record cost adds up to the engine's counters", async () => {
    const r = await proveSamples(good, samples, { workers: 2 });
    const sum = (k: "candidates" | "crcs") => r.records.reduce((n, x) => n + x[k], 0);
    expect(sum("candidates")).toBe(r.stats.candidates);
    expect(sum("crcs")).toBe(r.stats.crcs);
    expect(r.stats.candidates).toBeGreaterThan(0);
    for (const rec of r.records) {
      expect(rec.found).toBeGreaterThan(0);
      expect(rec.found).toBe(rec.expected);
      expect(rec.candidates).toBeGreaterThanOrEqual(rec.found);
      expect(rec.ms).toBeGreaterThan(0);
    }
  });

  it("names the sample, the record and why when a record is broken", async () => {
    const r = await proveSamples(broken, samples, { workers: 0 });
    expect(proofHolds(r)).toBe(false);
    const s = r.results.find((x) => x.path === "infected/tailgate-a/com-host-1.com")!;
    expect(s.outcome).toBe("missed");
    expect(s.records).toEqual(["DOS.Tailgate.A"]);
    expect(s.reason).toMatch(/^expected DOS\.Tailgate\.A but nothing was detected: first word matches, but DOS\.Tailgate\.A's window 1 \(0x40 bytes at 0x[0-9A-F]+\) has CRC 0x[0-9A-F]{8}, the record wants 0x00000001$/);
    expect(r.recordsWithoutSample).toEqual(["DOS.Tailgate.A"]);
    expect(r.records.find((x) => x.name === "DOS.Tailgate.A")).toMatchObject({ expected: 5, found: 0, failures: 5 });
  });

  it("explains a miss by file type, first word or window", async () => {
    const dir = join(tmp, "explain");
    cpSync(samples, dir, { recursive: true });
    const manifest = readFileSync(join(dir, "manifest.yaml"), "utf8")
      .replace(/(path: near-miss\/tailgate-a-flipped\.com\n\s+detect: )\[\]/, "$1[DOS.Tailgate.A]")
      .replace(/(path: near-miss\/headstone-a-not-com\.bin\n\s+detect: )\[\]/, "$1[DOS.Headstone.A]")
      .replace(/(path: clean\/com-host-2\.com\n\s+detect: )\[\]/, "$1[DOS.Tailgate.A]");
    writeFileSync(join(dir, "manifest.yaml"), manifest);
    const r = await proveSamples(good, dir, { workers: 0 });
    const why = (p: string) => r.results.find((x) => x.path === p)!.reason;
    expect(why("near-miss/tailgate-a-flipped.com")).toMatch(/window 2 \(0x[0-9A-F]+ bytes at 0x[0-9A-F]+\) has CRC 0x[0-9A-F]{8}, the record wants 0x[0-9A-F]{8}$/);
    expect(why("near-miss/headstone-a-not-com.bin")).toMatch(/DOS\.Headstone\.A is for com files; the sample is recognised as /);
    expect(why("clean/com-host-2.com")).toMatch(/the sample has no jump anchor|first word at 0x[0-9A-F]+ is [0-9A-F]{2} [0-9A-F]{2}, DOS\.Tailgate\.A wants/);
  });
});

describe("JUnit XML", () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (name) => ["testsuite", "testcase", "property"].includes(name) });
  interface TestCase {
    classname: string;
    name: string;
    time: string;
    failure?: { type: string; message: string; "#text": string };
    skipped?: unknown;
  }
  interface Suite {
    name: string;
    tests: string;
    failures: string;
    errors: string;
    testcase: TestCase[];
  }

  it("has one test case per sample; the broken record's samples fail with sample, record and reason", async () => {
    const r = await proveSamples(broken, samples, { workers: 0 });
    const xml = toJUnitXml(r, { lost: [{ sample: "infected/tailgate-a/com-host-1.com", id: 0x1001, name: "DOS.Tailgate.A", rev: 1 }], acknowledged: [], samplesGone: [] });
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml) as { testsuites: { tests: string; failures: string; testsuite: Suite[] } };
    const suites = new Map(doc.testsuites.testsuite.map((s) => [s.name, s]));
    expect([...suites.keys()]).toEqual(["samples", "records", "corpus", "detection-gate"]);
    const cases = suites.get("samples")!.testcase;
    expect(cases.map((c) => c.name)).toEqual(r.results.map((s) => s.path));
    expect(Number(suites.get("samples")!.tests)).toBe(r.counts.samples);
    const failed = cases.filter((c) => c.failure);
    expect(failed.map((c) => c.name).sort()).toEqual(r.results.filter((s) => s.outcome !== "pass").map((s) => s.path).sort());
    expect(Number(suites.get("samples")!.failures)).toBe(failed.length);
    const one = cases.find((c) => c.name === "infected/tailgate-a/com-host-1.com")!;
    expect(one.classname).toBe("samples.infected.tailgate-a");
    expect(one.failure!.type).toBe("missed");
    expect(one.failure!.message).toMatch(/^infected\/tailgate-a\/com-host-1\.com: DOS\.Tailgate\.A: missed: expected DOS\.Tailgate\.A but nothing was detected: .*window 1/);
    expect(one.failure!["#text"]).toContain("records:  DOS.Tailgate.A");
    const rec = suites.get("records")!.testcase.find((c) => c.name.startsWith("DOS.Tailgate.A "))!;
    expect(rec.failure!.type).toBe("no-sample");
    const gate = suites.get("detection-gate")!.testcase;
    expect(gate).toHaveLength(1);
    expect(gate[0].failure!.message).toMatch(/^infected\/tailgate-a\/com-host-1\.com: DOS\.Tailgate\.A \(0x1001\): detected by .*, not any more/);
    const total = doc.testsuites.testsuite.reduce((n, s) => n + s.testcase.length, 0);
    expect(Number(doc.testsuites.tests)).toBe(total);
  });

  it("escapes what XML cannot carry", async () => {
    const r = await proveSamples(good, samples, { workers: 0 });
    r.results[0] = { ...r.results[0], outcome: "missed", records: ["A<&>\"'"], reason: "bad \u0001 byte & <tag> \"quoted\"" };
    const xml = toJUnitXml(r);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml) as { testsuites: { testsuite: Suite[] } };
    expect(xml).toContain("bad \uFFFD byte &amp; &lt;tag&gt; &quot;quoted&quot;");
    expect(doc.testsuites.testsuite[0].testcase[0].failure!.message).toBe(`${r.results[0].path}: A<&>"': missed: bad \uFFFD byte & <tag> "quoted"`);
  });
});

describe("the detection-lost gate", () => {
  const asRun = (r: ProofReport): RunSample[] =>
    r.results.map((s) => ({ path: s.path, outcome: s.outcome, expected: s.expected, found: s.found, detected: s.detected, reason: s.reason ?? null, cleaning: null, ms: s.ms }));

  it("finds every detection the baseline made and the new database does not, by record id", async () => {
    const before = await proveSamples(good, samples, { workers: 0 });
    const after = await proveSamples(broken, samples, { workers: 0 });
    const { losses, samplesGone } = lostDetections(asRun(before), after);
    expect(samplesGone).toEqual([]);
    expect(losses.map((l) => l.sample).sort()).toEqual(before.results.filter((s) => s.expected.includes("DOS.Tailgate.A")).map((s) => s.path).sort());
    expect(new Set(losses.map((l) => l.id))).toEqual(new Set([0x1001]));
    expect(lostDetections(asRun(before), before).losses).toEqual([]);
    // A sample that left the manifest is reported apart, not as a loss.
    const fewer = { ...after, results: after.results.filter((s) => s.path !== "infected/tailgate-a/com-host-1.com") };
    expect(lostDetections(asRun(before), fewer).samplesGone).toEqual(["infected/tailgate-a/com-host-1.com"]);
  });

  it("lets the acknowledgement file silence a loss by id, by name, or on one sample", async () => {
    const file = join(tmp, "acks.yaml");
    writeFileSync(
      file,
      [
        "losses:",
        "  - record: 0x1001",
        "    sample: infected/tailgate-a/com-host-1.com",
        "    reason: host 1 is a known false lead",
        "  - record: Test.EICAR.68",
        "    reason: EICAR retired",
        "",
      ].join("\n"),
    );
    const acks = await readAcknowledgedLosses(file);
    expect(acks.losses).toHaveLength(2);
    const losses = [
      { sample: "infected/tailgate-a/com-host-1.com", id: 0x1001, name: "DOS.Tailgate.A", rev: 1 },
      { sample: "infected/tailgate-a/com-host-2.com", id: 0x1001, name: "DOS.Tailgate.A", rev: 1 },
      { sample: "infected/eicar.com", id: 0x10, name: "Test.EICAR.68", rev: 1 },
    ];
    const { lost, acknowledged } = applyAcknowledgements(losses, acks.losses);
    expect(lost.map((l) => l.sample)).toEqual(["infected/tailgate-a/com-host-2.com"]);
    expect(acknowledged.map((l) => l.reason)).toEqual(["host 1 is a known false lead", "EICAR retired"]);
  });

  it("rejects an acknowledgement without a reason, with its place", async () => {
    const file = join(tmp, "bad-acks.yaml");
    writeFileSync(file, "losses:\n  - record: DOS.Tailgate.A\n    sample: x\n");
    await expect(readAcknowledgedLosses(file)).rejects.toMatchObject({
      name: "AcknowledgementsError",
      diagnostics: [expect.objectContaining({ code: "MISSING_FIELD", start: expect.objectContaining({ line: 2 }) })],
    });
    expect((await readAcknowledgedLosses(join(tmp, "none.yaml"))).exists).toBe(false);
  });
});
