/**
 * The synthetic record generator of bench/foundation.mjs, shared with bench/patch.mjs: N inert
 * type 3/4 records in families, each derived from its own feature code (pseudo-random bytes with
 * the first word followed by the banner TGVX-BENCH-INERT; the two CRC windows are CRC-32s over
 * parts of it). Deterministic for a seed. Nothing here is a real signature.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as zlib from "node:zlib";
import { hex, hexByte, keystream, Rng, toText } from "./synthetic.mjs";

const crc32 = typeof zlib.crc32 === "function" ? (b) => zlib.crc32(b) >>> 0 : (await import("@tgvx/engine")).crc32;

export const BANNER = Buffer.from("TGVX-BENCH-INERT", "ascii"); // 16 bytes, printable
export const BANNER_ZONE = 2 + BANNER.length; // first word + banner

const KIND_WEIGHTS = [
  ["start", 60], // anchor start, at 0
  ["end", 25], // anchor end, negative offsets
  ["start-at", 15], // anchor start, non-zero at
];
const START_OFFSETS = [0x00, 0x02, 0x10, 0x20, 0x40, 0x60, 0x80, 0xc0, 0x100, 0x200, 0x300, 0x400];
const LENGTHS = [0x10, 0x20, 0x30, 0x40, 0x60, 0x80, 0xa0, 0xc0, 0x100];
const END_DISTANCES = [0x20, 0x40, 0x80, 0x100, 0x180, 0x200, 0x400, 0x800];
const AT_DELTAS = [-0x40, -0x20, 0, 0x10, 0x20, 0x40, 0x80, 0x100];
const BIN_FILETYPES = [["pe32", "pe64"], ["mz"], ["pe32"], ["pe64"], ["com"], ["zip"], ["mz", "ne"], ["mz", "pe32", "pe64"]];

function buildPools(rng) {
  const startAt = new Set();
  while (startAt.size < 256) startAt.add(2 * rng.int(1, 0x800)); // 2..0x1000, even
  const endAt = new Set();
  while (endAt.size < 128) endAt.add(-2 * rng.int(0x10, 0x800)); // -0x1000..-0x20
  const popular = new Set();
  while (popular.size < 256) popular.add(rng.u32() & 0xffff);
  const printable = () => rng.int(0x21, 0x7e);
  const textWords = new Set();
  while (textWords.size < 512) textWords.add(printable() | (printable() << 8));
  return { startAt: [...startAt], endAt: [...endAt], popular: [...popular], textWords: [...textWords] };
}

/** Bytes of window [off, off+len) outside the first word + banner zone [at, at+18). */
function ownBytes(w, at) {
  const overlap = Math.max(0, Math.min(w.offset + w.length, at + BANNER_ZONE) - Math.max(w.offset, at));
  return w.length - overlap;
}

function randomLength(rng) {
  return rng.chance(0.7) ? rng.pick(LENGTHS) : rng.int(16, 256);
}

/** A window shape (offset, length) for a record of `kind` whose first word is at `at`. */
function windowShape(rng, kind, at) {
  for (;;) {
    let w;
    if (kind === "start") {
      w = rng.chance(0.7) ? { offset: rng.pick(START_OFFSETS), length: rng.pick(LENGTHS) } : { offset: rng.int(0, 0x600), length: rng.int(16, 256) };
    } else if (kind === "start-at") {
      const length = randomLength(rng);
      w = { offset: Math.max(0, rng.chance(0.7) ? at + rng.pick(AT_DELTAS) : rng.int(0, at + 0x200)), length };
    } else {
      const length = randomLength(rng);
      const k = rng.chance(0.7) ? rng.pick(END_DISTANCES.filter((d) => d >= length)) : rng.int(length, 0x1000);
      w = { offset: -k, length };
    }
    if (ownBytes(w, at) >= 4) return w;
  }
}

function anchorAt(rng, kind, pools) {
  if (kind === "start") return 0;
  if (kind === "start-at") return rng.skewed(pools.startAt);
  return rng.skewed(pools.endAt);
}

function variantName(i) {
  let s = "";
  i++;
  while (i > 0) {
    i--;
    s = String.fromCharCode(65 + (i % 26)) + s;
    i = Math.floor(i / 26);
  }
  return s;
}

export function generateRecords({ count, perFamily = 100, seed = "1" }) {
  const rng = new Rng(seed, "records");
  const pools = buildPools(rng);
  const families = Math.ceil(count / perFamily);
  const famDigits = Math.max(4, String(families - 1).length);
  const records = [];
  for (let f = 0; f < families; f++) {
    const isType4 = rng.chance(0.1);
    const text = isType4 && rng.chance(0.5);
    const fam = {
      kind: rng.weighted(KIND_WEIGHTS),
      type: isType4 ? 4 : 3,
      filetypes: isType4 ? (text ? ["text"] : rng.pick(BIN_FILETYPES)) : undefined,
      text,
      first: text ? rng.pick(pools.textWords) : rng.chance(0.4) ? rng.skewed(pools.popular, 3) : rng.u32() & 0xffff,
    };
    fam.at = anchorAt(rng, fam.kind, pools);
    fam.w1 = windowShape(rng, fam.kind, fam.at);
    do fam.w2 = windowShape(rng, fam.kind, fam.at);
    while (fam.w2.offset === fam.w1.offset && fam.w2.length === fam.w1.length);

    const n = Math.min(perFamily, count - f * perFamily);
    for (let v = 0; v < n; v++) {
      const kind = rng.chance(0.25) ? rng.weighted(KIND_WEIGHTS) : fam.kind;
      const at = kind === fam.kind && rng.chance(0.7) ? fam.at : anchorAt(rng, kind, pools);
      const sameShape = kind === fam.kind && at === fam.at;
      const shape = (tmpl) => (sameShape && rng.chance(0.6) ? { ...tmpl } : windowShape(rng, kind, at));
      const w1 = shape(fam.w1);
      let w2 = shape(fam.w2);
      while (w2.offset === w1.offset && w2.length === w1.length) w2 = windowShape(rng, kind, at);
      let first;
      if (text) first = rng.chance(0.5) ? fam.first : rng.pick(pools.textWords);
      else first = rng.chance(0.5) ? fam.first : rng.chance(0.4) ? rng.skewed(pools.popular, 3) : rng.u32() & 0xffff;
      const i = records.length;
      const lo = Math.min(at, w1.offset, w2.offset);
      const hi = Math.max(at + BANNER_ZONE, w1.offset + w1.length, w2.offset + w2.length);
      const rec = {
        index: i,
        id: 0x100000 + i,
        name: `Bench.Family${String(f).padStart(famDigits, "0")}.${variantName(v)}`,
        family: f,
        type: fam.type,
        filetypes: fam.filetypes,
        text,
        kind,
        anchor: kind === "end" ? "end" : "start",
        at,
        first,
        windows: [w1, w2],
        lo,
        hi,
      };
      const code = featureCode(rec, seed);
      for (const w of rec.windows) w.crc = crc32(code.subarray(w.offset - lo, w.offset - lo + w.length));
      records.push(rec);
    }
  }
  return { records, families };
}

/** The record's feature code: bytes [lo, hi) relative to its anchor. */
export function featureCode(rec, seed) {
  const code = keystream(seed, "feature", rec.id, rec.hi - rec.lo);
  if (rec.text) toText(code);
  const p = rec.at - rec.lo;
  code[p] = rec.first & 0xff;
  code[p + 1] = rec.first >>> 8;
  BANNER.copy(code, p + 2);
  return code;
}

const num = (n) => (n < 0 ? String(n) : hex(n)); // YAML 1.2 hex ints carry no sign

export function recordYaml(r) {
  const lines = [
    `  - id: ${hex(r.id, 6)}`,
    `    rev: ${r.rev ?? 1}`,
    `    name: ${r.name}`,
    `    type: ${r.type}`,
    `    status: stable`,
    `    description: Inert synthetic benchmark record (feature code carries TGVX-BENCH-INERT).`,
    `    detect:`,
    `      anchor: ${r.anchor}`,
  ];
  if (r.at !== 0) lines.push(`      at: ${num(r.at)}`);
  lines.push(`      first: "${hexByte(r.first & 0xff)} ${hexByte(r.first >>> 8)}"`);
  if (r.filetypes) lines.push(`      filetypes: [${r.filetypes.join(", ")}]`);
  lines.push(`      windows:`);
  for (const w of r.windows) lines.push(`        - { offset: ${num(w.offset)}, length: ${hex(w.length)}, crc: ${hex(w.crc, 8)} }`);
  return lines.join("\n");
}

export function writeRecords(dir, records, families, { familiesPerFile = 10, seed = "1" } = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const byFamily = new Map();
  for (const r of records) {
    let l = byFamily.get(r.family);
    if (!l) byFamily.set(r.family, (l = []));
    l.push(r);
  }
  let files = 0;
  let bytes = 0;
  for (let f0 = 0; f0 < families; f0 += familiesPerFile) {
    const f1 = Math.min(families, f0 + familiesPerFile) - 1;
    const body = [
      "# Generated by bench/foundation.mjs: inert synthetic records for benchmarking, not real signatures.",
      `# seed ${seed}, families ${f0}..${f1}`,
      "records:",
    ];
    for (let f = f0; f <= f1; f++) for (const r of byFamily.get(f) ?? []) body.push(recordYaml(r));
    const text = body.join("\n") + "\n";
    writeFileSync(join(dir, `bench-${String(f0).padStart(6, "0")}.yaml`), text);
    files++;
    bytes += text.length;
  }
  return { files, bytes };
}

/**
 * What a cached benchmark database depends on besides its records: the format version and the
 * writer's built code (packages/engine/dist/to-binary.js). A writer change that keeps the format
 * (window numbering, row order) still makes the benches compile again instead of timing a stale
 * database.
 */
export function databaseWriterStamp(formatVersion) {
  const writer = readFileSync(new URL("../../packages/engine/dist/to-binary.js", import.meta.url));
  return `tgvxdb format ${formatVersion}, writer ${createHash("sha256").update(writer).digest("hex").slice(0, 16)}`;
}
