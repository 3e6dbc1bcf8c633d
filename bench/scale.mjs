#!/usr/bin/env node
/**
 * tgvx scale benchmark: does scanning slow down as the database grows? Issue 9's goal: with
 * 1,000,000 records, scan the corpus within 1.5x of the time with 10,000. The scan time is taken
 * as the issue's side-by-side bench (versus.mjs) takes every tool's: `tgvx scan -i` of the corpus
 * (step 5). The in-process passes (step 3) time the engine alone, the database's index work
 * against everything else a scan does; they are the stricter figure, and the one that says where
 * the time goes.
 *
 *   node bench/scale.mjs [--small 10000] [--large 1000000] [--files 2000] [--passes 25] [--procs 5] [--cli-runs 7]
 *                        [--stream-passes 7] [--work DIR] [--seed 1]
 *
 * 1. generates the two record sets (bench/lib/bench-records.mjs) and compiles each through the CLI
 *    (with a compile cache in WORK; a second run compiles again only when the records, the format
 *    or the database writer changed);
 * 2. generates one corpus (bench/lib/corpus.mjs) planted with the large set's codes;
 * 3. in each of --procs fresh processes (bench/lib/scan-passes.mjs), loads both databases and
 *    scans the corpus with each in turn, `--passes` times (after 2 warm-up passes each):
 *    alternating passes see the same machine, so the ratio holds even when the load around them
 *    changes; half the processes load the large database first. Per process the median and
 *    fastest pass of each; reported: the median over processes of each, and each process's ratio;
 * 4. passes the corpus through the stream scanner in 64 KiB chunks, file by file, with each
 *    database (one process, --stream-passes): what a proxy would spend; it must find what the
 *    scan finds;
 * 5. times `tgvx scan -i` of the corpus with each database in turn (CLI wall, median of
 *    --cli-runs: this includes reading the files and loading the database, which grows with it);
 * 6. checks the large database finds exactly the planted codes (exit 1 otherwise).
 *
 * Plain Node 20 ESM; run `npm run build` first. Deterministic for a seed; nothing here is malware.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { databaseWriterStamp, generateRecords, writeRecords } from "./lib/bench-records.mjs";
import { benchCli, importBuilt } from "./lib/cli.mjs";
import { generateCorpus } from "./lib/corpus.mjs";
import { median } from "./lib/synthetic.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(REPO, "packages/cli/bin/tgvx.js");

const { args, int, log } = benchCli("scale", {
  small: { type: "string", default: "10000" },
  large: { type: "string", default: "1000000" },
  files: { type: "string", default: "2000" },
  passes: { type: "string", default: "25" },
  procs: { type: "string", default: "5" },
  "cli-runs": { type: "string", default: "7" },
  "stream-passes": { type: "string", default: "7" },
  seed: { type: "string", default: "1" },
  work: { type: "string", default: join(REPO, "bench", ".work", "scale"), hint: "DIR" },
});
const [SMALL, LARGE, FILES, PASSES, PROCS, CLI_RUNS, STREAM_PASSES] = ["small", "large", "files", "passes", "procs", "cli-runs", "stream-passes"].map((flag) => int(args[flag], flag));
const WORK = resolve(args.work);

const [engineMod] = await importBuilt("scale", "@tgvx/engine");
const { FORMAT_VERSION } = engineMod;

/** Records and database for `count` records in WORK/db-COUNT, made again only when the parameters or the format changed. */
function database(count) {
  const dir = join(WORK, `db-${count}`);
  const db = join(dir, "bench.tgvxdb");
  const stamp = join(dir, "params.json");
  const params = JSON.stringify({ count, seed: args.seed, writer: databaseWriterStamp(FORMAT_VERSION) });
  const { records, families } = generateRecords({ count, seed: args.seed });
  if (existsSync(db) && existsSync(stamp) && readFileSync(stamp, "utf8") === params) {
    log(`${count} records: ${relative(REPO, db)} is up to date`);
    return { db, records };
  }
  writeRecords(join(dir, "records"), records, families, { seed: args.seed });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, "compile", join(dir, "records"), "-o", db, "--cache", join(dir, "compile-cache"), "--json"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`compile of ${count} records failed: ${r.stderr.slice(0, 2000)}`);
  log(`${count} records compiled in ${Math.round(performance.now() - t0)} ms (${statSync(db).size} bytes)`);
  writeFileSync(stamp, params);
  return { db, records };
}

const small = database(SMALL);
const large = database(LARGE);
const corpusDir = join(WORK, "corpus");
const corpus = generateCorpus({ records: large.records, files: FILES, seed: args.seed, dir: corpusDir, manifestPath: join(WORK, "corpus-manifest.json"), engine: engineMod });
log(`corpus: ${FILES} files, ${(corpus.totalBytes / 2 ** 20).toFixed(1)} MiB, ${corpus.planted} planted`);

/** One process of bench/lib/scan-passes.mjs: per database given, its pass times and the work of a pass. */
function scanPasses(mode, passes, dbs) {
  const r = spawnSync(process.execPath, [join(REPO, "bench/lib/scan-passes.mjs"), mode, String(passes), corpusDir, ...dbs], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${mode} passes failed: ${r.stderr.slice(0, 2000)}`);
  return JSON.parse(r.stdout);
}

// In-process: both engines, the corpus in memory, alternating passes; in several processes.
const runs = [];
for (let p = 0; p < PROCS; p++) {
  const dbs = p % 2 ? [large.db, small.db] : [small.db, large.db];
  const out = scanPasses("scan", PASSES, dbs);
  runs.push(p % 2 ? [out[1], out[0]] : out);
  const [a, b] = runs.at(-1).map((x) => median(x.times));
  log(`process ${p + 1} of ${PROCS}: ${a.toFixed(1)} / ${b.toFixed(1)} ms, ${(b / a).toFixed(2)}x`);
}
const times = [0, 1].map((j) => runs.map((run) => run[j].times));
const work = runs[0].map((x) => x.work);
const inProcess = [0, 1].map((j) => ({ medianMs: median(times[j].map(median)), minMs: median(times[j].map((t) => Math.min(...t))) }));
const ratios = runs.map(([a, b]) => median(b.times) / median(a.times));
const sameWork = runs.every((run) => run.every((x, j) => JSON.stringify(x.work) === JSON.stringify(work[j])));

// The stream scanner over the same corpus (one process; what a proxy passing these files would
// spend), which must find what the scan finds.
const stream = scanPasses("stream", STREAM_PASSES, [small.db, large.db]);
const streamMs = stream.map((x) => median(x.times));
const sameStream = stream.every((x, j) => JSON.stringify([...x.work.detections].sort()) === JSON.stringify([...work[j].detections].sort()));
log(`stream scanner: ${streamMs[0].toFixed(1)} / ${streamMs[1].toFixed(1)} ms`);

// CLI: `tgvx scan -i` with each database in turn (reads the files and loads the database every
// run), so both see the same machine; one unmeasured run each first.
const cliRuns = [[], []];
for (let i = 0; i <= CLI_RUNS; i++)
  [small.db, large.db].forEach((db, j) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, "scan", "--db", db, "-i", "--no-summary", corpusDir], { encoding: "utf8", maxBuffer: 1 << 26 });
    if (i > 0) cliRuns[j].push(performance.now() - t0);
    if (r.status === 2) throw new Error(`tgvx scan failed: ${r.stderr.slice(0, 2000)}`);
  });
const cli = cliRuns.map(median);

const expected = JSON.parse(readFileSync(join(WORK, "corpus-manifest.json"), "utf8")).flatMap((f) => f.expected.map((n) => `${f.file}: ${n}`)).sort();
const found = [...work[1].detections].sort();
const ok = JSON.stringify(found) === JSON.stringify(expected) && sameWork && sameStream;

const f1 = (x) => x.toFixed(1);
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
const goal = (a, b) => `<= 1.5x: ${a / b <= 1.5 ? "met" : "not met"}`;
const within = (a, b) => `engine alone: ${a / b <= 1.5 ? "within" : "above"} 1.5x`;
const load = os.loadavg()[0].toFixed(1);
const table = [
  `Machine: Node ${process.version}, ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores), load average ${load} at the end; corpus ${FILES} files, ${(corpus.totalBytes / 2 ** 20).toFixed(0)} MiB; ${PROCS} processes of ${PASSES} alternating passes`,
  "",
  `| | ${SMALL.toLocaleString("en")} records | ${LARGE.toLocaleString("en")} records | ratio | goal |`,
  "|---|---|---|---|---|",
  `| Database | ${statSync(small.db).size.toLocaleString("en")} bytes | ${statSync(large.db).size.toLocaleString("en")} bytes | | |`,
  `| Scan in-process, median pass (median of the processes') | ${f1(inProcess[0].medianMs)} ms | ${f1(inProcess[1].medianMs)} ms | ${ratio(inProcess[1].medianMs, inProcess[0].medianMs)} | ${within(inProcess[1].medianMs, inProcess[0].medianMs)} |`,
  `| Scan in-process, fastest pass (median of the processes') | ${f1(inProcess[0].minMs)} ms | ${f1(inProcess[1].minMs)} ms | ${ratio(inProcess[1].minMs, inProcess[0].minMs)} | |`,
  `| Ratio of the median passes, each process | | | ${ratios.map((r) => r.toFixed(2)).join(" / ")} | |`,
  `| Candidates / CRCs / CRC bytes per pass | ${work[0].candidates} / ${work[0].crcs} / ${work[0].crcBytes} | ${work[1].candidates} / ${work[1].crcs} / ${work[1].crcBytes} | | |`,
  `| Stream scanner in-process, each file in 64 KiB chunks (median of ${STREAM_PASSES} passes, one process) | ${f1(streamMs[0])} ms | ${f1(streamMs[1])} ms | ${ratio(streamMs[1], streamMs[0])} | ${sameStream ? "detections = scan" : "detections DIFFER from scan"} |`,
  `| Stream scanner: CRCs / CRC bytes per pass | ${stream[0].work.crcs} / ${stream[0].work.crcBytes} | ${stream[1].work.crcs} / ${stream[1].work.crcBytes} | | |`,
  `| \`tgvx scan -i\` of the corpus, CLI wall, as versus.mjs times scans (median of ${CLI_RUNS} in turn; reads the files, loads the database) | ${Math.round(cli[0])} ms | ${Math.round(cli[1])} ms | ${ratio(cli[1], cli[0])} | issue 9: ${goal(cli[1], cli[0])} |`,
  `| Detections of the ${LARGE.toLocaleString("en")}-record database | | ${found.length} (planted ${expected.length}) | | ${ok ? "exact" : "DIFFER"} |`,
].join("\n");
process.stdout.write(`${table}\n`);
writeFileSync(join(WORK, "scale-results.json"), JSON.stringify({ params: { SMALL, LARGE, FILES, PASSES, PROCS, CLI_RUNS, STREAM_PASSES, seed: args.seed }, inProcess, ratios, times, work: work.map(({ detections, ...w }) => ({ ...w, detections: detections.length })), streamMs, streamSameAsScan: sameStream, cliMs: cli, cliRuns, detectionsExact: ok, table }, null, 1));
if (!ok) {
  if (!sameWork) process.stderr.write("scale: the processes' scans differ in work or detections\n");
  if (!sameStream) process.stderr.write("scale: the stream scanner's detections differ from the scan's\n");
  process.stderr.write(`scale: the ${LARGE}-record database found ${found.length} codes, ${expected.length} were planted\n`);
  process.exit(1);
}
