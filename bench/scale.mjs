#!/usr/bin/env node
/**
 * tgvx scale benchmark: does scanning slow down as the database grows? Issue 9's goal: with
 * 1,000,000 records, scan the corpus within 1.5x of the time with 10,000.
 *
 *   node bench/scale.mjs [--small 10000] [--large 1000000] [--files 2000] [--passes 25] [--cli-runs 7] [--work DIR] [--seed 1]
 *
 * 1. generates the two record sets (bench/lib/bench-records.mjs) and compiles each through the CLI
 *    (with a compile cache in WORK; a second run compiles again only when the records, the format
 *    or the database writer changed);
 * 2. generates one corpus (bench/lib/corpus.mjs) planted with the large set's codes;
 * 3. loads both databases in one process and scans the corpus with each in turn, `--passes` times
 *    (after 2 warm-up passes each): alternating passes see the same machine, so the ratio holds
 *    even when the load around them changes; medians and minima of both;
 * 4. times `tgvx scan -i` of the corpus with each database in turn (CLI wall, median of
 *    --cli-runs: this includes reading the files and loading the database, which grows with it);
 * 5. checks the large database finds exactly the planted codes (exit 1 otherwise).
 *
 * Plain Node 20 ESM; run `npm run build` first. Deterministic for a seed; nothing here is malware.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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
  "cli-runs": { type: "string", default: "7" },
  seed: { type: "string", default: "1" },
  work: { type: "string", default: join(REPO, "bench", ".work", "scale"), hint: "DIR" },
});
const [SMALL, LARGE, FILES, PASSES, CLI_RUNS] = ["small", "large", "files", "passes", "cli-runs"].map((flag) => int(args[flag], flag));
const WORK = resolve(args.work);

const [engineMod] = await importBuilt("scale", "@tgvx/engine");
const { Engine, FORMAT_VERSION } = engineMod;

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

// In-process: both engines, the corpus in memory, alternating passes.
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else files.push({ rel: relative(corpusDir, p), bytes: readFileSync(p) });
  }
};
walk(corpusDir);
const engines = [await Engine.load(readFileSync(small.db), { allowUnsigned: true }), await Engine.load(readFileSync(large.db), { allowUnsigned: true })];
const pass = (engine) => {
  const stats = { candidates: 0, crcs: 0, crcBytes: 0, detections: [] };
  const t0 = performance.now();
  for (const f of files) {
    const r = engine.scan(f.bytes, { name: f.rel });
    stats.candidates += r.stats.candidates;
    stats.crcs += r.stats.crcs;
    stats.crcBytes += r.stats.crcBytes;
    for (const d of r.detections) stats.detections.push(`${f.rel}: ${d.name}`);
  }
  return { ms: performance.now() - t0, stats };
};
const times = [[], []];
const work = [];
for (let i = 0; i < PASSES + 2; i++)
  for (const j of [0, 1]) {
    const r = pass(engines[j]);
    if (i >= 2) times[j].push(r.ms);
    work[j] = r.stats;
  }
const inProcess = times.map((t) => ({ medianMs: median(t), minMs: Math.min(...t) }));

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
const ok = JSON.stringify(found) === JSON.stringify(expected);

const f1 = (x) => x.toFixed(1);
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
const goal = (a, b) => `<= 1.5x: ${a / b <= 1.5 ? "met" : "not met"}`;
const load = os.loadavg()[0].toFixed(1);
const table = [
  `Machine: Node ${process.version}, ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores), load average ${load} at the end; corpus ${FILES} files, ${(corpus.totalBytes / 2 ** 20).toFixed(0)} MiB; ${PASSES} alternating passes`,
  "",
  `| | ${SMALL.toLocaleString("en")} records | ${LARGE.toLocaleString("en")} records | ratio | goal |`,
  "|---|---|---|---|---|",
  `| Database | ${statSync(small.db).size.toLocaleString("en")} bytes | ${statSync(large.db).size.toLocaleString("en")} bytes | | |`,
  `| Scan in-process, median | ${f1(inProcess[0].medianMs)} ms | ${f1(inProcess[1].medianMs)} ms | ${ratio(inProcess[1].medianMs, inProcess[0].medianMs)} | ${goal(inProcess[1].medianMs, inProcess[0].medianMs)} |`,
  `| Scan in-process, fastest pass | ${f1(inProcess[0].minMs)} ms | ${f1(inProcess[1].minMs)} ms | ${ratio(inProcess[1].minMs, inProcess[0].minMs)} | |`,
  `| Candidates / CRCs / CRC bytes per pass | ${work[0].candidates} / ${work[0].crcs} / ${work[0].crcBytes} | ${work[1].candidates} / ${work[1].crcs} / ${work[1].crcBytes} | | |`,
  `| \`tgvx scan -i\` of the corpus, CLI wall, as versus.mjs times scans (median of ${CLI_RUNS} in turn; reads the files, loads the database) | ${Math.round(cli[0])} ms | ${Math.round(cli[1])} ms | ${ratio(cli[1], cli[0])} | ${goal(cli[1], cli[0])} |`,
  `| Detections of the ${LARGE.toLocaleString("en")}-record database | | ${found.length} (planted ${expected.length}) | | ${ok ? "exact" : "DIFFER"} |`,
].join("\n");
process.stdout.write(`${table}\n`);
writeFileSync(join(WORK, "scale-results.json"), JSON.stringify({ params: { SMALL, LARGE, FILES, PASSES, CLI_RUNS, seed: args.seed }, inProcess, times, work: work.map(({ detections, ...w }) => ({ ...w, detections: detections.length })), cliMs: cli, cliRuns, detectionsExact: ok, table }, null, 1));
if (!ok) {
  process.stderr.write(`scale: the ${LARGE}-record database found ${found.length} codes, ${expected.length} were planted\n`);
  process.exit(1);
}
