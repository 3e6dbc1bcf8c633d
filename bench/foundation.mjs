#!/usr/bin/env node
/**
 * tgvx foundation benchmark: compile, load and scan figures for a large synthetic database.
 *
 *   node bench/foundation.mjs [--records 100000] [--files 2000] [--work DIR] [--seed 1]
 *
 * 1. generates N inert type 3/4 records (YAML) from a seeded PRNG, each derived from a synthetic
 *    "feature code" (pseudo-random bytes carrying the banner TGVX-BENCH-INERT);
 * 2. generates a corpus of M files (1 KiB..1 MiB, log-uniform-ish), ~2% carrying one record's
 *    feature code at its anchor, plus a few "decoys" (type 4 codes planted into files of the
 *    wrong type, which must NOT be detected);
 * 3. measures compile (CLI), database size, load (in-process), scan (in-process and CLI);
 * 4. checks that the detections are exactly the planted ones (exit 1 otherwise);
 * 5. prints a markdown table and writes WORK/foundation-results.json.
 *
 * Plain Node 20 ESM, no dependencies beyond the workspace packages (run `npm run build` first).
 * Everything is deterministic for a given seed; nothing here is real malware.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateRecords, writeRecords } from "./lib/bench-records.mjs";
import { benchCli, importBuilt } from "./lib/cli.mjs";
import { generateCorpus as generateCorpusIn } from "./lib/corpus.mjs";
import { median, round } from "./lib/synthetic.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// ---------------------------------------------------------------------------------------------
// child mode: peak RSS of one Engine.load, measured in a fresh process

if (process.argv[2] === "--child-load-rss") {
  const { Engine } = await import("@tgvx/engine");
  globalThis.gc?.();
  const base = process.memoryUsage().rss; // after Node start and the engine import
  const bytes = readFileSync(process.argv[3]);
  globalThis.gc?.();
  const beforeLoad = process.memoryUsage();
  const t0 = performance.now();
  const engine = await Engine.load(bytes, { allowUnsigned: true }); // the bench's own unsigned build
  const ms = performance.now() - t0;
  const afterLoad = process.memoryUsage();
  const peak = process.resourceUsage().maxRSS * 1024; // bytes, lifetime peak
  process.stdout.write(
    JSON.stringify({
      ms,
      records: engine.db.recordCount,
      dbBytes: bytes.length,
      // Peak RSS above the pre-read baseline: the database bytes plus whatever loading needed.
      peakOverBaselineKiB: Math.round((peak - base) / 1024),
      // Resident growth across Engine.load alone (the bytes were already read).
      rssDeltaLoadKiB: Math.round((afterLoad.rss - beforeLoad.rss) / 1024),
      heapDeltaLoadKiB: Math.round((afterLoad.heapUsed + afterLoad.arrayBuffers - beforeLoad.heapUsed - beforeLoad.arrayBuffers) / 1024),
    }),
  );
  process.exit(0);
}

if (process.argv[2] === "--child-compile-breakdown") {
  const { findRecordFiles, readSources, recordsToImage } = await import("@tgvx/compiler");
  const { loadRecordSet } = await import("@tgvx/records");
  const { encodeDatabase } = await import("@tgvx/engine");
  const t0 = performance.now();
  const sources = await readSources(await findRecordFiles([process.argv[3]]));
  const t1 = performance.now();
  const loaded = loadRecordSet(sources);
  const t2 = performance.now();
  const made = recordsToImage(loaded.records);
  const img = made.image ?? made; // { image, diagnostics } since cleaning scripts; a bare image before
  const t3 = performance.now();
  const bytes = await encodeDatabase(img);
  const t4 = performance.now();
  process.stdout.write(
    JSON.stringify({
      readMs: Math.round(t1 - t0),
      parseValidateMs: Math.round(t2 - t1),
      imageMs: Math.round(t3 - t2),
      encodeMs: Math.round(t4 - t3),
      sameBytesAsCli: Buffer.compare(Buffer.from(bytes), readFileSync(process.argv[4])) === 0,
    }),
  );
  process.exit(0);
}

const { args, int, log } = benchCli("foundation", {
  records: { type: "string", default: "100000" },
  files: { type: "string", default: "2000" },
  work: { type: "string", default: join(REPO, "bench", ".work"), hint: "DIR" },
  seed: { type: "string", default: "1" },
  "per-family": { type: "string", default: "100" },
  "families-per-file": { type: "string", default: "10" },
});
const N_RECORDS = int(args.records, "records");
const N_FILES = int(args.files, "files");
const SEED = args.seed;
const PER_FAMILY = int(args["per-family"], "per-family");
const FAMILIES_PER_FILE = int(args["families-per-file"], "families-per-file");
const WORK = resolve(args.work);
const RECORDS_DIR = join(WORK, "records");
const CORPUS_DIR = join(WORK, "corpus");
const DB_PATH = join(WORK, "bench.tgvxdb");
const RESULTS_PATH = join(WORK, "foundation-results.json");

const [engineMod] = await importBuilt("foundation", "@tgvx/engine");
const { Engine, analyzeObject, sha256 } = engineMod;


// ---------------------------------------------------------------------------------------------
// 1. records: bench/lib/bench-records.mjs

// ---------------------------------------------------------------------------------------------
// 2. corpus

// bench/lib/corpus.mjs (shared with versus.mjs)
const generateCorpus = (records) =>
  generateCorpusIn({ records, files: N_FILES, seed: SEED, dir: CORPUS_DIR, manifestPath: join(WORK, "corpus-manifest.json"), engine: engineMod });

// ---------------------------------------------------------------------------------------------
// measurement helpers

const MiB = 1024 * 1024;

function run(cmd, argv, { okCodes = [0] } = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { cwd: REPO, encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (!okCodes.includes(r.status)) {
    throw new Error(`${cmd} ${argv.join(" ")} exited ${r.status}\n${(r.stderr || "").slice(0, 4000)}`);
  }
  return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function compare(files, actualByRel, label, failures) {
  let detections = 0;
  for (const f of files) {
    const want = f.expected.map((r) => r.name).sort();
    const got = actualByRel.get(f.rel);
    if (got === undefined) {
      failures.push(`${label}: ${f.rel} was not reported`);
      continue;
    }
    const have = [...got].sort();
    detections += have.length;
    if (want.join("|") !== have.join("|")) {
      const missing = want.filter((n) => !have.includes(n));
      const extra = have.filter((n) => !want.includes(n));
      failures.push(
        `${label}: ${f.rel}${f.decoy ? " (decoy)" : ""}: ${missing.length ? `missed ${missing.join(", ")}` : ""}${missing.length && extra.length ? "; " : ""}${extra.length ? `false positive ${extra.join(", ")}` : ""}`,
      );
    }
  }
  if (actualByRel.size !== files.length) failures.push(`${label}: ${actualByRel.size} files reported, ${files.length} in the corpus`);
  return detections;
}

// ---------------------------------------------------------------------------------------------
// main

mkdirSync(WORK, { recursive: true });
const results = {
  params: { records: N_RECORDS, files: N_FILES, seed: SEED, perFamily: PER_FAMILY, familiesPerFile: FAMILIES_PER_FILE, work: WORK },
  machine: {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memGiB: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
  },
  date: new Date().toISOString(),
};

let t = performance.now();
const { records, families } = generateRecords({ count: N_RECORDS, perFamily: PER_FAMILY, seed: SEED });
const recFiles = writeRecords(RECORDS_DIR, records, families, { familiesPerFile: FAMILIES_PER_FILE, seed: SEED });
const mix = { start: 0, end: 0, "start-at": 0, type4: 0, type4Text: 0 };
for (const r of records) {
  mix[r.kind]++;
  if (r.type === 4) mix.type4++;
  if (r.type === 4 && r.text) mix.type4Text++;
}
results.records = {
  count: records.length,
  families,
  yamlFiles: recFiles.files,
  yamlBytes: recFiles.bytes,
  mix,
  distinctWindowShapes: new Set(records.flatMap((r) => r.windows.map((w) => `${r.anchor}:${w.offset}:${w.length}`))).size,
  distinctProbes: new Set(records.map((r) => `${r.anchor}:${r.at}`)).size,
  distinctFirstWords: new Set(records.map((r) => r.first)).size,
  generateMs: Math.round(performance.now() - t),
};
log(`records: ${records.length} in ${recFiles.files} YAML files (${(recFiles.bytes / MiB).toFixed(1)} MiB) in ${results.records.generateMs} ms`);

t = performance.now();
const corpus = generateCorpus(records);
results.corpus = { files: N_FILES, bytes: corpus.totalBytes, planted: corpus.planted, decoys: corpus.decoys, generateMs: Math.round(performance.now() - t) };
log(`corpus: ${N_FILES} files, ${(corpus.totalBytes / MiB).toFixed(1)} MiB, ${corpus.planted} planted, ${corpus.decoys} decoys in ${results.corpus.generateMs} ms`);

// 3a. compile through the CLI (wall time includes npx and Node start-up)
const npxStart = [];
for (let i = 0; i < 3; i++) npxStart.push(run("npx", ["tgvx", "--version"]).ms);
// Cold: --no-cache (every file parsed). Warm: the compile cache in WORK/compile-cache, filled by
// one run first, nothing changed. One file changed: a comment appended to one record file (its
// text, so its cache key, changes; the records do not, so the database stays the same).
const COMPILE_CACHE = join(WORK, "compile-cache");
rmSync(COMPILE_CACHE, { recursive: true, force: true });
function compileOnce(label, extra) {
  const r = run("npx", ["tgvx", "compile", RECORDS_DIR, "-o", DB_PATH, "--json", ...extra]);
  const j = JSON.parse(r.stdout);
  if (!j.ok || j.records !== records.length) throw new Error(`compile: ok=${j.ok} records=${j.records}, diagnostics: ${JSON.stringify(j.diagnostics).slice(0, 2000)}`);
  log(`compile ${label}: wall ${Math.round(r.ms)} ms, reported ${j.ms} ms, ${j.bytes} bytes, ${j.read?.cached ?? 0} of ${j.read?.files ?? "?"} files from the cache`);
  return { wallMs: r.ms, reportedMs: j.ms, bytes: j.bytes, sha256: j.sha256, cached: j.read?.cached ?? 0 };
}
const compileRuns = [];
for (let i = 0; i < 3; i++) compileRuns.push(compileOnce(`cold ${i + 1}`, ["--no-cache"]));
const fillRun = compileOnce("filling the cache", ["--cache", COMPILE_CACHE]);
const warmRuns = [];
for (let i = 0; i < 3; i++) warmRuns.push(compileOnce(`warm ${i + 1}`, ["--cache", COMPILE_CACHE]));
const touched = join(RECORDS_DIR, readdirSync(RECORDS_DIR).sort()[0]);
const touchedText = readFileSync(touched, "utf8");
writeFileSync(touched, touchedText + "# touched by the benchmark\n");
const changedRun = compileOnce("one file changed", ["--cache", COMPILE_CACHE]);
writeFileSync(touched, touchedText);
const dbBytes = compileRuns[0].bytes;
const allRuns = [...compileRuns, fillRun, ...warmRuns, changedRun];
results.compile = {
  wallMsMedian: Math.round(median(compileRuns.map((r) => r.wallMs))),
  reportedMsMedian: Math.round(median(compileRuns.map((r) => r.reportedMs))),
  deterministic: allRuns.every((r) => r.sha256 === compileRuns[0].sha256),
  sha256: compileRuns[0].sha256,
  npxVersionMsMedian: Math.round(median(npxStart)),
  runs: compileRuns.map((r) => ({ wallMs: Math.round(r.wallMs), reportedMs: r.reportedMs })),
  fillCache: { wallMs: Math.round(fillRun.wallMs), reportedMs: fillRun.reportedMs },
  warm: {
    wallMsMedian: Math.round(median(warmRuns.map((r) => r.wallMs))),
    reportedMsMedian: Math.round(median(warmRuns.map((r) => r.reportedMs))),
    filesFromCache: warmRuns[0].cached,
    runs: warmRuns.map((r) => ({ wallMs: Math.round(r.wallMs), reportedMs: r.reportedMs })),
  },
  oneFileChanged: { wallMs: Math.round(changedRun.wallMs), reportedMs: changedRun.reportedMs, filesFromCache: changedRun.cached },
};

// compile, in-process breakdown (one run, in a child process so its garbage does not land in
// the load and scan timings below): read, parse + validate, image, encode
results.compile.inProcess = JSON.parse(
  run(process.execPath, [fileURLToPath(import.meta.url), "--child-compile-breakdown", RECORDS_DIR, DB_PATH]).stdout,
);

// 3b. database size and index shape
const info = JSON.parse(run("npx", ["tgvx", "info", DB_PATH, "--json"]).stdout);
const infoWall = run("npx", ["tgvx", "info", DB_PATH, "--json"]).ms;
results.database = {
  bytes: dbBytes,
  bytesPerRecord: round(dbBytes / records.length, 1),
  windows: info.windowCount,
  probes: info.probeCount,
  keys: info.keyCount,
  sections: Object.fromEntries(info.sections.map((s) => [s.name, s.length])),
  infoWallMs: Math.round(infoWall),
};

// 3c. load, in-process (median of 5) and peak RSS in a fresh process
const dbData = new Uint8Array(readFileSync(DB_PATH));
const loadRuns = [];
let engine = await Engine.load(dbData, { allowUnsigned: true }); // warm-up, untimed (the fresh-process figure below is the cold one)
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  engine = await Engine.load(dbData, { allowUnsigned: true });
  loadRuns.push(performance.now() - t0);
}
const shaRuns = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  await sha256(dbData.subarray(112));
  shaRuns.push(performance.now() - t0);
}
const rssChild = JSON.parse(run(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--child-load-rss", DB_PATH]).stdout);
results.load = {
  msMedian: round(median(loadRuns), 2),
  sha256MsMedian: round(median(shaRuns), 2),
  runs: loadRuns.map((x) => round(x, 2)),
  freshProcessMs: round(rssChild.ms, 2),
  peakRssOverBaselineKiB: rssChild.peakOverBaselineKiB,
  rssDeltaLoadKiB: rssChild.rssDeltaLoadKiB,
  heapDeltaLoadKiB: rssChild.heapDeltaLoadKiB,
};
log(`load: median ${results.load.msMedian} ms (sha256 ${results.load.sha256MsMedian} ms), RSS +${rssChild.rssDeltaLoadKiB} KiB across load`);

// 3d. scan in-process: read everything first, then time engine.scan alone
let t0read = performance.now();
const bufs = corpus.files.map((f) => ({ f, name: basename(f.rel), bytes: new Uint8Array(readFileSync(join(CORPUS_DIR, f.rel))) }));
const readMs = performance.now() - t0read;
const scanRuns = [];
let lastScan;
for (let i = 0; i < 3; i++) {
  const out = new Map();
  const stats = { candidates: 0, crcs: 0, crcBytes: 0, warnings: 0 };
  const t0 = performance.now();
  for (const { f, name, bytes } of bufs) {
    const r = engine.scan(bytes, { name });
    out.set(f.rel, r.detections.map((d) => d.name));
    stats.candidates += r.stats.candidates;
    stats.crcs += r.stats.crcs;
    stats.crcBytes += r.stats.crcBytes;
    stats.warnings += r.warnings.length;
  }
  scanRuns.push(performance.now() - t0);
  lastScan = { out, stats };
}
const analyzeRuns = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  for (const { name, bytes } of bufs) analyzeObject(bytes, name);
  analyzeRuns.push(performance.now() - t0);
}
const scanMs = median(scanRuns);
results.scanInProcess = {
  msMedian: round(scanMs, 1),
  coldFirstRunMs: round(scanRuns[0], 1),
  corpusReadMs: Math.round(readMs),
  mibPerSec: round(corpus.totalBytes / MiB / (scanMs / 1000), 0),
  filesPerSec: round(N_FILES / (scanMs / 1000), 0),
  usPerFile: round((scanMs * 1000) / N_FILES, 1),
  runs: scanRuns.map((x) => round(x, 1)),
  analyzeObjectMsMedian: round(median(analyzeRuns), 1),
  stats: lastScan.stats,
};
log(`scan in-process: median ${results.scanInProcess.msMedian} ms (${results.scanInProcess.mibPerSec} MiB/s, ${results.scanInProcess.filesPerSec} files/s)`);

// 3e. scan through the CLI (wall: npx + Node start + load + read + scan + output)
const cliRuns = [];
for (let i = 0; i < 3; i++) cliRuns.push(run("npx", ["tgvx", "scan", "--db", DB_PATH, "-i", CORPUS_DIR], { okCodes: [0, 1] }));
const CLI_BIN = join(REPO, "packages", "cli", "bin", "tgvx.js");
const nodeCliRuns = [];
for (let i = 0; i < 3; i++) nodeCliRuns.push(run(process.execPath, [CLI_BIN, "scan", "--db", DB_PATH, "-i", CORPUS_DIR], { okCodes: [0, 1] }));
const nodeVersion = [];
for (let i = 0; i < 3; i++) nodeVersion.push(run(process.execPath, [CLI_BIN, "--version"]).ms);
const cliJson = run("npx", ["tgvx", "scan", "--db", DB_PATH, "--json", CORPUS_DIR], { okCodes: [0, 1] });
const cliReport = JSON.parse(cliJson.stdout);
const cliMs = median(cliRuns.map((r) => r.ms));
const expectExit = corpus.files.some((f) => f.expected.length) ? 1 : 0;
results.scanCli = {
  wallMsMedian: Math.round(cliMs),
  mibPerSec: round(corpus.totalBytes / MiB / (cliMs / 1000), 0),
  filesPerSec: round(N_FILES / (cliMs / 1000), 0),
  reportedSeconds: cliReport.summary.seconds,
  nodeBinWallMsMedian: Math.round(median(nodeCliRuns.map((r) => r.ms))),
  nodeBinVersionMsMedian: Math.round(median(nodeVersion)),
  jsonWallMs: Math.round(cliJson.ms),
  exitCodes: cliRuns.map((r) => r.status),
  foundLines: cliRuns[0].stdout.split("\n").filter((l) => l.endsWith(" FOUND")).length,
  runs: cliRuns.map((r) => Math.round(r.ms)),
};
log(`scan CLI: median wall ${results.scanCli.wallMsMedian} ms`);

// 4. correctness
const failures = [];
const inProcDetections = compare(corpus.files, lastScan.out, "in-process", failures);
const cliByRel = new Map();
for (const r of cliReport.files) {
  const rel = relative(CORPUS_DIR, resolve(REPO, r.path)).split("\\").join("/");
  if (r.status === "error" || r.status === "skipped") failures.push(`CLI: ${rel}: ${r.status} ${r.error}`);
  cliByRel.set(rel, r.detections.map((d) => d.name));
}
const cliDetections = compare(corpus.files, cliByRel, "CLI --json", failures);
for (const r of [...cliRuns, ...nodeCliRuns]) if (r.status !== expectExit) failures.push(`CLI: exit code ${r.status}, expected ${expectExit}`);
const plantedCodes = corpus.files.reduce((n, f) => n + f.expected.length, 0);
if (results.scanCli.foundLines !== plantedCodes) failures.push(`CLI -i: ${results.scanCli.foundLines} FOUND lines, expected ${plantedCodes}`);
results.correctness = {
  ok: failures.length === 0,
  expectedDetections: plantedCodes,
  inProcessDetections: inProcDetections,
  cliDetections,
  failures,
};

// 5. report
const fmt = (n) => n.toLocaleString("en-US");
const pct = (n) => `${round((100 * n) / records.length, 1)}%`;
const s = results.scanInProcess;
const rows = [
  ["Records (YAML files)", `${fmt(records.length)} (${recFiles.files} files, ${(recFiles.bytes / MiB).toFixed(1)} MiB of YAML)`],
  [
    "Record mix",
    `start ${pct(mix.start)}, end ${pct(mix.end)}, start+at ${pct(mix["start-at"])}; type 4 ${pct(mix.type4)} (${fmt(mix.type4Text)} [text]); ` +
      `${fmt(results.records.distinctWindowShapes)} window shapes, ${fmt(results.records.distinctFirstWords)} first words`,
  ],
  ["Corpus", `${fmt(N_FILES)} files, ${(corpus.totalBytes / MiB).toFixed(1)} MiB, ${corpus.planted} planted (${plantedCodes} codes), ${corpus.decoys} decoys`],
  ["Compile, `npx tgvx compile --no-cache` wall (median of 3)", `${fmt(results.compile.wallMsMedian)} ms`],
  ["Compile, compiler-reported (median of 3)", `${fmt(results.compile.reportedMsMedian)} ms`],
  [
    "Compile with the cache: filling it / warm, nothing changed (median of 3) / one file changed; wall (reported)",
    `${fmt(results.compile.fillCache.wallMs)} (${fmt(results.compile.fillCache.reportedMs)}) / ${fmt(results.compile.warm.wallMsMedian)} (${fmt(results.compile.warm.reportedMsMedian)}) / ` +
      `${fmt(results.compile.oneFileChanged.wallMs)} (${fmt(results.compile.oneFileChanged.reportedMs)}) ms`,
  ],
  [
    "Compile breakdown (compiler functions, 1 run): read / parse+validate / image / encode",
    `${results.compile.inProcess.readMs} / ${fmt(results.compile.inProcess.parseValidateMs)} / ${results.compile.inProcess.imageMs} / ${results.compile.inProcess.encodeMs} ms`,
  ],
  ["Compile deterministic (every CLI run, cold and cached, + breakdown run)", results.compile.deterministic && results.compile.inProcess.sameBytesAsCli ? "yes" : "NO"],
  [
    "CLI start-up floor: `npx tgvx --version` / `node bin/tgvx.js --version`",
    `${fmt(results.compile.npxVersionMsMedian)} / ${fmt(results.scanCli.nodeBinVersionMsMedian)} ms`,
  ],
  ["Database size", `${fmt(dbBytes)} bytes (${(dbBytes / MiB).toFixed(2)} MiB)`],
  ["Bytes per record", `${results.database.bytesPerRecord}`],
  ["Index: windows / probes / keys", `${fmt(info.windowCount)} / ${fmt(info.probeCount)} / ${fmt(info.keyCount)}`],
  ["Load, `Engine.load` (median of 5)", `${results.load.msMedian} ms (SHA-256 alone ${results.load.sha256MsMedian} ms)`],
  [
    "Load, fresh process: time / RSS growth across load / peak RSS over baseline (incl. DB bytes)",
    `${results.load.freshProcessMs} ms / ${fmt(results.load.rssDeltaLoadKiB)} KiB / ${fmt(results.load.peakRssOverBaselineKiB)} KiB`,
  ],
  ["Scan in-process, `engine.scan` total (median of 3; cold first run)", `${fmt(s.msMedian)} ms (${fmt(s.coldFirstRunMs)} ms)`],
  ["Scan in-process throughput", `${fmt(s.mibPerSec)} MiB/s, ${fmt(s.filesPerSec)} files/s (${s.usPerFile} µs/file)`],
  ["  of which type recognition (`analyzeObject` alone)", `${fmt(s.analyzeObjectMsMedian)} ms`],
  ["Scan work: candidates / CRCs / CRC bytes", `${fmt(s.stats.candidates)} / ${fmt(s.stats.crcs)} / ${fmt(s.stats.crcBytes)}`],
  ["Scan CLI, `npx tgvx scan -i` wall (median of 3)", `${fmt(results.scanCli.wallMsMedian)} ms (CLI-reported ${results.scanCli.reportedSeconds} s)`],
  ["Scan CLI throughput", `${fmt(results.scanCli.mibPerSec)} MiB/s, ${fmt(results.scanCli.filesPerSec)} files/s`],
  ["Scan CLI without npx, `node bin/tgvx.js scan -i` wall (median of 3)", `${fmt(results.scanCli.nodeBinWallMsMedian)} ms`],
  ["Reading the corpus in-process (`readFileSync`, warm page cache)", `${fmt(s.corpusReadMs)} ms`],
  [
    "Correctness (planted = detected, no false positives)",
    results.correctness.ok ? `OK: ${plantedCodes} expected, in-process ${inProcDetections}, CLI ${cliDetections}` : `FAILED (${failures.length} problems)`,
  ],
];
const m = results.machine;
const table = [
  `Machine: Node ${m.node}, ${m.cpu} (${m.cores} cores), ${m.memGiB} GiB, ${m.os}`,
  "",
  "| Metric | Value |",
  "|---|---|",
  ...rows.map(([k, v]) => `| ${k} | ${v} |`),
].join("\n");
results.table = table;
writeFileSync(RESULTS_PATH, JSON.stringify(results, null, 2) + "\n");
process.stdout.write(table + "\n\n" + `results: ${relative(process.cwd(), RESULTS_PATH).startsWith("..") ? RESULTS_PATH : relative(process.cwd(), RESULTS_PATH)}\n`);

if (!results.correctness.ok) {
  process.stderr.write(`\nFOUNDATION BENCH FAILED: detections differ from the planted feature codes (${failures.length} problems):\n`);
  for (const f of failures.slice(0, 30)) process.stderr.write(`  ${f}\n`);
  if (failures.length > 30) process.stderr.write(`  ... and ${failures.length - 30} more (see ${RESULTS_PATH})\n`);
  process.exit(1);
}
