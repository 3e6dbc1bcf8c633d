#!/usr/bin/env node
/**
 * tgvx patch benchmark: how small an incremental update is, and how fast it is made and applied.
 *
 *   node bench/patch.mjs [--records 100000] [--change 1] [--seed 1] [--runs 3] [--work DIR]
 *
 * 1. generates N inert records (the generator of bench/foundation.mjs, bench/lib/bench-records.mjs);
 * 2. `tgvx keygen`, then `tgvx release` them as version 1 (signed);
 * 3. changes --change percent of the records (half replaced with a new revision and CRC, a
 *    quarter removed, a quarter added as new ids) and `tgvx release`s version 2, which writes
 *    the patch 1-to-2 itself;
 * 4. measures the patch size against the full database (goal: at most 3%), making it (`tgvx patch`
 *    and `makePatch` in-process), applying it (`tgvx update` and `applyPatch` in-process), and
 *    checks that every applied result is byte-identical to release 2 (exit 1 otherwise);
 * 5. prints a markdown table and writes WORK/patch-results.json.
 *
 * Plain Node 20 ESM; run `npm run build` first. Deterministic for a seed; nothing here is real malware.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { generateRecords, writeRecords } from "./lib/bench-records.mjs";
import { benchCli, importBuilt } from "./lib/cli.mjs";
import { median, Rng, round } from "./lib/synthetic.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(REPO, "packages/cli/bin/tgvx.js");

const { args, number, log } = benchCli("patch", {
  records: { type: "string", default: "100000" },
  change: { type: "string", default: "1", hint: "PERCENT" },
  seed: { type: "string", default: "1" },
  runs: { type: "string", default: "3" },
  work: { type: "string", default: join(REPO, "bench", ".work", "patch"), hint: "DIR" },
});
const N = Math.floor(number(args.records, "records", 100));
const CHANGE = number(args.change, "change", 0.01, 100);
const RUNS = Math.floor(number(args.runs, "runs", 1, 50));
const SEED = args.seed;
const WORK = resolve(args.work);

const [engine, compiler] = await importBuilt("patch", "@tgvx/engine", "@tgvx/compiler");

function tgvx(argv, { json = false } = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: WORK, encoding: "utf8", maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    process.stderr.write(`tgvx ${argv.join(" ")} exited ${r.status}:\n${r.stderr}\n`);
    process.exit(1);
  }
  return { ms, out: json ? JSON.parse(r.stdout) : r.stdout };
}
const timeAsync = async (f) => {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
};
const same = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });

// 1. records, version 1
let t = performance.now();
const { records, families } = generateRecords({ count: N, perFamily: 100, seed: SEED });
writeRecords(join(WORK, "records-v1"), records, families, { seed: SEED });
log(`generated ${N} records in ${Math.round(performance.now() - t)} ms`);

// 2. key and release 1
tgvx(["keygen", "-o", join(WORK, "keys", "bench")]);
const key = join(WORK, "keys", "bench.key");
const pub = join(WORK, "keys", "bench.pub");
const rel1 = tgvx(["release", join(WORK, "records-v1"), "--key", key, "--out-dir", "releases", "--no-ledger", "--db-version", "1", "--json"], { json: true });
log(`release 1: ${rel1.out.manifest.database.bytes} bytes in ${Math.round(rel1.ms)} ms`);

// 3. change CHANGE% of the records: half replaced (new rev and CRC), a quarter removed, a quarter added
const rng = new Rng(SEED, "patch-bench-changes");
const changes = Math.max(4, Math.round((N * CHANGE) / 100));
const picked = rng.shuffle([...records.keys()]).slice(0, changes);
const replaced = new Set(picked.slice(0, Math.round(changes / 2)));
const removed = new Set(picked.slice(replaced.size, replaced.size + Math.round(changes / 4)));
const addCount = changes - replaced.size - removed.size;
let nextId = Math.max(...records.map((r) => r.id)) + 1;
const v2 = [];
for (const [i, r] of records.entries()) {
  if (removed.has(i)) continue;
  if (replaced.has(i)) v2.push({ ...r, rev: 2, windows: [r.windows[0], { ...r.windows[1], crc: rng.u32() }] });
  else v2.push(r);
}
const added = picked.slice(0, addCount).map((i) => {
  const r = records[i];
  return { ...r, id: nextId++, name: `${r.name}.Next`, windows: [{ ...r.windows[0], crc: rng.u32() }, { ...r.windows[1], crc: rng.u32() }] };
});
v2.push(...added);
writeRecords(join(WORK, "records-v2"), v2, families, { seed: SEED });
const rel2 = tgvx(["release", join(WORK, "records-v2"), "--key", key, "--out-dir", "releases", "--no-ledger", "--db-version", "2", "--patches", "1", "--json"], {
  json: true,
});
const m2 = rel2.out.manifest;
const releasePatch = m2.patches[0];
log(`release 2: ${m2.database.bytes} bytes, patch ${releasePatch.bytes} bytes, in ${Math.round(rel2.ms)} ms`);

const v1Bytes = new Uint8Array(readFileSync(join(WORK, "releases", "1", "main.tgvxdb")));
const v2Bytes = new Uint8Array(readFileSync(join(WORK, "releases", "2", "main.tgvxdb")));
const patchPath = join(WORK, "releases", "2", releasePatch.file);
const patchBytes = new Uint8Array(readFileSync(patchPath));
const failures = [];

// 4a. making the patch: the CLI (wall, includes Node start-up) and in-process
const cliMake = [];
for (let i = 0; i < RUNS; i++) {
  const r = tgvx(["patch", join("releases", "1"), join("releases", "2"), "-o", `made-${i}.tgvxpatch`, "--key", key, "--json"], { json: true });
  cliMake.push(r.ms);
  if (!same(readFileSync(join(WORK, `made-${i}.tgvxpatch`)), patchBytes)) failures.push(`tgvx patch run ${i} made other bytes than tgvx release`);
}
const signingKey = await compiler.parsePrivateKey(readFileSync(key, "utf8"));
const makeRuns = [];
for (let i = 0; i < RUNS; i++) {
  const { ms, value } = await timeAsync(() => compiler.makePatch(v1Bytes, v2Bytes, signingKey));
  makeRuns.push(ms);
  if (!same(value.bytes, patchBytes)) failures.push(`makePatch run ${i} made other bytes`);
}

// 4b. applying it: in-process and with `tgvx update` on a copy of release 1
const trustedKeys = [readFileSync(pub, "utf8")];
const applyRuns = [];
for (let i = 0; i < RUNS; i++) {
  const { ms, value } = await timeAsync(() => engine.applyPatch(v1Bytes, patchBytes, { trustedKeys }));
  applyRuns.push(ms);
  if (!same(value.bytes, v2Bytes)) failures.push(`applyPatch run ${i}: the result is not byte-identical to release 2`);
}
const loadRuns = [];
for (let i = 0; i < RUNS; i++) loadRuns.push((await timeAsync(() => engine.Engine.load(v2Bytes, { trustedKeys }))).ms);
const cliUpdate = [];
let updateOut;
for (let i = 0; i < RUNS; i++) {
  const db = join(WORK, `installed-${i}.tgvxdb`);
  copyFileSync(join(WORK, "releases", "1", "main.tgvxdb"), db);
  const r = tgvx(["update", "--db", db, "--trusted-key", pub, "--patch", patchPath, "--json"], { json: true });
  cliUpdate.push(r.ms);
  updateOut = r.out;
  if (!same(readFileSync(db), v2Bytes)) failures.push(`tgvx update run ${i}: the database is not byte-identical to release 2`);
}

const full = v2Bytes.length;
const gz = gzipSync(v2Bytes, { level: 9 }).length;
const share = patchBytes.length / full;
const results = {
  env: { node: process.version, cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length },
  date: new Date().toISOString(),
  records: { v1: records.length, v2: v2.length, changed: changes, replaced: replaced.size, removed: removed.size, added: added.length, changePercent: CHANGE },
  database: { bytes: full, gzipBytes: gz, records: m2.database.records },
  patch: {
    bytes: patchBytes.length,
    shareOfDatabase: share,
    shareOfGzippedDatabase: patchBytes.length / gz,
    removed: releasePatch.removed,
    added: releasePatch.added,
    replaced: releasePatch.replaced,
    goalMet: share <= 0.03,
  },
  make: { inProcessMsMedian: round(median(makeRuns)), cliWallMsMedian: round(median(cliMake)), runs: { inProcess: makeRuns, cli: cliMake } },
  apply: {
    inProcessMsMedian: round(median(applyRuns)),
    loadSignedMsMedian: round(median(loadRuns)),
    cliWallMsMedian: round(median(cliUpdate)),
    cliOwnMs: updateOut?.ms,
    runs: { inProcess: applyRuns, cli: cliUpdate },
  },
  releases: { v1Ms: Math.round(rel1.ms), v2WithPatchMs: Math.round(rel2.ms) },
  byteIdentical: failures.length === 0,
  failures,
};
writeFileSync(join(WORK, "patch-results.json"), JSON.stringify(results, null, 2) + "\n");

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const rows = [
  ["Records", `${N.toLocaleString("en")} (release 1) -> ${v2.length.toLocaleString("en")} (release 2)`],
  ["Changed", `${changes} (${CHANGE}%): ${replaced.size} replaced (new rev + CRC), ${removed.size} removed, ${added.length} added`],
  ["Full database (release 2)", `${kib(full)} (${kib(gz)} gzipped)`],
  ["Patch 1-to-2", `${kib(patchBytes.length)} = **${(100 * share).toFixed(2)}%** of the database (goal <= 3%), ${(100 * results.patch.shareOfGzippedDatabase).toFixed(1)}% of it gzipped`],
  ["Make, `makePatch` in-process (median of " + RUNS + ")", `${results.make.inProcessMsMedian} ms (includes applying it once as a self-check)`],
  ["Make, `tgvx patch` wall (median of " + RUNS + ")", `${results.make.cliWallMsMedian} ms`],
  ["Apply, `applyPatch` in-process (median of " + RUNS + ")", `${results.apply.inProcessMsMedian} ms (verify, apply, re-encode, check SHA-256)`],
  ["Load the result, `Engine.load` with the trusted key", `${results.apply.loadSignedMsMedian} ms`],
  ["Apply, `tgvx update` wall (median of " + RUNS + ")", `${results.apply.cliWallMsMedian} ms (its own ${results.apply.cliOwnMs} ms: read, apply, load, write, fsync, rename)`],
  ["Result byte-identical to release 2", failures.length ? `**NO**: ${failures.join("; ")}` : "yes (in-process and `tgvx update`, every run)"],
];
process.stdout.write(`# tgvx patch bench (${results.env.node}, ${results.env.cpu}, ${results.env.cores} cores)\n\n| Figure | Value |\n|---|---|\n`);
for (const [k, v] of rows) process.stdout.write(`| ${k} | ${v} |\n`);
process.stdout.write(`\nDetails: ${join(WORK, "patch-results.json")}\n`);
process.exit(failures.length ? 1 : 0);
