#!/usr/bin/env node
/**
 * tgvx regression-harness benchmark: `tgvx test` over a large sample corpus, with 0, 1 and 2
 * worker threads (and more when the machine has them), plus the cost of the ledger.
 *
 *   node bench/harness.mjs [--samples 10000] [--records 1000] [--work DIR] [--seed 1] [--runs 3] [--max-kib 16]
 *
 * 1. generates R inert type 3 records (YAML), each with a cleaning script: "appenders" (a body
 *    appended to a host, anchor end, cleaned by truncating it), "prependers" (a body in front of
 *    the host, anchor start, cleaned by dropping it) and "droppers" (the body is the whole file,
 *    removed). Families share window shapes and often first words, so candidate lists are real.
 * 2. generates a corpus of N samples with its manifest.yaml: clean hosts (random binary and
 *    text, 512 B..--max-kib, log-uniform), infected hosts (`original:` names the host: cleaning must restore it
 *    byte for byte) and droppers (`removed: true`). Every record has samples.
 * 3. compiles the records (CLI), then times `tgvx test --no-ledger -j W` for each W (median of
 *    --runs), and `tgvx test` with a fresh ledger twice (the second run compares with the first).
 * 4. requires every run to pass (exit 0, every sample checked): the corpus is built to hold.
 * 5. prints a markdown table and writes WORK/harness-results.json.
 *
 * Plain Node 20 ESM; run `npm run build` first. Deterministic for a seed; nothing here is malware.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import * as zlib from "node:zlib";
import { benchCli } from "./lib/cli.mjs";
import { corpusFiles } from "./lib/corpus.mjs";
import { hex, hexByte, keystream, median, Rng, round, toText } from "./lib/synthetic.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// Worker-thread mode: read the files given (the I/O floor below).
if (!isMainThread) {
  const t0 = performance.now();
  for (const f of workerData.files) readFileSync(f);
  parentPort.postMessage(performance.now() - t0);
  await new Promise(() => {}); // the main thread terminates the worker
}
const CLI = join(REPO, "packages", "cli", "bin", "tgvx.js");

const { args, int, log } = benchCli("harness", {
  samples: { type: "string", default: "10000" },
  records: { type: "string", default: "1000" },
  work: { type: "string", default: join(REPO, "bench", ".work", "harness"), hint: "DIR" },
  seed: { type: "string", default: "1" },
  runs: { type: "string", default: "3" },
  "max-kib": { type: "string", default: "16" },
});
const N_SAMPLES = int(args.samples, "samples", 20);
const N_RECORDS = int(args.records, "records", 10);
const RUNS = int(args.runs, "runs");
const MAX_KIB = int(args["max-kib"], "max-kib");
const SEED = args.seed;
const WORK = resolve(args.work);
const RECORDS = join(WORK, "records");
const CORPUS = join(WORK, "corpus");
const DB = join(WORK, "bench.tgvxdb");

let engineCrc;
const crc32 = (b) => {
  if (typeof zlib.crc32 === "function") return zlib.crc32(b) >>> 0;
  return engineCrc(b) >>> 0;
};
if (typeof zlib.crc32 !== "function") engineCrc = (await import("@tgvx/engine")).crc32;

// ---------------------------------------------------------------------------------------------
// 1. records

const PER_FAMILY = 10;

/**
 * A first byte that makes no file type: 0x80..0xDF is not text and starts no magic number (MZ, PK,
 * gzip), nor a COM jump (E8/E9/EB), whose target the engine would check.
 */
const firstByte = (rng) => rng.int(0x80, 0xdf);

function generateRecords() {
  const rng = new Rng(SEED, "harness-records");
  // Popular first words (shared by many records, so one probe hit gives several candidates).
  const popular = Array.from({ length: 64 }, () => firstByte(rng) | (rng.int(0, 0xff) << 8));
  const records = [];
  for (let f = 0; records.length < N_RECORDS; f++) {
    const kind = f % 10 === 0 ? "dropper" : f % 2 ? "append" : "prepend"; // 10% droppers, the rest half and half
    const length = kind === "dropper" ? rng.int(0x100, 0x800) : rng.int(0x80, 0x400);
    const shape = () => {
      const len = rng.int(16, Math.min(128, length - 8));
      return { start: rng.int(2, length - len), length: len };
    };
    const w1 = shape();
    let w2 = shape();
    while (w2.start === w1.start && w2.length === w1.length) w2 = shape();
    for (let v = 0; v < PER_FAMILY && records.length < N_RECORDS; v++) {
      const i = records.length;
      const first = rng.chance(0.3) ? rng.pick(popular) : firstByte(rng) | (rng.int(0, 0xff) << 8);
      const body = keystream(SEED, "harness-body", i, length);
      body[0] = first & 0xff;
      body[1] = first >>> 8;
      const windows = [w1, w2].map((w) => ({ ...w, crc: crc32(body.subarray(w.start, w.start + w.length)) }));
      records.push({ i, id: 0x200000 + i, name: `Bench.Harness${String(f).padStart(4, "0")}.${String.fromCharCode(65 + v)}`, kind, length, first, windows, body });
    }
  }
  return records;
}

function recordYaml(r) {
  const end = r.kind === "append";
  const off = (w) => (end ? String(w.start - r.length) : hex(w.start));
  const lines = [
    `  - id: ${hex(r.id, 6)}`,
    "    rev: 1",
    `    name: ${r.name}`,
    "    type: 3",
    "    status: stable",
    `    description: Inert synthetic harness-benchmark record (${r.kind}, ${r.length} bytes).`,
    "    detect:",
    `      anchor: ${end ? "end" : "start"}`,
    ...(end ? [`      at: -${r.length}`] : []),
    `      first: "${hexByte(r.first & 0xff)} ${hexByte(r.first >>> 8)}"`,
    "      windows:",
    ...r.windows.map((w) => `        - { offset: ${off(w)}, length: ${hex(w.length)}, crc: ${hex(w.crc, 8)} }`),
    "    clean:",
    r.kind === "append" ? "      - truncate-tail: code" : r.kind === "prepend" ? `      - truncate-head: ${hex(r.length)}` : "      - remove",
  ];
  return lines.join("\n");
}

function writeRecords(records) {
  rmSync(RECORDS, { recursive: true, force: true });
  mkdirSync(RECORDS, { recursive: true });
  for (let i = 0; i < records.length; i += 100) {
    const text = ["# Generated by bench/harness.mjs: inert synthetic records, not real signatures.", "records:", ...records.slice(i, i + 100).map(recordYaml)].join("\n") + "\n";
    writeFileSync(join(RECORDS, `harness-${String(i / 100).padStart(4, "0")}.yaml`), text);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. corpus + manifest

function generateCorpus(records) {
  const rng = new Rng(SEED, "harness-corpus");
  rmSync(CORPUS, { recursive: true, force: true });
  const nDroppers = Math.max(1, Math.round(N_SAMPLES * 0.05));
  const nInfected = Math.round(N_SAMPLES * 0.5);
  const nHosts = N_SAMPLES - nDroppers - nInfected;
  const dir = (kind, i) => `${kind}/d${String(Math.floor(i / 250)).padStart(2, "0")}`;
  const entries = [];
  let bytes = 0;
  const write = (rel, buf) => {
    mkdirSync(join(CORPUS, dirname(rel)), { recursive: true });
    writeFileSync(join(CORPUS, rel), buf);
    bytes += buf.length;
  };
  const hosts = [];
  for (let h = 0; h < nHosts; h++) {
    const size = Math.round(512 * (MAX_KIB * 2) ** rng.float()); // log-uniform, 512 B .. MAX_KIB
    const text = rng.chance(0.15);
    const buf = keystream(SEED, "harness-host", h, size);
    if (text) toText(buf);
    else buf[0] = 0x80 + (buf[0] % 0x60); // random binary, of no file type (see firstByte)
    const rel = `${dir("clean", h)}/h${String(h).padStart(5, "0")}.${text ? "txt" : "bin"}`;
    write(rel, buf);
    hosts.push({ rel, buf });
    entries.push({ path: rel, detect: [] });
  }
  const infectors = rng.shuffle(records.filter((r) => r.kind !== "dropper"));
  const droppers = rng.shuffle(records.filter((r) => r.kind === "dropper"));
  // Every record first (round robin), then at random.
  const take = (pool, k) => (k < pool.length ? pool[k] : rng.pick(pool));
  for (let k = 0; k < nInfected; k++) {
    const r = take(infectors, k);
    const host = rng.pick(hosts);
    const buf = r.kind === "append" ? Buffer.concat([host.buf, r.body]) : Buffer.concat([r.body, host.buf]);
    const rel = `${dir("infected", k)}/i${String(k).padStart(5, "0")}.bin`;
    write(rel, buf);
    entries.push({ path: rel, detect: [r.name], original: host.rel });
  }
  for (let k = 0; k < nDroppers; k++) {
    const r = take(droppers, k);
    const rel = `${dir("dropper", k)}/x${String(k).padStart(5, "0")}.bin`;
    write(rel, r.body);
    entries.push({ path: rel, detect: [r.name], removed: true });
  }
  if (infectors.length > nInfected || droppers.length > nDroppers) throw new Error("more records than samples to cover them: raise --samples");
  const yaml = [
    "# Generated by bench/harness.mjs: inert synthetic samples.",
    "samples:",
    ...entries.map((e) =>
      [
        `  - path: ${e.path}`,
        `    detect: [${e.detect.join(", ")}]`,
        ...(e.original ? [`    original: ${e.original}`] : []),
        ...(e.removed ? ["    removed: true"] : []),
      ].join("\n"),
    ),
  ].join("\n");
  writeFileSync(join(CORPUS, "manifest.yaml"), yaml + "\n");
  return { hosts: nHosts, infected: nInfected, droppers: nDroppers, bytes };
}

// ---------------------------------------------------------------------------------------------
// 3. measure

function run(argv, env = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...argv], { cwd: REPO, encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, CI: "1", ...env } });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function mustPass(r, what) {
  if (r.status !== 0) {
    process.stderr.write(`${what}: exit ${r.status}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}\n`);
    process.exit(1);
  }
}

mkdirSync(WORK, { recursive: true });
const results = {
  params: { samples: N_SAMPLES, records: N_RECORDS, seed: SEED, runs: RUNS, maxKiB: MAX_KIB, work: WORK },
  machine: { node: process.version, cpu: os.cpus()[0]?.model ?? "unknown", cores: os.availableParallelism(), os: `${os.platform()} ${os.release()} ${os.arch()}` },
  date: new Date().toISOString(),
};

let t = performance.now();
const records = generateRecords();
writeRecords(records);
const corpus = generateCorpus(records);
results.generate = { ms: Math.round(performance.now() - t), ...corpus };
log(`generated ${records.length} records and ${N_SAMPLES} samples (${(corpus.bytes / 1024 / 1024).toFixed(1)} MiB) in ${results.generate.ms} ms`);

const compiled = run(["compile", RECORDS, "-o", DB, "--json"]);
mustPass(compiled, "compile");
results.compile = { wallMs: Math.round(compiled.ms), bytes: JSON.parse(compiled.stdout).bytes };

// Correctness once, in JSON: every sample checked and passed.
const checked = run(["test", "--db", DB, "--no-ledger", "-j", "2", "--json", CORPUS]);
mustPass(checked, "tgvx test --json");
const report = JSON.parse(checked.stdout);
if (report.counts.samples !== N_SAMPLES || report.counts.passed !== N_SAMPLES || report.recordsWithoutSample.length) {
  process.stderr.write(`unexpected report: ${JSON.stringify(report.counts)}, records without sample ${report.recordsWithoutSample.length}\n`);
  process.exit(1);
}
results.work = { ...report.stats, cleaning: report.cleaning };

const workerCounts = [...new Set([0, 1, 2, Math.min(os.availableParallelism(), 8)])];
results.test = {};
for (const w of workerCounts) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const r = run(["test", "--db", DB, "--no-ledger", "-j", String(w), CORPUS]);
    mustPass(r, `tgvx test -j ${w}`);
    times.push(r.ms);
  }
  results.test[w] = { wallMsMedian: Math.round(median(times)), runs: times.map(Math.round) };
  log(`tgvx test -j ${w}: median ${results.test[w].wallMsMedian} ms (${times.map(Math.round).join(", ")})`);
}

// The I/O floor: only reading every corpus file once, with 1 and 2 threads. Where two threads read
// no faster than one (a VM whose file system serialises), workers cannot win back the reads.
const files = corpusFiles(CORPUS);
async function readAll(threads) {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: threads }, (_, i) => {
      const w = new Worker(fileURLToPath(import.meta.url), { workerData: { files: files.filter((_, j) => j % threads === i) } });
      return new Promise((res, rej) => w.once("message", () => w.terminate().then(res, rej)).once("error", rej));
    }),
  );
  return performance.now() - t0;
}
results.ioFloor = {};
for (const threads of [1, 2]) {
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(await readAll(threads));
  results.ioFloor[threads] = Math.round(median(times));
}
log(`reading the ${corpusFiles.length} corpus files: 1 thread ${results.ioFloor[1]} ms, 2 threads ${results.ioFloor[2]} ms`);

const ledger = join(WORK, "ledger.sqlite");
rmSync(ledger, { force: true });
rmSync(`${ledger}-wal`, { force: true });
rmSync(`${ledger}-shm`, { force: true });
const first = run(["test", "--db", DB, "--ledger", ledger, "-j", "2", CORPUS]);
mustPass(first, "tgvx test with a new ledger");
const second = run(["test", "--db", DB, "--ledger", ledger, "-j", "2", CORPUS]);
mustPass(second, "tgvx test against the ledger's baseline");
if (!/no detection lost since run 1/.test(second.stdout)) throw new Error(`second ledger run did not compare with the first:\n${second.stdout}`);
results.ledger = { firstRunWallMs: Math.round(first.ms), secondRunWallMs: Math.round(second.ms) };

const fmt = (n) => n.toLocaleString("en-US");
const m = results.machine;
const rows = [
  ["Corpus", `${fmt(N_SAMPLES)} samples (${fmt(corpus.hosts)} clean hosts, ${fmt(corpus.infected)} infected, ${fmt(corpus.droppers)} droppers), ${(corpus.bytes / 1024 / 1024).toFixed(1)} MiB`],
  ["Records", `${fmt(records.length)} (${fmt(results.compile.bytes)}-byte database; compile ${(results.compile.wallMs / 1000).toFixed(2)} s)`],
  ["Engine work", `${fmt(results.work.candidates)} candidates, ${fmt(results.work.crcs)} CRCs; cleaning checked: restore ${results.work.cleaning.restore.ok}/${results.work.cleaning.restore.checked}, remove ${results.work.cleaning.remove.ok}/${results.work.cleaning.remove.checked}`],
  ...workerCounts.map((w) => [`\`tgvx test -j ${w}\` wall (median of ${RUNS})`, `${(results.test[w].wallMsMedian / 1000).toFixed(2)} s${w === 0 ? " (main thread)" : ""}`]),
  ["I/O floor: reading every corpus file once, 1 thread / 2 threads", `${(results.ioFloor[1] / 1000).toFixed(2)} s / ${(results.ioFloor[2] / 1000).toFixed(2)} s`],
  ["`tgvx test -j 2` + new ledger (first run recorded)", `${(first.ms / 1000).toFixed(2)} s`],
  ["`tgvx test -j 2` + ledger (gate against run 1, run 2 recorded)", `${(second.ms / 1000).toFixed(2)} s`],
];
const table = [`Machine: Node ${m.node}, ${m.cpu} (${m.cores} cores), ${m.os}`, "", "| Measure | Value |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join("\n");
results.table = table;
writeFileSync(join(WORK, "harness-results.json"), JSON.stringify(results, null, 2) + "\n");
process.stdout.write(`${table}\n\nresults: ${join(WORK, "harness-results.json")}\n`);
