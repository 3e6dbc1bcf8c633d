#!/usr/bin/env node
/**
 * tgvx lint benchmark: `tgvx lint` over a large generated database.
 *
 *   node bench/lint.mjs [--records 100000] [--per-file 1000] [--work DIR] [--seed 1] [--runs 3]
 *
 * 1. generates N inert type 3/4 records (YAML, `--per-file` records per file) from a seeded PRNG:
 *    unique ids and names, random first words and CRCs, windows 16..256 bytes that never overlap,
 *    anchors start / end / entry; plus a few seeded problems (duplicate names, overlapping
 *    windows, short windows, an unknown module) that the linter must report, exactly;
 * 2. times `tgvx lint WORK/records --no-samples` (the rules over the records alone) and
 *    `tgvx lint WORK/records` against samples/ (every rule: the records are compiled in memory and
 *    the corpus scanned; coverage is off, as generated records have no samples), median of `--runs`;
 * 3. checks the seeded problems are reported and nothing else at error level (exit 1 otherwise);
 * 4. prints a markdown table and writes WORK/lint-results.json.
 *
 * Plain Node 20 ESM; run `npm run build` first. Nothing here is real malware: CRCs are random numbers.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchCli } from "./lib/cli.mjs";
import { hex, hexByte, median, Rng, round } from "./lib/synthetic.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { args, int, log } = benchCli("lint", {
  records: { type: "string", default: "100000" },
  "per-file": { type: "string", default: "1000" },
  work: { type: "string", default: join(REPO, "bench/.work/lint"), hint: "DIR" },
  seed: { type: "string", default: "1" },
  runs: { type: "string", default: "3" },
});
const N = int(args.records, "records");
const PER_FILE = int(args["per-file"], "per-file");
const RUNS = int(args.runs, "runs");
const WORK = resolve(args.work);

// ---------------------------------------------------------------------------------------------
// 1. records

const rng = new Rng(args.seed, "lint-records");
/** A first word of two upper-case letters: rare in the clean corpus, as a real body's would be. */
const word = () => `${hexByte(rng.int(0x41, 0x5a))} ${hexByte(rng.int(0x41, 0x5a))}`;
const crc = () => hex(rng.u32(), 8);
/** Signed hex as records write it: 0x40, -0x40. */
const shex = (n) => (n < 0 ? `-${hex(-n)}` : hex(n));
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Seeded problems: record index -> what is wrong, and the rule that must report it. */
const SEEDED = new Map();
for (let k = 0; k < 10; k++) {
  SEEDED.set(1000 + k * 9001, { kind: "duplicate-name", rule: "duplicate-name" });
  SEEDED.set(2000 + k * 9001, { kind: "overlap", rule: "window-range" });
  SEEDED.set(3000 + k * 9001, { kind: "short", rule: "weak-signature" });
}
SEEDED.set(4242, { kind: "module", rule: "unknown-module" });

function record(i) {
  const family = `Bench${Math.floor(i / 26).toString(36).replace(/^./, (c) => c.toUpperCase())}`;
  const seeded = SEEDED.get(i)?.kind;
  const name = seeded === "duplicate-name" ? `Win32.Bench0.A` : `Win32.${family}.${LETTERS[i % 26]}`;
  const anchor = rng.pick(["start", "start", "start", "end", "entry"]);
  const type = anchor === "entry" || rng.chance(0.1) ? 4 : 3;
  // Each window 32 bytes or more, so the two cover at least the 64 weak-signature wants.
  const len1 = seeded === "short" ? 8 : rng.int(32, 256);
  const len2 = seeded === "short" ? 0x80 : rng.int(32, 256);
  const gap = seeded === "overlap" ? -8 : rng.int(0, 64);
  // Offsets: after the first word from start/entry, before the end from end.
  let at, o1, o2;
  if (anchor === "end") {
    o2 = -len2 - rng.int(0, 32);
    o1 = o2 - gap - len1;
    at = o1 - 2 - rng.int(0, 16);
  } else {
    at = anchor === "entry" ? -rng.int(0, 0x40) : rng.int(0, 0x40);
    o1 = at + 2 + rng.int(0, 16);
    o2 = o1 + len1 + gap;
  }
  const filetypes = type === 4 ? (anchor === "entry" ? rng.pick(["[pe32]", "[mz]", "[pe32, pe64]", "[ne]"]) : rng.pick(["[pe32]", "[text]", "[zip]"])) : undefined;
  return [
    `  - id: ${hex(0x100000 + i, 4)}`,
    `    rev: 1`,
    `    name: ${name}`,
    `    type: ${type}`,
    `    status: stable`,
    `    attributes: [infector]`,
    `    detect:`,
    `      anchor: ${anchor}`,
    ...(at ? [`      at: ${shex(at)}`] : []),
    `      first: "${word()}"`,
    ...(filetypes ? [`      filetypes: ${filetypes}`] : []),
    `      windows:`,
    `        - { offset: ${shex(o1)}, length: ${hex(len1)}, crc: ${crc()} }`,
    `        - { offset: ${shex(o2)}, length: ${hex(len2)}, crc: ${crc()} }`,
    ...(seeded === "module" ? [`    module: bench-module`] : []),
  ].join("\n");
}

log(`generating ${N.toLocaleString("en-US")} records in ${WORK}/records ...`);
rmSync(join(WORK, "records"), { recursive: true, force: true });
mkdirSync(join(WORK, "records"), { recursive: true });
let bytes = 0;
for (let f = 0; f * PER_FILE < N; f++) {
  const lines = ["# generated by bench/lint.mjs: inert synthetic records, random CRCs", "records:"];
  for (let i = f * PER_FILE; i < Math.min(N, (f + 1) * PER_FILE); i++) lines.push(record(i));
  const text = lines.join("\n") + "\n";
  bytes += text.length;
  writeFileSync(join(WORK, "records", `bench-${String(f).padStart(4, "0")}.yaml`), text);
}
const config = join(WORK, "tgvx-lint.json");
writeFileSync(config, JSON.stringify({ rules: { coverage: "off" } }));

// ---------------------------------------------------------------------------------------------
// 2. lint, timed

const tgvx = join(REPO, "packages/cli/bin/tgvx.js");
function lint(extra) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [tgvx, "lint", join(WORK, "records"), "--json", ...extra], { cwd: REPO, encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 1 && r.status !== 0) throw new Error(`tgvx lint exited ${r.status}: ${r.stderr}`);
  return { ms, status: r.status, report: JSON.parse(r.stdout) };
}

const results = {};
for (const [label, extra] of [
  ["records only (--no-samples)", ["--no-samples"]],
  ["every rule, against samples/ (coverage off)", ["-c", config, "--samples", "samples"]],
]) {
  const runs = [];
  for (let k = 0; k < RUNS; k++) {
    log(`tgvx lint: ${label}, run ${k + 1}/${RUNS} ...`);
    runs.push(lint(extra));
  }
  results[label] = runs;
}

// ---------------------------------------------------------------------------------------------
// 3. correctness: the seeded problems, and no other error

let failed = false;
for (const [label, runs] of Object.entries(results)) {
  const { report } = runs[0];
  const errors = report.diagnostics.filter((d) => d.severity === "error");
  // Each seeded problem (among the records generated) is one finding of its rule.
  const want = new Map();
  for (const [i, s] of SEEDED) if (i < N) want.set(s.rule, (want.get(s.rule) ?? 0) + 1);
  const got = new Map();
  for (const d of report.diagnostics) got.set(d.ruleId, (got.get(d.ruleId) ?? 0) + 1);
  for (const [rule, n] of want)
    if ((got.get(rule) ?? 0) !== n) {
      failed = true;
      log(`FAIL ${label}: ${rule} reported ${got.get(rule) ?? 0} times, expected ${n}`);
    }
  const unexpected = errors.filter((d) => !want.has(d.ruleId));
  for (const d of unexpected.slice(0, 10)) log(`FAIL ${label}: unexpected ${d.file}:${d.line}:${d.column} ${d.ruleId} ${d.message}`);
  if (unexpected.length) failed = true;
  results[label].counts = report.counts;
}

// ---------------------------------------------------------------------------------------------
// 4. report

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const rows = Object.entries(results).map(([label, runs]) => {
  const ms = runs.map((r) => r.ms);
  const c = runs.counts;
  return `| ${label} | ${round(median(ms) / 1000, 2)} s | ${round(Math.min(...ms) / 1000, 2)} s | ${c.error} errors, ${c.warning} warnings |`;
});
const table = [
  `tgvx lint over ${N.toLocaleString("en-US")} generated records (${Math.ceil(N / PER_FILE)} files, ${round(bytes / 1048576, 1)} MiB of YAML), ${RUNS} runs; Node ${process.version}, ${cpu}, ${os.cpus().length} cores`,
  "",
  "| run | median wall time | best | findings (seeded) |",
  "|---|---|---|---|",
  ...rows,
].join("\n");
process.stdout.write(table + "\n");
writeFileSync(
  join(WORK, "lint-results.json"),
  JSON.stringify({ records: N, files: Math.ceil(N / PER_FILE), yamlBytes: bytes, node: process.version, cpu, runs: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.map((r) => r.ms)])) }, null, 2),
);
process.exit(failed ? 1 : 0);
