#!/usr/bin/env node
/**
 * tgvx stream scanner benchmark: throughput and memory of `engine.streamScanner` on a long
 * synthetic stream, with the foundation bench's database (100,000 records by default).
 *
 *   node bench/stream.mjs [--records 100000] [--mb 1024] [--chunks 4096,65536,1048576] [--runs 3]
 *                         [--seed 1] [--work DIR]
 *
 * 1. generates the records with bench/lib/bench-records.mjs (the generator of foundation.mjs) and
 *    compiles them in-process (cached in WORK/stream-<records>-<content hash>.tgvxdb);
 * 2. makes two streams of --mb MiB from a 1 MiB pseudo-random block, repeated: binary, and text
 *    (so type 4 [text] records are in play), each carrying a start-anchored record's feature code
 *    at its start and an end-anchored one's at its end (both must be found);
 * 3. feeds each stream in chunks of each size (the chunks are views of one buffer, so the stream
 *    itself costs no memory) and times write() .. end(): MiB/s, median of --runs; notes when the
 *    verdict "infected" came (bytes written), the scanner's peak retained bytes against the
 *    database's bound, and the process RSS growth over the run;
 * 4. reads each stream as a file can be read, only where the records need bytes (nextNeeded,
 *    skipTo, reads of 256 KiB): time and bytes read; the detections must be the same;
 * 5. for reference, engine.scan over a 64 MiB prefix held whole in memory (the stream scanner's
 *    answer on that prefix must be the same);
 * 6. prints a markdown table and writes WORK/stream-results.json.
 *
 * Plain Node 20 ESM; run `npm run build` first. Deterministic for a seed; nothing here is real malware.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { databaseWriterStamp, featureCode, generateRecords, recordYaml } from "./lib/bench-records.mjs";
import { benchCli, importBuilt } from "./lib/cli.mjs";
import { keystream, median, round, toText } from "./lib/synthetic.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MiB = 1024 * 1024;

const { args, int, log } = benchCli("stream", {
  records: { type: "string", default: "100000" },
  mb: { type: "string", default: "1024" },
  chunks: { type: "string", default: "4096,65536,1048576" },
  runs: { type: "string", default: "3" },
  seed: { type: "string", default: "1" },
  work: { type: "string", default: join(REPO, "bench", ".work"), hint: "DIR" },
});
const N_RECORDS = int(args.records, "records");
const STREAM_MIB = int(args.mb, "mb", 2);
const CHUNKS = args.chunks.split(",").map((c) => int(c.trim(), "chunks"));
const RUNS = int(args.runs, "runs");
const SEED = args.seed;
const WORK = resolve(args.work);

const [engineMod, compilerMod] = await importBuilt("stream", "@tgvx/engine", "@tgvx/compiler");
const { Engine } = engineMod;

// 1. database -----------------------------------------------------------------------------------

mkdirSync(WORK, { recursive: true });
const { records } = generateRecords({ count: N_RECORDS, seed: SEED });
// 1,000 records per YAML file, as foundation.mjs writes them (one huge document loads far slower).
const sources = [];
for (let i = 0; i < records.length; i += 1000)
  sources.push({ path: `bench-stream-${i}.yaml`, text: "records:\n" + records.slice(i, i + 1000).map(recordYaml).join("\n") + "\n" });
// Cached by the records' content and the database writer: a changed generator, format or writer
// never reuses a stale database.
const digest = createHash("sha256").update(`${databaseWriterStamp(engineMod.FORMAT_VERSION)}\n`);
for (const s of sources) digest.update(s.text);
const dbPath = join(WORK, `stream-${N_RECORDS}-${digest.digest("hex").slice(0, 12)}.tgvxdb`);
if (!existsSync(dbPath)) {
  const t0 = performance.now();
  const r = await compilerMod.compileSources(sources);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (!r.bytes || errors.length) throw new Error(`compile failed: ${JSON.stringify(errors.slice(0, 5))}`);
  writeFileSync(dbPath, r.bytes);
  log(`compiled ${N_RECORDS} records in ${Math.round(performance.now() - t0)} ms -> ${dbPath}`);
} else log(`using ${dbPath}`);
const engine = await Engine.load(readFileSync(dbPath), { allowUnsigned: true });
const ext = engine.db.anchorExtents();

// 2. streams ------------------------------------------------------------------------------------

const total = STREAM_MIB * MiB;
function makeStream(kind) {
  // One 1 MiB block, repeated: the stream is `total` bytes seen through views, never allocated.
  const block = keystream(SEED, `stream-${kind}`, 0, MiB);
  if (kind === "text") toText(block);
  // The text stream carries type 4 [text] codes (printable: the stream stays text), the binary one type 3 codes.
  const pick = (pred) => {
    const r = records.find((x) => pred(x) && (kind === "text" ? x.type === 4 && x.text : x.type === 3));
    if (!r) throw new Error(`no suitable ${kind} record among ${records.length}: use more --records`);
    return r;
  };
  const start = pick((r) => r.kind === "start" && r.at === 0);
  const end = pick((r) => r.anchor === "end");
  const first = Buffer.from(block);
  const startCode = featureCode(start, SEED);
  startCode.copy(first, start.lo);
  const last = Buffer.from(block);
  const endCode = featureCode(end, SEED);
  endCode.copy(last, MiB + end.lo);
  return { kind, block, first, last, expected: [start.name, end.name].sort() };
}
const streams = [makeStream("binary"), makeStream("text")];

/** Chunk views of stream `s` in order: the first MiB from `first`, the last from `last`, the rest from `block`. */
function* chunksOf(s, size, limit = total) {
  for (let off = 0; off < limit; ) {
    const mib = Math.floor(off / MiB);
    const within = off - mib * MiB;
    const src = mib === 0 ? s.first : (mib + 1) * MiB >= limit && limit === total ? s.last : s.block;
    const n = Math.min(size, MiB - within, limit - off);
    yield src.subarray(within, within + n);
    off += n;
  }
}

// 3. stream runs --------------------------------------------------------------------------------

function runStream(s, size) {
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const sc = engine.streamScanner({ name: `stream.${s.kind === "text" ? "txt" : "bin"}` });
  let rssPeak = rss0;
  let n = 0;
  for (const c of chunksOf(s, size)) {
    sc.write(c);
    if ((++n & 1023) === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  const r = sc.end();
  const ms = performance.now() - t0;
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const got = r.detections.map((d) => d.name).sort();
  if (got.join("|") !== s.expected.join("|")) throw new Error(`${s.kind} stream, ${size}-byte chunks: found ${got.join(", ") || "nothing"}, expected ${s.expected.join(", ")}`);
  return { ms, result: r, rssGrowthKiB: Math.round((rssPeak - rss0) / 1024), writes: n };
}

const results = {
  params: { records: N_RECORDS, streamMiB: STREAM_MIB, chunks: CHUNKS, runs: RUNS, seed: SEED },
  machine: { node: process.version, cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length },
  database: {
    records: engine.db.recordCount,
    startExtent: ext[0].hi,
    endExtent: ext[1].used ? -ext[1].lo : 0,
    entrySpan: ext[2].used ? ext[2].hi - ext[2].lo : 0,
    retainedBound: engine.streamScanner().retainedBound,
  },
  runs: [],
};
for (const s of streams) {
  for (const size of CHUNKS) {
    runStream(s, size); // warm-up
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(runStream(s, size));
    const ms = median(runs.map((x) => x.ms));
    const r = runs[0].result;
    const row = {
      stream: s.kind,
      chunk: size,
      writes: runs[0].writes,
      msMedian: round(ms, 1),
      mibPerSec: Math.round(STREAM_MIB / (ms / 1000)),
      infectedAtBytes: r.stream.infectedAt,
      retainedPeak: r.stream.retainedBytes,
      retainedBound: r.stream.retainedBound,
      rssGrowthKiBMax: Math.max(...runs.map((x) => x.rssGrowthKiB)),
      verdict: r.verdict,
      detections: r.detections.map((d) => `${d.name}@${d.anchor}+${d.offset - d.anchorOffset}`),
    };
    results.runs.push(row);
    log(`${s.kind}, ${size}-byte chunks: ${row.msMedian} ms, ${row.mibPerSec} MiB/s, retained ${row.retainedPeak} of ${row.retainedBound}`);
  }
}

// 4. by parts: a file read only where the records need bytes ----------------------------------

const PART = 256 * 1024;
/** Bytes [at, at + n) of stream `s` (n <= 1 MiB), as a file read at a position would give them. */
function bytesAt(s, at, n) {
  const out = new Uint8Array(n);
  for (let done = 0; done < n; ) {
    const mib = Math.floor((at + done) / MiB);
    const within = at + done - mib * MiB;
    const src = mib === 0 ? s.first : (mib + 1) * MiB >= total ? s.last : s.block;
    const k = Math.min(n - done, MiB - within);
    out.set(src.subarray(within, within + k), done);
    done += k;
  }
  return out;
}
function runParts(s) {
  const t0 = performance.now();
  const sc = engine.streamScanner({ name: `stream.${s.kind === "text" ? "txt" : "bin"}` });
  let read = 0;
  let reads = 0;
  for (let at; (at = sc.nextNeeded(total)) < total; reads++) {
    sc.skipTo(at);
    const n = Math.min(PART, total - at);
    sc.write(bytesAt(s, at, n));
    read += n;
  }
  const r = sc.end();
  const ms = performance.now() - t0;
  const got = r.detections.map((d) => d.name).sort();
  if (got.join("|") !== s.expected.join("|")) throw new Error(`${s.kind} stream by parts: found ${got.join(", ") || "nothing"}, expected ${s.expected.join(", ")}`);
  return { ms, read, reads };
}
results.parts = [];
for (const s of streams) {
  runParts(s); // warm-up
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(runParts(s));
  const row = { stream: s.kind, partBytes: PART, reads: runs[0].reads, bytesRead: runs[0].read, msMedian: round(median(runs.map((x) => x.ms)), 2) };
  results.parts.push(row);
  log(`${s.kind}, by parts: ${row.msMedian} ms, ${row.bytesRead} bytes read in ${row.reads} reads`);
}

// 5. reference: engine.scan of a prefix held whole ---------------------------------------------

const refMiB = Math.min(64, STREAM_MIB);
const ref = [];
for (const s of streams) {
  const whole = Buffer.concat([...chunksOf(s, MiB, refMiB * MiB)]);
  const times = [];
  let scan;
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    scan = engine.scan(whole, { name: `stream.${s.kind === "text" ? "txt" : "bin"}` });
    if (i) times.push(performance.now() - t0);
  }
  const streamTimes = [];
  let st;
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const sc = engine.streamScanner({ name: `stream.${s.kind === "text" ? "txt" : "bin"}` });
    for (const c of chunksOf(s, 65536, refMiB * MiB)) sc.write(c);
    st = sc.end();
    if (i) streamTimes.push(performance.now() - t0);
  }
  const streamMs = median(streamTimes);
  const same = JSON.stringify(st.detections) === JSON.stringify(scan.detections.filter((d) => d.path.length === 0));
  if (!same) throw new Error(`${s.kind}: stream and scan disagree on the ${refMiB} MiB prefix`);
  ref.push({ stream: s.kind, mib: refMiB, scanMsMedian: round(median(times), 1), streamMs: round(streamMs, 1), sameDetections: same });
}
results.reference = ref;

// 6. report -------------------------------------------------------------------------------------

const fmt = (n) => n.toLocaleString("en-US");
const d = results.database;
const lines = [
  `Machine: Node ${results.machine.node}, ${results.machine.cpu} (${results.machine.cores} cores)`,
  `Database: ${fmt(d.records)} records; start extent ${fmt(d.startExtent)} B, end extent ${fmt(d.endExtent)} B, entry span ${fmt(d.entrySpan)} B -> stream scanner bound ${fmt(d.retainedBound)} B`,
  `Stream: ${fmt(STREAM_MIB)} MiB, a start-anchored and an end-anchored feature code planted (both found in every run)`,
  "",
  "| Stream | Chunk | Writes | Time (median of " + RUNS + ") | Throughput | Infected known at | Retained peak / bound | RSS growth |",
  "|---|---|---|---|---|---|---|---|",
  ...results.runs.map(
    (r) =>
      `| ${r.stream} | ${fmt(r.chunk)} B | ${fmt(r.writes)} | ${fmt(r.msMedian)} ms | ${fmt(r.mibPerSec)} MiB/s | ${fmt(r.infectedAtBytes)} B | ${fmt(r.retainedPeak)} / ${fmt(r.retainedBound)} B | ${fmt(r.rssGrowthKiBMax)} KiB |`,
  ),
  "",
  `Read as a file by parts (nextNeeded/skipTo, reads of ${fmt(PART)} B, median of ${RUNS}): ` +
    results.parts.map((r) => `${r.stream}: ${fmt(r.msMedian)} ms, ${fmt(r.bytesRead)} of ${fmt(total)} bytes read in ${r.reads} reads, same detections`).join("; "),
  "",
  `Reference, the first ${refMiB} MiB held whole (medians): ` + ref.map((r) => `${r.stream}: engine.scan ${r.scanMsMedian} ms, stream scanner (64 KiB chunks) ${r.streamMs} ms, same detections`).join("; "),
];
results.table = lines.join("\n");
writeFileSync(join(WORK, "stream-results.json"), JSON.stringify(results, null, 2) + "\n");
process.stdout.write(results.table + "\n\nresults: " + join(WORK, "stream-results.json") + "\n");
