// The linter against the project's own database and corpus: quiet on db-src/ as shipped, and
// the "must show" cases on the real samples.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findRecordFiles, readSources } from "@tgvx/compiler";
import { formatHuman, lintSources, loadCorpus, type Corpus } from "@tgvx/linter";
import type { SourceText } from "@tgvx/records";
import { crcOf } from "./support.js";

const root = new URL("../../..", import.meta.url).pathname;
let corpus: Corpus;
let shipped: SourceText[];

beforeAll(async () => {
  corpus = await loadCorpus(join(root, "samples"), root);
  shipped = await readSources(await findRecordFiles(["db-src"], root), root);
});

describe("db-src/ as shipped", () => {
  it("draws no finding from any rule, against samples/", async () => {
    const r = await lintSources(shipped, { corpus });
    expect(formatHuman(r)).toBe("");
    expect(r.records).toBeGreaterThanOrEqual(10);
    expect(r.rules.every((x) => !x.skipped)).toBe(true);
  });
});

describe("must show", () => {
  it("a window CRC off by one byte: the window, the sample and its actual CRC", async () => {
    const src = shipped.find((s) => s.path === "db-src/tailgate.yaml")!;
    const seeded = { path: src.path, text: src.text.replace("crc: 0x15099438", "crc: 0x150994FF") };
    expect(seeded.text).not.toBe(src.text);
    const r = await lintSources([...shipped.filter((s) => s !== src), seeded], { corpus });
    // The window's CRC, and the tar whose member no longer matches (found at the record's name).
    expect(r.diagnostics.map((d) => `${d.ruleId} ${d.messageId} ${d.file}:${d.start.line}:${d.start.col}`)).toEqual([
      "sample-mismatch notFound db-src/tailgate.yaml:29:11",
      "sample-mismatch windowCrc db-src/tailgate.yaml:40:46",
    ]);
    expect(r.diagnostics[0].message).toContain("samples/infected/containers/tailgate-a.tar");
    const d = r.diagnostics[1];
    expect(d.message).toContain("window 2 of DOS.Tailgate.A (0xC0 bytes at jump+0x60) has CRC 0x15099438");
    expect(d.message).toContain("samples/infected/tailgate-a/com-host-1.com");
    expect(d.message).toContain("the record says 0x150994FF");
    expect(d.hint).toContain("write crc: 0x15099438");
    // Every sample of the record is named in the notes, with the window's place in it.
    const notes = d.related!.map((x) => x.file);
    for (const s of corpus.samples.filter((x) => x.detect.includes("DOS.Tailgate.A") && !x.path.startsWith("infected/containers/"))) expect(notes).toContain(s.shown);
    expect(formatHuman(r)).toContain("   |                                              ^^^^^^^^^^\n");
  });

  it("a record that matches a clean host: a false positive, with the host's path", async () => {
    const host = new Uint8Array(readFileSync(join(root, "samples/clean/com-host-2.com")));
    const at = 0x100;
    const first = `${host[at].toString(16).padStart(2, "0")} ${host[at + 1].toString(16).padStart(2, "0")}`.toUpperCase();
    const text = [
      "records:",
      "  - id: 0xFFF1",
      "    rev: 1",
      "    name: DOS.Seeded.A",
      "    type: 3",
      "    status: experimental",
      "    attributes: [infector]",
      "    detect:",
      "      anchor: start",
      `      at: ${at}`,
      `      first: "${first}"`,
      "      windows:",
      `        - { offset: 0x100, length: 0x40, crc: ${crcOf(host, 0x100, 0x40)} }`,
      `        - { offset: 0x140, length: 0x40, crc: ${crcOf(host, 0x140, 0x40)} }`,
      "",
    ].join("\n");
    const r = await lintSources([...shipped, { path: "db-src/seeded.yaml", text }], { corpus });
    const fp = r.diagnostics.filter((d) => d.ruleId === "false-positive");
    // Host 2's bytes are also in the ZIP of the clean corpus and in the samples infected from it: each is named.
    expect(new Set(fp.map((d) => `${d.file}:${d.start.line}:${d.start.col}`))).toEqual(new Set(["db-src/seeded.yaml:4:11"]));
    expect(fp.map((d) => d.message)).toContain("DOS.Seeded.A matches the clean file samples/clean/com-host-2.com: a false positive");
    expect(fp.map((d) => d.message)).toContain("DOS.Seeded.A matches the clean file samples/clean/archive.zip (member bin/hello.com): a false positive");
    // The seeded record has no sample of its own either.
    expect(r.diagnostics.map((d) => d.ruleId)).toContain("coverage");
  });

  it("each rule fires on a crafted bad record (the table tests) and every rule has its table", () => {
    const tables = readdirSync(new URL("./rules", import.meta.url)).filter((f) => f.endsWith(".test.ts"));
    expect(tables.length).toBe(16);
  });
});
