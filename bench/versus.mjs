#!/usr/bin/env node
/**
 * tgvx side by side with ClamAV and YARA: the same records, the same corpus, one run.
 *
 *   node bench/versus.mjs [--records 100000] [--files 2000] [--runs 3] [--load-runs 15] [--jobs auto] [--work DIR]
 *
 * 1. installs what it needs when missing (apt-get install clamav yara time), or says why it can't;
 * 2. generates N inert records and the corpus of bench/foundation.mjs (bench/lib/), plus "code
 *    packs": files carrying every plantable record's feature code, the samples `tgvx export
 *    --format clamav` takes the signature bytes from;
 * 3. compiles with `tgvx compile`, exports with `tgvx export --format yara|clamav`, compiles the
 *    YARA rules with `yarac` (ClamAV has no compile step: it parses the .ndb at every start);
 * 4. times, as median of --runs: compile, load (tgvx in-process, and each tool's CLI on one tiny
 *    file; tgvx and `yara -C` --load-runs times, in turn), the corpus scan (tgvx one thread and -j N, clamscan, yara -p 1 and yara's default
 *    threads; tgvx's scans after a warm-up run, at least 3 times), one large file (--large-mb MiB, sparse on disk, a start- and an end-anchored code
 *    planted; clamscan with its size limits raised to take it); peak RSS of every run
 *    (/usr/bin/time -f %M); database bytes per record;
 * 5. checks that all three report the same (file, record) pairs, and tgvx exactly the planted ones;
 * 6. prints one markdown table with ratios, writes WORK/versus-results.json.
 *
 * Exit status: 0 all detections agree; 1 a difference (each is listed; with --allow-approximate,
 * differences the export declared as approximations are listed but do not fail); 2 setup failed.
 * Plain Node 20 ESM; run `npm run build` first. Nothing here is real malware.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { featureCode, generateRecords, writeRecords } from "./lib/bench-records.mjs";
import { benchCli, importBuilt } from "./lib/cli.mjs";
import { generateCorpus, writeCodePacks } from "./lib/corpus.mjs";
import { median, round } from "./lib/synthetic.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(REPO, "packages", "cli", "bin", "tgvx.js");

// ---------------------------------------------------------------------------------------------
// child mode: Engine.load in a fresh process, median of 5 after one warm-up

if (process.argv[2] === "--child-load") {
  const { Engine } = await import("@tgvx/engine");
  const bytes = new Uint8Array(readFileSync(process.argv[3]));
  const t0 = performance.now();
  await Engine.load(bytes, { allowUnsigned: true });
  const cold = performance.now() - t0;
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await Engine.load(bytes, { allowUnsigned: true });
    runs.push(performance.now() - t);
  }
  process.stdout.write(JSON.stringify({ cold, runs, median: median(runs) }));
  process.exit(0);
}

const { args, int, fail: die, log } = benchCli("versus", {
  records: { type: "string", default: "100000", hint: "10000|100000|1000000" },
  files: { type: "string", default: "2000" },
  runs: { type: "string", default: "3" },
  "load-runs": { type: "string", default: "15" },
  jobs: { type: "string", default: "auto", hint: "auto|N" },
  work: { type: "string", default: join(REPO, "bench", ".work", "versus"), hint: "DIR" },
  seed: { type: "string", default: "1" },
  "per-family": { type: "string", default: "100" },
  "families-per-file": { type: "string", default: "10" },
  "max-rss-mib": { type: "string", hint: "M" },
  "large-mb": { type: "string", default: "1024", hint: "M (0: none)" },
  "allow-approximate": { type: "boolean", default: false },
  "no-install": { type: "boolean", default: false },
});
const N_RECORDS = int(args.records, "records");
const N_FILES = int(args.files, "files");
const RUNS = int(args.runs, "runs");
// Loading is ~0.1 s and swings with the machine's load: more runs, tgvx and YARA in turn.
const LOAD_RUNS = int(args["load-runs"], "load-runs");
// tgvx's scans take well under a second: at least 3 timed runs even with --runs 1 (which is for
// the other tools' minutes-long runs at a million records), after a warm-up run.
const TGVX_SCAN_RUNS = Math.max(RUNS, 3);
const CORES = os.availableParallelism();
const JOBS = args.jobs === "auto" ? Math.max(2, Math.min(CORES, 8)) : int(args.jobs, "jobs", 2);
const SEED = args.seed;
const WORK = resolve(args.work);
const LARGE_MIB = int(args["large-mb"], "large-mb", 0);
const P = {
  records: join(WORK, "records"),
  corpus: join(WORK, "corpus"),
  packs: join(WORK, "codepacks"),
  db: join(WORK, "bench.tgvxdb"),
  yar: join(WORK, "bench.yar"),
  yarc: join(WORK, "bench.yarc"),
  ndb: join(WORK, "bench.ndb"),
  tiny: join(WORK, "tiny.bin"),
  large: join(WORK, "large.bin"),
  time: join(WORK, "time.out"),
  results: join(WORK, "versus-results.json"),
};

// ---------------------------------------------------------------------------------------------
// 1. the tools

const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
function missingTools() {
  const m = [];
  if (!have("clamscan")) m.push("clamscan (package clamav)");
  if (!have("yara") || !have("yarac")) m.push("yara/yarac (package yara)");
  if (!existsSync("/usr/bin/time")) m.push("/usr/bin/time (package time)");
  return m;
}
let missing = missingTools();
if (missing.length) {
  const how = "apt-get update && apt-get install -y clamav yara time";
  if (args["no-install"]) die(`missing ${missing.join(", ")}; install them (${how}) or drop --no-install`);
  const root = process.getuid?.() === 0;
  const sudo = root ? [] : have("sudo") ? ["sudo", "-n"] : undefined;
  if (!have("apt-get") || !sudo) die(`missing ${missing.join(", ")} and cannot install them here (${have("apt-get") ? "not root and no sudo" : "no apt-get"}): install ClamAV, YARA and GNU time yourself (${how})`);
  log(`missing ${missing.join(", ")}: installing with ${sudo.length ? "sudo " : ""}${how}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const argv of [["apt-get", "update"], ["apt-get", "install", "-y", "clamav", "yara", "time"]]) {
    const r = spawnSync(sudo[0] ?? argv[0], [...sudo.slice(1), ...(sudo.length ? argv : argv.slice(1))], { stdio: ["ignore", 2, 2], env });
    if (r.status !== 0) die(`\`${argv.join(" ")}\` failed (exit ${r.status ?? r.signal}); install ClamAV, YARA and GNU time yourself (${how})`);
  }
  missing = missingTools();
  if (missing.length) die(`still missing after apt-get install: ${missing.join(", ")}`);
  log("installed");
}
const firstLine = (cmd, a) => (spawnSync(cmd, a, { encoding: "utf8" }).stdout || "").split("\n")[0].trim();
const versions = { clamav: firstLine("clamscan", ["--version"]), yara: firstLine("yara", ["--version"]), node: process.version };

const [engineMod] = await importBuilt("versus", "@tgvx/engine");

// ---------------------------------------------------------------------------------------------
// 2. measuring: wall time, exit code, peak RSS (/usr/bin/time), with a memory guard

function memAvailableMiB() {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"));
    if (m) return Math.floor(Number(m[1]) / 1024);
  } catch {}
  return Math.floor(os.freemem() / 1024 / 1024);
}
const MEM_AVAILABLE = memAvailableMiB();
const MAX_RSS_MIB = args["max-rss-mib"] ? int(args["max-rss-mib"], "max-rss-mib", 64) : Math.floor(MEM_AVAILABLE * 0.8);

function rssKiBOfTree(pid) {
  let total = 0;
  const visit = (p, depth) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) total += Number(m[1]);
      if (depth < 4)
        for (const t of readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) visit(Number(t), depth + 1);
    } catch {}
  };
  visit(pid, 0);
  return total;
}

/** Run `cmd argv` under /usr/bin/time; kill it if the process tree passes MAX_RSS_MIB. */
function measure(cmd, argv, { okCodes = [0] } = {}) {
  return new Promise((done, fail) => {
    rmSync(P.time, { force: true });
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "%M", "-o", P.time, cmd, ...argv], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const out = [];
    const err = [];
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    let killed = false;
    const guard = setInterval(() => {
      if (rssKiBOfTree(child.pid) / 1024 > MAX_RSS_MIB) {
        killed = true;
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      }
    }, 100);
    child.on("error", (e) => {
      clearInterval(guard);
      fail(e);
    });
    child.on("close", (status) => {
      clearInterval(guard);
      const ms = performance.now() - t0;
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      let peakKiB = NaN;
      try {
        peakKiB = Number(readFileSync(P.time, "utf8").trim().split("\n").pop());
      } catch {}
      if (killed) return fail(new Error(`${cmd} ${argv.join(" ")}: stopped: more than ${MAX_RSS_MIB} MiB resident (--max-rss-mib)`));
      // /usr/bin/time reports a non-zero exit as "Command exited with non-zero status N" and exits N
      if (!okCodes.includes(status)) return fail(new Error(`${cmd} ${argv.join(" ")} exited ${status}\n${stderr.slice(0, 4000)}`));
      done({ ms, status, peakKiB, stdout, stderr });
    });
  });
}

/**
 * `runs` timed runs; medians of wall time and peak RSS, and the first run's output. `warmup`: one
 * run first, not counted (for a run of a second or less, where a cold first read of the files or
 * of the database would be most of the time).
 */
async function timed(label, cmd, argv, opts = {}) {
  if (opts.warmup) await measured(`${label} (warm-up, not counted)`, 0, cmd, argv, opts);
  const runs = [];
  for (let i = 0; i < (opts.runs ?? RUNS); i++) runs.push(await measured(label, i, cmd, argv, opts));
  return summary(cmd, argv, runs);
}

/**
 * `timed` for quick commands, `n` rounds that each run every command once in turn: a change of
 * machine load (other tenants of a VM) then hits all of them alike, and the medians compare.
 */
async function timedInTurn(n, commands) {
  const runs = commands.map(() => []);
  for (let i = 0; i < n; i++) for (const [j, c] of commands.entries()) runs[j].push(await measured(c.label, i, c.cmd, c.argv, c.opts ?? {}));
  return commands.map((c, j) => summary(c.cmd, c.argv, runs[j]));
}

async function measured(label, i, cmd, argv, opts) {
  const r = await measure(cmd, argv, opts);
  log(`${label} run ${i + 1}: ${Math.round(r.ms)} ms, peak RSS ${Math.round(r.peakKiB / 1024)} MiB`);
  return r;
}

function summary(cmd, argv, runs) {
  return {
    ms: Math.round(median(runs.map((r) => r.ms))),
    peakKiB: Math.round(median(runs.map((r) => r.peakKiB))),
    runs: runs.map((r) => ({ ms: Math.round(r.ms), peakKiB: r.peakKiB, status: r.status })),
    first: runs[0],
    command: [cmd === process.execPath ? "node" : cmd, ...argv].map((a) => (a.startsWith(REPO) ? relative(REPO, a) || "." : a)).join(" "),
  };
}

// ---------------------------------------------------------------------------------------------
// 3. records, corpus, code packs

mkdirSync(WORK, { recursive: true });
const loadStart = os.loadavg().map((x) => round(x, 1));
log(`memory: ${MEM_AVAILABLE} MiB available; any run passing ${MAX_RSS_MIB} MiB resident is stopped (--max-rss-mib)`);
let t = performance.now();
const { records, families } = generateRecords({ count: N_RECORDS, perFamily: int(args["per-family"], "per-family"), seed: SEED });
const recFiles = writeRecords(P.records, records, families, { familiesPerFile: int(args["families-per-file"], "families-per-file"), seed: SEED });
log(`records: ${records.length} in ${recFiles.files} YAML files in ${Math.round(performance.now() - t)} ms`);
t = performance.now();
const corpus = generateCorpus({ records, files: N_FILES, seed: SEED, dir: P.corpus, manifestPath: join(WORK, "corpus-manifest.json"), engine: engineMod });
log(`corpus: ${N_FILES} files, ${(corpus.totalBytes / 2 ** 20).toFixed(1)} MiB, ${corpus.planted} planted, ${corpus.decoys} decoys in ${Math.round(performance.now() - t)} ms`);
t = performance.now();
const packs = writeCodePacks({ records, seed: SEED, dir: P.packs });
log(`code packs: ${packs.codes} codes in ${packs.files} files (${(packs.bytes / 2 ** 20).toFixed(1)} MiB) in ${Math.round(performance.now() - t)} ms`);
writeFileSync(P.tiny, Buffer.from("tgvx versus: a tiny clean file\n"));

// ---------------------------------------------------------------------------------------------
// 4. compile, export, yarac

const node = process.execPath;
// Cold: every record file parsed (yarac has no cache either). Warm: tgvx's compile cache (unchanged
// record files are not parsed again), kept in WORK, never in the project's own cache.
const hasCache = (spawnSync(node, [CLI, "compile", "--help"], { encoding: "utf8" }).stdout || "").includes("--no-cache");
const compile = await timed("tgvx compile (cold)", node, [CLI, "compile", P.records, "-o", P.db, "--json", ...(hasCache ? ["--no-cache"] : [])]);
const compiled = JSON.parse(compile.first.stdout);
if (!compiled.ok || compiled.records !== records.length) die(`tgvx compile: ok=${compiled.ok} records=${compiled.records}`);
let compileWarm;
if (hasCache) {
  const cacheArgs = [CLI, "compile", P.records, "-o", P.db, "--json", "--cache", join(WORK, "compile-cache")];
  rmSync(join(WORK, "compile-cache"), { recursive: true, force: true });
  await measure(node, cacheArgs); // fills the cache
  compileWarm = await timed("tgvx compile (warm cache)", node, cacheArgs);
}
const dbBytes = statSync(P.db).size;

const exportYara = await timed("tgvx export yara", node, [CLI, "export", "--format", "yara", P.db, "-o", P.yar, "--json"], { okCodes: [0, 1], runs: 1 });
const yaraExport = JSON.parse(exportYara.first.stdout);
const exportClam = await timed("tgvx export clamav", node, [CLI, "export", "--format", "clamav", P.db, "--samples", P.packs, "-o", P.ndb, "--json"], {
  okCodes: [0, 1],
  runs: 1,
});
const clamExport = JSON.parse(exportClam.first.stdout);
const countBy = (xs, key) => xs.reduce((m, x) => ((m[key(x)] = (m[key(x)] ?? 0) + 1), m), {});
log(`export: YARA ${yaraExport.exported.length} rules (${yaraExport.approximate} approximate), ClamAV ${clamExport.exported.length} signatures (${clamExport.approximate} approximate, not exported: ${JSON.stringify(countBy(clamExport.skipped, (s) => s.code))})`);

const yarac = await timed("yarac", "yarac", [P.yar, P.yarc]);

// ---------------------------------------------------------------------------------------------
// 5. load

const loadChild = spawnSync(node, [fileURLToPath(import.meta.url), "--child-load", P.db], { cwd: REPO, encoding: "utf8", maxBuffer: 1 << 24 });
if (loadChild.status !== 0) die(`Engine.load child failed: ${loadChild.stderr}`);
const loadInProcess = JSON.parse(loadChild.stdout);
const [loadTgvx, loadYara] = await timedInTurn(LOAD_RUNS, [
  { label: "tgvx scan tiny", cmd: node, argv: [CLI, "scan", "--db", P.db, "--no-summary", P.tiny] },
  { label: "yara -C tiny", cmd: "yara", argv: ["-C", P.yarc, P.tiny] },
]);
const loadClam = await timed("clamscan tiny", "clamscan", ["--no-summary", "-d", P.ndb, P.tiny]);

// ---------------------------------------------------------------------------------------------
// 6. scan the corpus

const found = [0, 1];
const quick = { okCodes: found, warmup: true, runs: TGVX_SCAN_RUNS };
const scanTgvx = await timed("tgvx scan", node, [CLI, "scan", "--db", P.db, "-i", "--no-summary", P.corpus], quick);
const scanTgvxJ = await timed(`tgvx scan -j ${JOBS}`, node, [CLI, "scan", "--db", P.db, "-i", "--no-summary", "-j", String(JOBS), P.corpus], quick);
const scanClam = await timed("clamscan", "clamscan", ["--no-summary", "-i", "-r", "--allmatch", "-d", P.ndb, P.corpus], { okCodes: found });
const scanYara1 = await timed("yara -p 1", "yara", ["-C", "-r", "-p", "1", P.yarc, P.corpus]);
const scanYaraN = await timed("yara (default threads)", "yara", ["-C", "-r", P.yarc, P.corpus]);

// One large file, sparse on disk (a disk image, a video): a start-anchored code at its start, an
// end-anchored one at its end, of type 3 records every tool has. Not approximated, but for
// ClamAV's EOF-n one, which concerns executables only (this file is plain data).
let large;
if (LARGE_MIB) {
  const names = (exp, ok) => new Set(exp.exported.filter(ok).map((e) => e.name));
  const inYara = names(yaraExport, (e) => !e.approximate);
  const inClam = names(clamExport, (e) => !e.approximate || /EOF-n offsets in MZ executables/.test(e.approximate));
  const pick = (pred) => records.find((r) => r.type === 3 && pred(r) && inClam.has(r.name) && inYara.has(r.name)) ?? die(`no record for the large file among ${records.length}`);
  const start = pick((r) => r.anchor === "start" && r.at === 0);
  const end = pick((r) => r.anchor === "end");
  const bytes = LARGE_MIB * 2 ** 20;
  const fd = openSync(P.large, "w");
  try {
    for (const [rec, at] of [[start, start.lo], [end, bytes + end.lo]]) {
      const code = featureCode(rec, SEED);
      writeSync(fd, code, 0, code.length, at);
    }
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  const limits = [`--max-filesize=${LARGE_MIB + 1}M`, `--max-scansize=${LARGE_MIB + 1}M`];
  large = {
    names: [start.name, end.name].sort(),
    tgvx: await timed("tgvx scan, large file", node, [CLI, "scan", "--db", P.db, "-i", "--no-summary", P.large], quick),
    clam: await timed("clamscan, large file", "clamscan", ["--no-summary", "-i", "--allmatch", ...limits, "-d", P.ndb, P.large], { okCodes: found }),
    yara: await timed("yara -p 1, large file", "yara", ["-C", "-p", "1", P.yarc, P.large]),
  };
}

// ---------------------------------------------------------------------------------------------
// 7. the same detections?

const rel = (p) => relative(P.corpus, resolve(REPO, p)).split("\\").join("/");
const ruleToName = (exp) => new Map(exp.exported.map((e) => [e.rule, e.name]));
const notes = (exp) => {
  const m = new Map();
  for (const e of exp.exported) if (e.approximate) m.set(e.name, `approximate: ${e.approximate}`);
  for (const s of exp.skipped) m.set(s.name, `not exported (${s.code}): ${s.reason}`);
  return m;
};
function pairsFromClamLike(stdout, nameOf, strip) {
  const pairs = new Set();
  const unknown = [];
  for (const line of stdout.split("\n")) {
    if (!line.endsWith(" FOUND")) continue;
    const i = line.lastIndexOf(": ");
    const path = line.slice(0, i);
    const sig = strip(line.slice(i + 2, -" FOUND".length));
    const name = nameOf(sig);
    if (name === undefined) unknown.push(line);
    else pairs.add(`${rel(path)}\t${name}`);
  }
  return { pairs, unknown };
}
const tgvx = pairsFromClamLike(scanTgvx.first.stdout, (n) => n, (n) => n);
const clamNames = ruleToName(clamExport);
const clam = pairsFromClamLike(scanClam.first.stdout, (n) => clamNames.get(n), (n) => n.replace(/\.UNOFFICIAL$/, ""));
const yaraNames = ruleToName(yaraExport);
function yaraPairs(stdout) {
  const pairs = new Set();
  const unknown = [];
  for (const line of stdout.split("\n")) {
    if (!line) continue;
    const i = line.indexOf(" ");
    const name = yaraNames.get(line.slice(0, i));
    if (name === undefined) unknown.push(line);
    else pairs.add(`${rel(line.slice(i + 1))}\t${name}`);
  }
  return { pairs, unknown };
}
const yara1 = yaraPairs(scanYara1.first.stdout);
const yaraN = yaraPairs(scanYaraN.first.stdout);
const expected = new Set(corpus.files.flatMap((f) => f.expected.map((r) => `${f.rel}\t${r.name}`)));

const failures = [];
const explained = [];
function compareSets(label, have, want, why) {
  for (const p of want) if (!have.has(p)) (why?.(p, "missed") ? explained : failures).push(`${label}: missed ${p.replace("\t", ": ")}${why?.(p, "missed") ? ` (${why(p, "missed")})` : ""}`);
  for (const p of have) if (!want.has(p)) (why?.(p, "extra") ? explained : failures).push(`${label}: extra ${p.replace("\t", ": ")}${why?.(p, "extra") ? ` (${why(p, "extra")})` : ""}`);
}
const because = (m) => (p) => m.get(p.split("\t")[1]);
compareSets("tgvx vs planted", tgvx.pairs, expected);
if (scanTgvxJ.first.stdout !== scanTgvx.first.stdout) failures.push(`tgvx -j ${JOBS}: output differs from the single-thread run`);
if (scanTgvx.first.status !== (expected.size ? 1 : 0)) failures.push(`tgvx: exit code ${scanTgvx.first.status}`);
compareSets("ClamAV vs tgvx", clam.pairs, tgvx.pairs, because(notes(clamExport)));
compareSets("YARA -p 1 vs tgvx", yara1.pairs, tgvx.pairs, because(notes(yaraExport)));
compareSets(`YARA (default threads) vs YARA -p 1`, yaraN.pairs, yara1.pairs);
for (const u of [...clam.unknown.map((l) => `ClamAV: ${l}`), ...yara1.unknown.map((l) => `YARA: ${l}`)]) failures.push(`not a tgvx record: ${u}`);
if (large) {
  const want = new Set(large.names.map((n) => `${rel(P.large)}\t${n}`));
  compareSets("tgvx vs planted, large file", pairsFromClamLike(large.tgvx.first.stdout, (n) => n, (n) => n).pairs, want);
  compareSets("ClamAV, large file", pairsFromClamLike(large.clam.first.stdout, (n) => clamNames.get(n), (n) => n.replace(/\.UNOFFICIAL$/, "")).pairs, want);
  compareSets("YARA -p 1, large file", yaraPairs(large.yara.first.stdout).pairs, want);
}
if (!args["allow-approximate"]) failures.push(...explained.map((e) => `${e} [declared by tgvx export; --allow-approximate tolerates it]`));

// ---------------------------------------------------------------------------------------------
// 8. report

const MiB = 2 ** 20;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mib = (kib) => `${Math.round(kib / 1024)} MiB`;
const ratio = (other, mine) => {
  if (!(mine > 0 && other > 0)) return "—";
  const r = other / mine;
  return `${r >= 10 ? Math.round(r) : r >= 1 ? r.toFixed(1) : r.toPrecision(2)}x`;
};
const size = (path) => statSync(path).size;
const per = (bytes, n) => (n ? round(bytes / n, 1) : "—");
const files = { ndb: size(P.ndb), yar: size(P.yar), yarc: size(P.yarc) };
const nClam = clamExport.exported.length;
const nYara = yaraExport.exported.length;

const rows = [
  ["Rules (of " + records.length.toLocaleString("en-US") + " records)", `${records.length.toLocaleString("en-US")}`, `${nClam.toLocaleString("en-US")} (.ndb; ${clamExport.approximate} approximate)`, `${nYara.toLocaleString("en-US")} (${yaraExport.approximate} approximate)`, "", ""],
  ["Compile, wall (no cache)", s(compile.ms), "— (no compile step: the .ndb is parsed at every start)", `${s(yarac.ms)} (yarac)`, "—", ratio(yarac.ms, compile.ms)],
  ["Compile, peak RSS", mib(compile.peakKiB), "—", mib(yarac.peakKiB), "—", ratio(yarac.peakKiB, compile.peakKiB)],
  ...(compileWarm ? [["Compile, warm cache (unchanged record files)", s(compileWarm.ms), "—", "— (yarac has no cache)", "—", ratio(yarac.ms, compileWarm.ms)]] : []),
  ["Database on disk, bytes per rule", `${per(dbBytes, records.length)} (${(dbBytes / MiB).toFixed(1)} MiB)`, `${per(files.ndb, nClam)} (.ndb text, ${(files.ndb / MiB).toFixed(1)} MiB)`, `${per(files.yarc, nYara)} (compiled; source ${per(files.yar, nYara)})`, ratio(files.ndb / Math.max(1, nClam), dbBytes / records.length), ratio(files.yarc / Math.max(1, nYara), dbBytes / records.length)],
  ["Load, in-process `Engine.load` (median of 5)", `${round(loadInProcess.median, 1)} ms (cold ${round(loadInProcess.cold, 1)} ms)`, "—", "—", "—", "—"],
  [`Load + scan one tiny file, CLI wall (tgvx and YARA: median of ${LOAD_RUNS}, in turn)`, s(loadTgvx.ms), s(loadClam.ms), `${s(loadYara.ms)} (yara -C)`, ratio(loadClam.ms, loadTgvx.ms), ratio(loadYara.ms, loadTgvx.ms)],
  ["  peak RSS", mib(loadTgvx.peakKiB), mib(loadClam.peakKiB), mib(loadYara.peakKiB), ratio(loadClam.peakKiB, loadTgvx.peakKiB), ratio(loadYara.peakKiB, loadTgvx.peakKiB)],
  [`Scan corpus, one thread (${N_FILES.toLocaleString("en-US")} files, ${(corpus.totalBytes / MiB).toFixed(0)} MiB)`, s(scanTgvx.ms), s(scanClam.ms), `${s(scanYara1.ms)} (-p 1)`, ratio(scanClam.ms, scanTgvx.ms), ratio(scanYara1.ms, scanTgvx.ms)],
  ["  peak RSS", mib(scanTgvx.peakKiB), mib(scanClam.peakKiB), mib(scanYara1.peakKiB), ratio(scanClam.peakKiB, scanTgvx.peakKiB), ratio(scanYara1.peakKiB, scanTgvx.peakKiB)],
  [`Scan corpus, threads`, `${s(scanTgvxJ.ms)} (-j ${JOBS})`, "— (clamscan has one thread)", `${s(scanYaraN.ms)} (default -p)`, ratio(scanClam.ms, scanTgvxJ.ms), ratio(scanYaraN.ms, scanTgvxJ.ms)],
  ["  peak RSS", mib(scanTgvxJ.peakKiB), "—", mib(scanYaraN.peakKiB), "—", ratio(scanYaraN.peakKiB, scanTgvxJ.peakKiB)],
  ...(large
    ? [
        [`Scan one ${LARGE_MIB.toLocaleString("en-US")} MiB file (sparse; a code at each end)`, s(large.tgvx.ms), `${s(large.clam.ms)} (limits raised)`, `${s(large.yara.ms)} (-p 1)`, ratio(large.clam.ms, large.tgvx.ms), ratio(large.yara.ms, large.tgvx.ms)],
        ["  peak RSS", mib(large.tgvx.peakKiB), mib(large.clam.peakKiB), mib(large.yara.peakKiB), ratio(large.clam.peakKiB, large.tgvx.peakKiB), ratio(large.yara.peakKiB, large.tgvx.peakKiB)],
      ]
    : []),
  [
    "Detections, (file, record) pairs",
    `${tgvx.pairs.size} (planted: ${expected.size})`,
    `${clam.pairs.size}`,
    `${yara1.pairs.size}`,
    failures.length ? "DIFFER" : explained.length ? "same but declared approximations" : "same",
    "",
  ],
];
const header = `| | tgvx | ClamAV (${versions.clamav.replace(/^ClamAV /, "").split("/")[0]}) | YARA (${versions.yara}) | ClamAV / tgvx | YARA / tgvx |`;
const loadEnd = os.loadavg().map((x) => round(x, 1));
const table = [
  `Machine: Node ${versions.node}, ${os.cpus()[0]?.model ?? "unknown CPU"} (${CORES} cores), ${round(os.totalmem() / 1024 ** 3, 1)} GiB, load average ${loadStart[0]} at the start, ${loadEnd[0]} at the end; ${records.length.toLocaleString("en-US")} records, median of ${RUNS} (tgvx's scans: of ${TGVX_SCAN_RUNS} after a warm-up run)`,
  "",
  header,
  "|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.join(" | ")} |`),
  "",
  "Ratios: the other tool's figure over tgvx's (above 1: tgvx is faster or smaller). Wall times include process start-up; tgvx runs as `node packages/cli/bin/tgvx.js`.",
].join("\n");

const results = {
  params: { records: N_RECORDS, files: N_FILES, runs: RUNS, loadRuns: LOAD_RUNS, jobs: JOBS, seed: SEED, work: WORK, maxRssMiB: MAX_RSS_MIB },
  machine: { node: versions.node, cpu: os.cpus()[0]?.model, cores: CORES, memGiB: round(os.totalmem() / 1024 ** 3, 1), memAvailableMiB: MEM_AVAILABLE, loadAverageStart: loadStart, loadAverageEnd: loadEnd },
  versions,
  corpus: { files: N_FILES, bytes: corpus.totalBytes, planted: corpus.planted, decoys: corpus.decoys },
  codePacks: packs,
  sizes: { tgvxdb: dbBytes, ndb: files.ndb, yar: files.yar, yarc: files.yarc },
  export: {
    yara: { ms: exportYara.ms, exported: nYara, approximate: yaraExport.approximate, skipped: countBy(yaraExport.skipped, (x) => x.code) },
    clamav: { ms: exportClam.ms, exported: nClam, approximate: clamExport.approximate, skipped: countBy(clamExport.skipped, (x) => x.code), samples: clamExport.samples },
  },
  compile: { tgvx: strip(compile), tgvxReportedMs: compiled.ms, tgvxWarmCache: compileWarm ? strip(compileWarm) : null, yarac: strip(yarac) },
  load: { tgvxInProcess: loadInProcess, tgvx: strip(loadTgvx), clamscan: strip(loadClam), yara: strip(loadYara) },
  scan: { tgvx: strip(scanTgvx), tgvxJobs: strip(scanTgvxJ), clamscan: strip(scanClam), yaraP1: strip(scanYara1), yaraDefault: strip(scanYaraN) },
  largeFile: large ? { mib: LARGE_MIB, records: large.names, tgvx: strip(large.tgvx), clamscan: strip(large.clam), yaraP1: strip(large.yara) } : null,
  detections: {
    planted: expected.size,
    tgvx: tgvx.pairs.size,
    clamav: clam.pairs.size,
    yara: yara1.pairs.size,
    ok: failures.length === 0,
    failures,
    explained,
  },
  table,
};
function strip(r) {
  return { ms: r.ms, peakKiB: r.peakKiB, runs: r.runs, command: r.command };
}
writeFileSync(P.results, JSON.stringify(results, null, 2) + "\n");
process.stdout.write(table + "\n\nresults: " + relative(process.cwd(), P.results) + "\n");
if (explained.length) {
  process.stderr.write(`\n${explained.length} difference(s) the export declared (approximate or not exported):\n`);
  for (const e of explained.slice(0, 30)) process.stderr.write(`  ${e}\n`);
  if (explained.length > 30) process.stderr.write(`  ... and ${explained.length - 30} more (see ${P.results})\n`);
}
if (failures.length) {
  process.stderr.write(`\nVERSUS: ${failures.length} detection difference(s):\n`);
  for (const f of failures.slice(0, 30)) process.stderr.write(`  ${f}\n`);
  if (failures.length > 30) process.stderr.write(`  ... and ${failures.length - 30} more (see ${P.results})\n`);
  process.exit(1);
}
