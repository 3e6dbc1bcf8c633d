/**
 * The stream scanner (Engine.streamScanner) against Engine.scan: for every sample and random
 * chunkings, the same top-level detections, types and warnings; early verdicts before the end;
 * memory bounded by the database over a 200 MB stream; honest answers where a stream cannot be
 * checked (containers, a header beyond the kept head, module records on a long stream).
 */
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { zipSync } from "fflate";
import { parse } from "yaml";
import { compileSources, findRecordFiles, readSources } from "@tgvx/compiler";
import { Engine, type Detection, type ScanResult, type StreamScanOptions, type StreamScanResult } from "@tgvx/engine";
import { STREAM_HEAD_MIN, analyzeHeadInto, analyzeObject, headerExtent } from "../packages/engine/src/file-type.js";
// @ts-expect-error plain ESM generator shared with bench/foundation.mjs
import { featureCode, generateRecords, recordYaml } from "../bench/lib/bench-records.mjs";

type HostKind = "com" | "mz" | "ne" | "pe32" | "pe64" | "boot" | "text" | "zip";
interface Generator {
  randomHostWithParams(kind: HostKind, seed: number, options?: Record<string, unknown>): { bytes: Buffer; params: Record<string, unknown> };
  INFECTORS: Record<string, { hostKinds: HostKind[]; hostOptions: Record<string, unknown>; infect(host: Buffer, seed?: number): Buffer }>;
}
const gen = (await import(new URL("../samples/generate.mjs", import.meta.url).href)) as Generator;

const root = new URL("..", import.meta.url).pathname;
const manifest = parse(readFileSync(join(root, "samples/manifest.yaml"), "utf8")) as { samples: { path: string }[] };
const samples = manifest.samples.map((s) => ({ path: s.path, name: basename(s.path), bytes: readFileSync(join(root, "samples", s.path)) }));
const RUNS = Number(process.env.TGVX_PROPERTY_RUNS ?? 12);

let engine: Engine;

beforeAll(async () => {
  const r = await compileSources(await readSources(await findRecordFiles(["db-src"], root), root));
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  engine = await Engine.load(r.bytes!, { allowUnsigned: true });
});

/** Write `bytes` in chunks of the given sizes (cycled); `earlyAt`: bytes written when write() first said infected. */
function stream(e: Engine, bytes: Uint8Array, sizes: readonly number[], options: StreamScanOptions = {}): { result: StreamScanResult; earlyAt?: number; maxRetained: number } {
  const s = e.streamScanner(options);
  let earlyAt: number | undefined;
  let maxRetained = 0;
  for (let off = 0, i = 0; off < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length], bytes.length - off);
    const v = s.write(bytes.subarray(off, off + n));
    off += n;
    maxRetained = Math.max(maxRetained, s.retainedBytes);
    if (v && earlyAt === undefined) {
      expect(v.verdict).toBe("infected");
      earlyAt = off;
    }
  }
  return { result: s.end(), ...(earlyAt !== undefined ? { earlyAt } : {}), maxRetained };
}

/**
 * The same stream read as a file can be: only where `nextNeeded` says the records need bytes
 * (`skipTo` there, then chunks of the given sizes). `written`: the bytes it read.
 */
function sparse(e: Engine, bytes: Uint8Array, sizes: readonly number[], options: StreamScanOptions = {}): { result: StreamScanResult; written: number } {
  const s = e.streamScanner(options);
  let written = 0;
  for (let i = 0; ; i++) {
    const at = s.nextNeeded(bytes.length);
    if (at >= bytes.length) break;
    s.skipTo(at);
    const n = Math.min(sizes[i % sizes.length], bytes.length - at);
    s.write(bytes.subarray(at, at + n));
    written += n;
  }
  return { result: s.end(), written };
}
/** A result without what depends on how the bytes came (the most held at once, when the verdict came). */
const decided = (r: StreamScanResult) => ({ ...r, stream: { bytes: r.stream.bytes, retainedBound: r.stream.retainedBound } });

const top = (r: ScanResult, types34 = false): Detection[] => r.detections.filter((d) => d.path.length === 0 && (!types34 || d.type === 3 || d.type === 4));
const noContainers = (bytes: Uint8Array, name?: string) => engine.scan(bytes, { name, archives: false, mail: false });

/**
 * Stream and scan agree on everything a stream can know: on a stream kept whole, everything
 * (members, type 1/2 records, limits); else the top-level type 3/4 detections, types, warnings.
 */
function expectSame(bytes: Uint8Array, name: string | undefined, sizes: readonly number[]): { result: StreamScanResult; earlyAt?: number } {
  const got = stream(engine, bytes, sizes, { name });
  const r = got.result;
  const full = engine.scan(bytes, { name });
  const whole = r.stream.bytes <= 0x10000;
  if (whole) {
    const inOrder = (ds: readonly Detection[]) => [...ds].sort((x, y) => x.id - y.id || (x.path.join("/") < y.path.join("/") ? -1 : 1));
    expect(inOrder(r.detections)).toEqual(inOrder(full.detections));
    expect({ verdict: r.verdict, warnings: r.warnings, objects: r.objects, skipped: r.skipped, limits: r.limits }).toEqual({
      verdict: full.verdict,
      warnings: full.warnings,
      objects: full.objects,
      skipped: full.skipped,
      limits: full.limits,
    });
  } else {
    expect(r.detections.filter((d) => d.type >= 3)).toEqual(top(full, true));
    expect(r.warnings).toEqual(noContainers(bytes, name).warnings);
    expect(r.objects).toBe(1);
  }
  expect(r.types).toEqual(full.types);
  expect(r.stream.bytes).toBe(bytes.length);
  if (r.detections.length) expect(r.verdict).toBe("infected");
  else if (r.verdict === "clean") expect(full.verdict).toBe("clean");
  else expect(r.skipped.length).toBeGreaterThan(0);
  // An object scan would open is never called clean by the stream scanner.
  if (!whole && (full.objects > 1 || full.skipped.length)) expect(r.verdict).not.toBe("clean");
  if (got.earlyAt !== undefined) expect(r.stream.infectedAt).toBe(got.earlyAt);
  expect(got.maxRetained).toBeLessThanOrEqual(r.stream.retainedBound);
  // Read as a file can be, only where the records need bytes: the same answer.
  const sp = sparse(engine, bytes, sizes, { name });
  expect(decided(sp.result)).toEqual(decided(r));
  const most = Math.max(...sizes);
  if (bytes.length > r.stream.retainedBound + 4 * most) expect(sp.written).toBeLessThanOrEqual(r.stream.retainedBound + 3 * most);
  return got;
}

const chunkSizes = (max: number) => fc.array(fc.integer({ min: 1, max }), { minLength: 1, maxLength: 24 });

describe("stream = scan, sample by sample", () => {
  it.each(samples.map((s) => [s.path, s] as const))("%s, random chunkings", (_, s) => {
    expectSame(s.bytes, s.name, [s.bytes.length]); // one chunk
    expectSame(s.bytes, s.name, [1]); // byte by byte
    fc.assert(
      fc.property(chunkSizes(512), (sizes) => {
        expectSame(s.bytes, s.name, sizes);
      }),
      { numRuns: RUNS },
    );
  });

  it("samples with a long overlay (past the kept head): the same type 3/4 detections, decided early where the bytes allow", () => {
    let early = 0;
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.integer({ min: 0x10000 - 0x4000, max: 0x50000 }), fc.integer({ min: 0, max: 255 }), chunkSizes(0x12000), (s, pad, fill, sizes) => {
        const bytes = Buffer.concat([s.bytes, Buffer.alloc(pad, fill)]);
        const got = expectSame(bytes, s.name, sizes);
        if (got.earlyAt !== undefined && got.earlyAt < bytes.length) early++;
      }),
      { numRuns: RUNS * 20 },
    );
    expect(early).toBeGreaterThan(0);
  });
});

describe("early verdicts", () => {
  it("a start-anchored record: infected from write() as soon as its bytes are in, long before the end", () => {
    const eicar = samples.find((s) => s.path === "infected/eicar-trailing.txt")!.bytes;
    const bytes = Buffer.concat([eicar, Buffer.alloc(1 << 20, 0x20)]);
    const s = engine.streamScanner({ name: "download.txt" });
    expect(s.write(bytes.subarray(0, 40))).toBeUndefined();
    expect(s.verdict).toBe("pending");
    const v = s.write(bytes.subarray(40, 4096));
    expect(v?.verdict).toBe("infected");
    expect(v?.detections.map((d) => d.name)).toEqual(["Test.EICAR.68"]);
    expect(v?.at).toBe(4096);
    expect(s.verdict).toBe("infected");
    s.write(bytes.subarray(4096));
    const r = s.end();
    expect(r.verdict).toBe("infected");
    expect(r.stream.infectedAt).toBe(4096);
    expect(r.detections).toEqual(top(engine.scan(bytes, { name: "download.txt" }), true));
  });

  it("an entry point beyond the kept head: its bytes are caught as they pass, the verdict comes before the end", () => {
    const { bytes: host } = gen.randomHostWithParams("pe32", 7);
    const overlay = Buffer.alloc(0x60000, 0x5a); // file-aligned: the infector's section lands after it
    const infected = gen.INFECTORS["Win32.Pesection.A"].infect(Buffer.concat([host, overlay]));
    const bytes = Buffer.concat([infected, Buffer.alloc(0x30000, 0)]);
    const full = engine.scan(bytes, { name: "big.exe" });
    expect(top(full).map((d) => d.name)).toEqual(["Win32.Pesection.A"]);
    expect(top(full)[0].anchorOffset).toBeGreaterThan(0x60000);
    const got = expectSame(bytes, "big.exe", [0x10000]);
    expect(got.earlyAt).toBeLessThan(bytes.length);
    expect(got.earlyAt).toBeGreaterThan(top(full)[0].anchorOffset);
  });

  it("end-anchored records are decided on end()", () => {
    const trailer = samples.find((s) => s.path === "infected/trailer-a/pe32-host-1.exe")!.bytes;
    const got = expectSame(trailer, "x.exe", [100]);
    expect(got.earlyAt).toBeUndefined();
    expect(got.result.detections.map((d) => d.name)).toEqual(["Generic.Trailer.A"]);
  });

  it("firstOnly stops at the first detection", () => {
    const eicar = samples.find((s) => s.path === "infected/eicar.com")!.bytes;
    const trailer = samples.find((s) => s.path === "infected/trailer-a/script.sh")!.bytes;
    const bytes = Buffer.concat([eicar, Buffer.alloc(0x20000, 0x20), trailer]);
    expect(top(engine.scan(bytes), true).map((d) => d.name)).toEqual(["Test.EICAR.68", "Generic.Trailer.A"]);
    expect(stream(engine, bytes, [4096]).result.detections.map((d) => d.name)).toEqual(["Test.EICAR.68", "Generic.Trailer.A"]);
    const first = stream(engine, bytes, [4096], { firstOnly: true }).result;
    expect(first.detections.map((d) => d.name)).toEqual(["Test.EICAR.68"]);
    expect(first.stream.infectedAt).toBe(4096);
  });
});

describe("honest answers", () => {
  it("a container the whole of which was kept is opened; a longer one is not, and the verdict says so instead of clean", () => {
    const zip = samples.find((s) => s.path === "infected/containers/eicar.zip")!;
    const small = stream(engine, zip.bytes, [1000], { name: zip.name }).result;
    expect(small.verdict).toBe("infected");
    expect(small.detections.map((d) => [d.name, d.path])).toEqual(engine.scan(zip.bytes, { name: zip.name }).detections.map((d) => [d.name, d.path]));
    expect(small.detections.every((d) => d.path.length === 1)).toBe(true);
    expect(stream(engine, zip.bytes, [1000], { name: zip.name, archives: false }).result.verdict).toBe("clean");
    // Past the head: a stored (incompressible) member ahead of the infected one.
    const eicar = samples.find((s) => s.path === "infected/eicar.com")!.bytes;
    const filler = Uint8Array.from({ length: 0x20000 }, (_, i) => (i * 2654435761) >>> 24);
    const big = zipSync({ "filler.bin": [filler, { level: 0 }], "eicar.com": eicar });
    expect(engine.scan(big, { name: "big.zip" }).verdict).toBe("infected");
    const r = stream(engine, big, [4096], { name: "big.zip" }).result;
    expect(r.verdict).toBe("incomplete");
    expect(r.skipped).toContainEqual({ path: [], reason: expect.stringMatching(/^not unpacked: zip archive longer than \d+ bytes/) });
  });

  it("an MZ header pointing past the kept head: type and entry point unknown, entry records listed as not checked", () => {
    const bytes = Buffer.alloc(0x30000);
    bytes.write("MZ", 0);
    bytes.writeUInt32LE(0x20000, 0x3c);
    bytes.write("PE\0\0", 0x20000, "latin1");
    bytes.writeUInt16LE(0x10b, 0x20000 + 24);
    const full = engine.scan(bytes, { name: "far.exe" });
    expect(full.types).toEqual(["pe32"]);
    const r = stream(engine, bytes, [0x8000], { name: "far.exe" }).result;
    expect(r.verdict).toBe("incomplete");
    expect(r.types).toEqual([]);
    expect(r.skipped[0].reason).toMatch(/MZ header reaches past the first 65536 bytes .* entry-point probes .* not checked/);
  });

  it("a DOS executable whose e_lfanew points past the head: the 4 bytes there are caught, the answer stays exact", () => {
    const dos = samples.filter((x) => analyzeObject(x.bytes, x.name).types === 2); // plain MZ
    expect(dos.length).toBeGreaterThan(2);
    let unknown = 0;
    fc.assert(
      fc.property(fc.constantFrom(...dos), fc.integer({ min: 0xfffd, max: 0x40000 }), fc.integer({ min: 0x8000, max: 0x40000 }), fc.integer({ min: 0, max: 255 }), chunkSizes(0x9000), (x, lfanew, pad, fill, sizes) => {
        const bytes = Buffer.concat([x.bytes, Buffer.alloc(pad, fill)]);
        bytes.writeUInt32LE(lfanew, 0x3c);
        const got = expectSame(bytes, x.name, sizes).result;
        if (got.skipped.some((k) => /MZ header/.test(k.reason))) unknown++;
      }),
      { numRuns: RUNS * 10 },
    );
    expect(unknown).toBe(0);
  });

  it("a DOS executable with a far e_lfanew and its entry point past the head: found, whatever the chunking", () => {
    const host = Buffer.from(gen.randomHostWithParams("mz", 3).bytes);
    const big = Buffer.concat([host, Buffer.alloc(0x30000, 0x90)]); // a larger load image (e_cblp, e_cp)
    big.writeUInt16LE(big.length % 512, 2);
    big.writeUInt16LE(Math.ceil(big.length / 512), 4);
    // Data after the body (an overlay), so a verdict can come before the end.
    const bytes = Buffer.concat([gen.INFECTORS["DOS.Exetail.A"].infect(big), Buffer.alloc(0x8000, 0x33)]);
    bytes.writeUInt32LE(0x20000, 0x3c); // garbage there: no PE/NE signature
    const full = engine.scan(bytes, { name: "x.exe" });
    expect(top(full).map((d) => [d.name, d.anchor])).toEqual([["DOS.Exetail.A", "entry"]]);
    expect(top(full)[0].anchorOffset).toBeGreaterThan(0x30000);
    for (const size of [0x40000, 0x10000, 4096, 777]) {
      const got = expectSame(bytes, "x.exe", [size]);
      expect(got.result.detections.map((d) => d.name)).toEqual(["DOS.Exetail.A"]);
      if (size < 0x10000) expect(got.earlyAt).toBeLessThan(bytes.length);
    }
  });

  it("type 1/2 records run when the stream was kept whole, and are listed as not run otherwise", () => {
    const veil = samples.find((s) => s.path === "infected/veil-a/veil-01.com")!;
    const small = stream(engine, veil.bytes, [64], { name: veil.name }).result;
    expect(small.detections).toEqual(top(engine.scan(veil.bytes, { name: veil.name })));
    expect(small.detections.map((d) => d.name)).toEqual(["DOS.Veil.A"]);
    const big = stream(engine, Buffer.concat([veil.bytes, Buffer.alloc(0x20000)]), [0x4000], { name: veil.name }).result;
    expect(big.verdict).toBe("incomplete");
    expect(big.skipped.map((s) => s.reason)).toEqual([expect.stringMatching(/type 1\/2 record.* not run on a stream longer than 65536 bytes/)]);
  });

  it("validates its options and its use", () => {
    expect(() => engine.streamScanner({ limits: {} } as never)).toThrow(/unknown option "limits"/);
    expect(() => engine.streamScanner({ firstOnly: "yes" } as never)).toThrow(/firstOnly must be a boolean/);
    const s = engine.streamScanner();
    expect(() => s.write("text" as never)).toThrow(TypeError);
    const r = s.end();
    expect(r.verdict).toBe("clean");
    expect(r.types).toEqual([]);
    expect(s.end()).toBe(r);
    expect(() => s.write(new Uint8Array(1))).toThrow(/after end/);
  });
});

describe("a file read only where the records need bytes (nextNeeded, skipTo)", () => {
  it("samples inside long files, before or after padding: the answer writing every byte gives, from a few hundred KiB", () => {
    let saved = 0;
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.integer({ min: 0x30000, max: 0x200000 }), fc.boolean(), fc.integer({ min: 0, max: 255 }), chunkSizes(0x10000), (x, pad, before, fill, sizes) => {
        const bytes = before ? Buffer.concat([Buffer.alloc(pad, fill), x.bytes]) : Buffer.concat([x.bytes, Buffer.alloc(pad, fill)]);
        const all = stream(engine, bytes, [0x100000], { name: x.name }).result;
        const sp = sparse(engine, bytes, sizes, { name: x.name });
        expect(decided(sp.result)).toEqual(decided(all));
        expect(sp.written).toBeLessThanOrEqual(all.stream.retainedBound + 3 * Math.max(...sizes));
        saved += bytes.length - sp.written;
      }),
      { numRuns: RUNS * 5 },
    );
    expect(saved).toBeGreaterThan(0);
  });

  it("an entry point 768 KiB into a 3 MiB file: its region is read, the rest passed over", () => {
    const host = Buffer.from(gen.randomHostWithParams("mz", 3).bytes);
    const big = Buffer.concat([host, Buffer.alloc(0xc0000, 0x90)]); // a DOS load image ends below 1 MiB
    big.writeUInt16LE(big.length % 512, 2);
    big.writeUInt16LE(Math.ceil(big.length / 512), 4);
    const bytes = Buffer.concat([gen.INFECTORS["DOS.Exetail.A"].infect(big), Buffer.alloc(0x200000, 0x33)]);
    const full = engine.scan(bytes, { name: "x.exe" });
    expect(top(full).map((d) => [d.name, d.anchor])).toEqual([["DOS.Exetail.A", "entry"]]);
    expect(top(full)[0].anchorOffset).toBeGreaterThan(0xc0000);
    const sp = sparse(engine, bytes, [0x1000], { name: "x.exe" });
    expect(sp.result.detections).toEqual(top(full));
    expect(sp.result.verdict).toBe("infected");
    expect(sp.written).toBeLessThan(0x40000);
  });

  it("refuses to pass over bytes it needs, and an end without the last bytes", () => {
    const bytes = Buffer.alloc(0x100000, 0x41);
    const early = engine.streamScanner();
    early.write(bytes.subarray(0, 100));
    expect(() => early.skipTo(0x80000)).toThrow(/the head\) must be written/);
    const s = engine.streamScanner();
    s.write(bytes.subarray(0, 0x10000));
    expect(s.nextNeeded(bytes.length)).toBe(bytes.length - 65_557);
    expect(() => s.skipTo(100)).toThrow(RangeError);
    s.skipTo(0x80000); // then write only part of the tail
    s.write(bytes.subarray(0x80000, 0x80100));
    expect(() => s.end()).toThrow(/were not all written after skipTo/);
  });
});

describe("memory is bounded by the database, not the stream", () => {
  it("200 MB in 64 KiB chunks: retained bytes stay within the database's bound; start and end records both found", () => {
    const ext = engine.db.anchorExtents();
    // head + tail ring + entry region + a far e_lfanew's 4 signature bytes
    const bound = Math.max(0x10000, ext[0].hi) + Math.max(65_557, -ext[1].lo) + (ext[2].used ? ext[2].hi - ext[2].lo : 0) + 4;
    const eicar = samples.find((s) => s.path === "infected/eicar.com")!.bytes;
    const trailer = samples.find((s) => s.path === "infected/trailer-a/script.sh")!.bytes;
    const block = Buffer.alloc(0x10000);
    for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
    const total = 200 * 1024 * 1024;
    const s = engine.streamScanner({ name: "stream.bin" });
    expect(s.retainedBound).toBe(bound);
    let written = 0;
    let maxRetained = 0;
    const first = Buffer.from(block);
    eicar.copy(first, 0);
    while (written < total) {
      let chunk = written === 0 ? first : block;
      if (written + chunk.length >= total) chunk = Buffer.concat([block.subarray(0, total - written - trailer.length), trailer]);
      s.write(chunk);
      written += chunk.length;
      maxRetained = Math.max(maxRetained, s.retainedBytes);
      expect(s.retainedBytes).toBeLessThanOrEqual(bound);
    }
    const r = s.end();
    expect(r.stream.bytes).toBe(total);
    expect(r.stream.retainedBytes).toBeLessThanOrEqual(bound);
    expect(maxRetained).toBeLessThan(300 * 1024);
    expect(r.stream.infectedAt).toBe(0x10000);
    expect(r.detections.map((d) => [d.name, d.anchor, d.offset])).toEqual([
      ["Test.EICAR.68", "start", 0],
      ["Generic.Trailer.A", "end", total - 0x1a0],
    ]);
  });
  it("past 4 GiB (1 MiB chunks): end-anchored records are still measured from the true end", () => {
    const trailer = samples.find((s) => s.path === "infected/trailer-a/script.sh")!.bytes;
    const block = Buffer.alloc(1 << 20, 0x20);
    const last = Buffer.concat([block.subarray(0, block.length - trailer.length), trailer]);
    const total = 4.5 * 1024 * 1024 * 1024;
    const s = engine.streamScanner();
    for (let written = 0; written < total; written += block.length) s.write(written + block.length >= total ? last : block);
    const r = s.end();
    expect(r.stream.bytes).toBe(total);
    expect(r.detections.map((d) => [d.name, d.offset, d.anchorOffset])).toEqual([["Generic.Trailer.A", total - 0x1a0, total]]);
    expect(r.stream.retainedBytes).toBeLessThanOrEqual(s.retainedBound);
  });
});

describe("stream = scan on a synthetic database (bench generator: start, end and start+at records, type 4)", () => {
  let bench: Engine;
  let records: { id: number; name: string; type: number; anchor: string; lo: number; hi: number; text: boolean; filetypes?: string[] }[];

  beforeAll(async () => {
    ({ records } = generateRecords({ count: 3000, perFamily: 50, seed: "stream" }));
    const text = "records:\n" + records.map(recordYaml).join("\n") + "\n";
    const r = await compileSources([{ path: "bench.yaml", text }]);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    bench = await Engine.load(r.bytes!, { allowUnsigned: true });
  });

  it("the key table finds every index key's run of rows, and nothing for any other word", () => {
    const db = bench.db;
    const { keys } = db.keyTable();
    const runs = new Map<number, [number, number]>();
    for (let k = 0; k < db.keyCount; k++) runs.set(keys[2 * k], [keys[2 * k + 1], keys[2 * k + 3]]);
    expect(runs.size).toBe(db.keyCount);
    expect(db.keyCount).toBeGreaterThan(1000); // enough keys that many share a first slot
    const wrong: string[] = [];
    const run = new Uint32Array(2);
    for (let p = 0; p < db.probeCount; p++)
      for (let w = 0; w < 0x10000; w++) {
        const rows = db.candidateRun(p, w, run);
        const want = runs.get(((p << 16) | w) >>> 0) ?? [0, 0];
        if (run[0] !== want[0] || run[1] !== want[1] || rows !== want[1] - want[0]) wrong.push(`probe ${p} word ${w}: ${run} (${rows} rows) instead of ${want}`);
      }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("random hosts with planted codes, random chunkings", () => {
    const hosts: HostKind[] = ["pe32", "pe64", "mz", "text", "com"];
    const seen = { detections: 0, type4: 0, end: 0, early: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom<HostKind | "random">("random", ...hosts),
        fc.integer({ min: 0, max: 0x30000 }),
        fc.array(fc.nat(records.length - 1), { minLength: 0, maxLength: 4 }),
        chunkSizes(0x9000),
        (seed, kind, pad, picks, sizes) => {
          const host = kind === "random" ? Buffer.from(Array.from({ length: 0x800 }, (_, i) => (i * 31 + seed) & 0xff)) : gen.randomHostWithParams(kind, seed).bytes;
          const bytes = Buffer.concat([host, Buffer.alloc(pad, kind === "text" ? 0x61 : 0)]);
          for (const i of picks) {
            const rec = records[i];
            const code = featureCode(rec, "stream") as Buffer;
            const at = rec.anchor === "start" ? rec.lo : bytes.length + rec.lo;
            // Start codes go after the host's header (the first 0x40 bytes stay) when they fit.
            if (at >= 0 && at + code.length <= bytes.length && (rec.anchor === "end" || at >= 0x40 || kind === "random")) code.copy(bytes, at);
          }
          const got = stream(bench, bytes, sizes, { name: kind === "com" ? "x.com" : "x.bin" });
          const full = bench.scan(bytes, { name: kind === "com" ? "x.com" : "x.bin" });
          expect(got.result.detections).toEqual(top(full));
          expect(got.result.types).toEqual(full.types);
          expect(got.result.stats.candidates).toBe(full.stats.candidates);
          expect(got.maxRetained).toBeLessThanOrEqual(got.result.stream.retainedBound);
          const d = got.result.detections;
          seen.detections += d.length;
          seen.type4 += d.filter((x) => x.type === 4).length;
          seen.end += d.filter((x) => x.anchor === "end").length;
          if (got.earlyAt !== undefined && got.earlyAt < bytes.length) seen.early++;
        },
      ),
      // A fixed seed: the coverage check below must not depend on the draw (it failed once on a random one).
      { numRuns: RUNS * 25, seed: 0x5eed },
    );
    // The property saw what it is about: detections of every kind, some of them before the end.
    expect(Object.values(seen).every((n) => n > 0), JSON.stringify(seen)).toBe(true);
  });
});

describe("tgvx scan - (standard input through the stream scanner)", () => {
  const bin = join(root, "packages/cli/bin/tgvx.js");
  const db = join(mkdtempSync(join(tmpdir(), "tgvx-stream-")), "main.tgvxdb");
  const tgvx = (args: string[], input: Uint8Array) => spawnSync(process.execPath, [bin, "scan", "--db", db, "--allow-unsigned", ...args], { cwd: root, input, encoding: "utf8" });

  beforeAll(() => {
    writeFileSync(db, engine.db.bytes);
  });

  it("reports what the stream carries, with decisions, and files given beside it", () => {
    const eicar = samples.find((s) => s.path === "infected/eicar.com")!.bytes;
    const r = tgvx(["--json", "-", "samples/clean/com-host-1.com"], Buffer.concat([eicar, Buffer.alloc(0x30000, 0x20)]));
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { files: { path: string; status: string; detections: { name: string; anchor: string; offset: number; action: string }[] }[] };
    expect(out.files.map((f) => [f.path, f.status])).toEqual([
      ["stdin", "infected"],
      ["samples/clean/com-host-1.com", "clean"],
    ]);
    expect(out.files[0].detections).toMatchObject([{ name: "Test.EICAR.68", anchor: "start", offset: 0 }]);
    expect(out.files[0].detections[0].action).toBeTruthy();
  });

  it("a stream it could not check fully is not OK; a short container is opened as a file would be", () => {
    const eicar = samples.find((s) => s.path === "infected/eicar.com")!.bytes;
    const filler = Uint8Array.from({ length: 0x30000 }, (_, i) => (i * 2654435761) >>> 24); // longer than the scanner keeps
    const r = tgvx(["--no-summary", "-"], zipSync({ "filler.bin": [filler, { level: 0 }], "eicar.com": eicar }));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^stdin: OK, NOT FULLY SCANNED \(.*not unpacked: zip archive longer than/);
    const zip = samples.find((s) => s.path === "infected/containers/eicar.zip")!.bytes;
    const asFile = tgvx(["--no-summary", "--json", join(root, "samples/infected/containers/eicar.zip")], new Uint8Array());
    const asStream = tgvx(["--no-summary", "--json", "-"], zip);
    expect(asStream.status).toBe(1);
    const files = (out: string) => (JSON.parse(out) as { files: { detections: unknown[]; status: string; objects: number }[] }).files[0];
    expect(files(asStream.stdout)).toMatchObject({ status: "infected", objects: files(asFile.stdout).objects, detections: files(asFile.stdout).detections });
    const clean = tgvx(["--no-summary", "-"], samples.find((s) => s.path === "clean/random.bin")!.bytes);
    expect(clean.stdout).toBe("stdin: OK\n");
  });

  it("a short input is read whole and scanned once, as the file is: the code analyzer runs on it too", () => {
    const flipped = join(root, "samples/near-miss/pesection-a-flipped.exe");
    const ini = join(mkdtempSync(join(tmpdir(), "tgvx-stream-ini-")), "tgvx.ini");
    writeFileSync(ini, "CodeAnalyzer=Yes\n");
    const fileOf = (out: string) => (JSON.parse(out) as { files: Record<string, unknown>[] }).files[0];
    const asFile = fileOf(tgvx(["--json", "--config", ini, flipped], new Uint8Array()).stdout);
    const asStream = tgvx(["--json", "--config", ini, "-"], readFileSync(flipped));
    expect(asStream.status).toBe(1);
    expect(asFile).toMatchObject({ status: "suspicious", detections: [expect.objectContaining({ name: "Heuristics.PE.WritableEntrySection" })] });
    expect({ ...fileOf(asStream.stdout), path: flipped }).toEqual(asFile);
  });
});

describe("tgvx scan: a file over --max-filesize is scanned as a stream", () => {
  const bin = join(root, "packages/cli/bin/tgvx.js");
  const dir = mkdtempSync(join(tmpdir(), "tgvx-large-"));
  const db = join(dir, "main.tgvxdb");
  const tree = join(dir, "files");
  const PAD = 0x30000; // past everything the stream scanner keeps: these files are never held whole
  type Report = { files: { path: string; status: string; detections: { name: string; anchor: string; offset: number }[]; notScanned: { reason: string }[] }[] };
  const scan = (args: string[]) => {
    const r = spawnSync(process.execPath, [bin, "scan", "--db", db, "--allow-unsigned", "--json", ...args, tree], { cwd: root, encoding: "utf8" });
    return { status: r.status, out: JSON.parse(r.stdout) as Report };
  };

  beforeAll(() => {
    writeFileSync(db, engine.db.bytes);
    mkdirSync(tree);
    // Every infected sample that is not a container, made long: padding after it (an overlay) keeps
    // start- and entry-anchored records in place; padding before a plain-text one keeps its end.
    for (const s of samples.filter((x) => x.path.startsWith("infected/") && !x.path.includes("/containers/"))) {
      const text = s.path.endsWith(".txt") || s.path.endsWith(".sh");
      const pad = Buffer.alloc(PAD, text ? 0x20 : 0);
      writeFileSync(join(tree, s.path.replaceAll("/", "_")), text ? Buffer.concat([pad, s.bytes]) : Buffer.concat([s.bytes, pad]));
    }
  });

  it("finds what a whole read finds, and says what a stream could not do", () => {
    const whole = scan([]);
    const streamed = scan(["--max-filesize", "64K"]);
    expect(streamed.status).toBe(whole.status);
    expect(streamed.out.files.map((f) => f.path)).toEqual(whole.out.files.map((f) => f.path));
    const anchors = new Set<string>();
    for (const [i, w] of whole.out.files.entries()) {
      const s = streamed.out.files[i];
      expect(s.detections, s.path).toEqual(w.detections);
      for (const d of s.detections) anchors.add(d.anchor);
      // The database has a type 1/2 record: a stream that long cannot run it, so nothing is OK.
      expect(s.status, s.path).toBe(w.status === "clean" ? "incomplete" : w.status);
      expect(s.notScanned.map((n) => n.reason)).toContainEqual(expect.stringMatching(/type 1\/2 record .* not run on a stream/));
      expect(s.notScanned[0].reason).toMatch(/^larger than --max-filesize 65536: scanned as a stream, not read whole/); // why, first
    }
    // The comparison covered records of every anchor the stream scanner decides.
    expect([...anchors].sort()).toEqual(["end", "entry", "start"]);
    expect(whole.out.files.filter((f) => f.status === "infected").length).toBeGreaterThan(10);
  });

  it("a 4 GiB file (sparse on disk) is decided from the few parts its records need: a record at each end found, under 1 MiB read", () => {
    const eicar = samples.find((x) => x.path === "infected/eicar.com")!.bytes;
    const trailer = samples.find((x) => x.path === "infected/trailer-a/script.sh")!.bytes;
    const file = join(dir, "disk.img");
    const size = 4 * 2 ** 30;
    const fd = openSync(file, "w");
    writeSync(fd, eicar, 0, eicar.length, 0);
    writeSync(fd, trailer, 0, trailer.length, size - trailer.length);
    closeSync(fd);
    const r = spawnSync(process.execPath, [bin, "scan", "--db", db, "--allow-unsigned", "--json", file], { cwd: root, encoding: "utf8" });
    rmSync(file);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as Report & { summary: { dataScannedBytes: number } };
    expect(out.files[0].detections.map((d) => [d.name, d.anchor, d.offset])).toEqual([
      ["Test.EICAR.68", "start", 0],
      ["Generic.Trailer.A", "end", expect.any(Number)],
    ]);
    expect(out.files[0].detections[1].offset).toBeGreaterThan(size - trailer.length - 1);
    expect(out.summary.dataScannedBytes).toBeLessThan(2 ** 20);
  });

  it("tgvx clean refuses a file too large to hold in memory, saying why, and leaves it as it was; tgvx scan checks it", () => {
    const eicar = samples.find((x) => x.path === "infected/eicar.com")!.bytes;
    const file = join(dir, "huge.bin");
    const fd = openSync(file, "w");
    writeSync(fd, eicar, 0, eicar.length, 0);
    ftruncateSync(fd, 3 * 2 ** 30);
    closeSync(fd);
    const clean = spawnSync(process.execPath, [bin, "clean", "--db", db, "--allow-unsigned", "--json", file], { cwd: root, encoding: "utf8" });
    const scanned = spawnSync(process.execPath, [bin, "scan", "--db", db, "--allow-unsigned", "--json", file], { cwd: root, encoding: "utf8" });
    const size = statSync(file).size;
    rmSync(file);
    expect(clean.status).toBe(2);
    expect(JSON.parse(clean.stdout).files[0]).toMatchObject({ status: "error", code: "TOO_LARGE", reason: expect.stringMatching(/^3221225472 bytes: cleaning holds a file in memory/) });
    expect(size).toBe(3 * 2 ** 30); // not changed
    expect(scanned.status).toBe(1);
    expect((JSON.parse(scanned.stdout) as Report).files[0].detections.map((d) => d.name)).toEqual(["Test.EICAR.68"]);
  });

  it("--max-filesize past what can be read whole: a file over 4 GiB is an error saying so, not a crash", () => {
    const file = join(dir, "over4g.bin");
    const fd = openSync(file, "w");
    ftruncateSync(fd, 5 * 2 ** 30);
    closeSync(fd);
    const r = spawnSync(process.execPath, [bin, "scan", "--db", db, "--allow-unsigned", "--max-filesize", "8G", "--no-summary", file], { cwd: root, encoding: "utf8" });
    rmSync(file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}: ERROR 5368709120 bytes or more: larger than a file read whole can be (4294967295 bytes); a lower --max-filesize scans it by parts`);
  });

  it("a FIFO given by name (`<(...)`) is read as a stream; a device given by name is an error, not a silent skip", () => {
    const trailer = samples.find((x) => x.path === "infected/trailer-a/script.sh")!;
    const file = join(dir, "long-trailer.sh");
    writeFileSync(file, Buffer.concat([Buffer.alloc(PAD, 0x20), trailer.bytes]));
    const r = spawnSync("bash", ["-c", `"${process.execPath}" "${bin}" scan --db "${db}" --allow-unsigned --json <(cat "${file}") /dev/null`], { cwd: root, encoding: "utf8" });
    expect(r.status).toBe(2); // /dev/null was not scanned: an error outranks the detection
    const files = (JSON.parse(r.stdout) as Report).files;
    expect(files).toHaveLength(2);
    const whole = spawnSync(process.execPath, [bin, "scan", "--db", db, "--allow-unsigned", "--json", file], { cwd: root, encoding: "utf8" });
    expect(files[0]).toMatchObject({ status: "infected", detections: (JSON.parse(whole.stdout) as Report).files[0].detections });
    expect(files[0].detections).toMatchObject([{ name: "Generic.Trailer.A", anchor: "end" }]);
    expect(files[1]).toMatchObject({ path: "/dev/null", status: "error", error: expect.stringMatching(/^not a regular file \(a character device\): not read; to scan it, give it as standard input: tgvx scan - < \/dev\/null$/) });
    // tgvx clean says what it can do instead.
    const clean = spawnSync(process.execPath, [bin, "clean", "--db", db, "--allow-unsigned", "--json", "/dev/null"], { cwd: root, encoding: "utf8" });
    expect(clean.status).toBe(2);
    expect(JSON.parse(clean.stdout).files).toMatchObject([
      { path: "/dev/null", status: "error", reason: "not a regular file (a character device): not read; tgvx clean changes regular files only; to check it, give it to tgvx scan as standard input: tgvx scan - < /dev/null" },
    ]);
  });
});

describe("analyzeHeadInto: the head (and tail) of an object give what analyzeObjectInto gives for the whole", () => {
  it("random hosts of every kind, with overlays, cut where the stream scanner cuts", () => {
    const kinds: HostKind[] = ["com", "mz", "ne", "pe32", "pe64", "boot", "text", "zip"];
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0x30000 }), fc.integer({ min: 0, max: 255 }), (kind, seed, pad, fill) => {
        const host = gen.randomHostWithParams(kind, seed).bytes;
        const bytes = Buffer.concat([host, Buffer.alloc(pad, fill)]);
        const name = kind === "com" ? "x.com" : "x.bin";
        const whole = analyzeObject(bytes, name);
        const cut = Math.max(STREAM_HEAD_MIN, headerExtent(bytes.subarray(0, STREAM_HEAD_MIN)));
        const anchors = new Int32Array(4);
        const warnings: { code: string }[] = [];
        const types = analyzeHeadInto(bytes.subarray(0, cut), bytes.length, bytes.subarray(Math.max(0, bytes.length - 65_557)), name, anchors, warnings as never);
        expect([types, [...anchors], warnings]).toEqual([whole.types, [...whole.anchors], whole.warnings]);
        // While the object is still arriving (size unknown), a complete header already gives its entry point.
        const need = headerExtent(bytes);
        if (need > 0 && need <= bytes.length) {
          expect(headerExtent(bytes.subarray(0, need))).toBe(need);
          const early = new Int32Array(4);
          const t = analyzeHeadInto(bytes.subarray(0, need), Infinity, undefined, name, early, []);
          expect(t & 0b11110).toBe(whole.types & 0b11110); // mz, ne, pe32, pe64
          expect(whole.anchors[2] === -1 || early[2] === whole.anchors[2]).toBe(true);
        }
      }),
      { numRuns: RUNS * 25 },
    );
  });
});
