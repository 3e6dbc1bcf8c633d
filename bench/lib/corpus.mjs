/**
 * The scan corpus of bench/foundation.mjs, shared with bench/versus.mjs: M files from 1 KiB to
 * 1 MiB (log-uniform, skewed towards small files), random binary or random text, ~2% carrying a
 * record's feature code at its anchor (every 10th planted binary file carries a second, end-anchored
 * code), ~0.5% decoys (a type 4 record's code in a file of another type, which must not be
 * detected). Also the "code packs" of versus.mjs: files that carry every plantable record's code,
 * for `tgvx export --format clamav --samples`. Deterministic for a seed; nothing here is real malware.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { featureCode } from "./bench-records.mjs";
import { keystream, Rng, toText } from "./synthetic.mjs";

const MIN_SIZE = 1024;
const MAX_SIZE = 1 << 20;
const SIZE_SKEW = 1.8; // size = 1 KiB * 1024^(u^1.8): mean ~89 KiB, ~175 MiB per 2,000 files
const TEXT_SHARE = 0.15;

/**
 * Write the corpus into `dir` (emptied first) and its manifest (planted files and their expected
 * detections) to `manifestPath`. `engine` is @tgvx/engine (its analyzeObject checks that planted
 * text files stay text and that decoys are not of their record's type).
 */
export function generateCorpus({ records, files: nFiles, seed, dir, manifestPath, engine }) {
  const { analyzeObject, FileType } = engine;
  const rng = new Rng(seed, "corpus");
  rmSync(dir, { recursive: true, force: true });
  const files = [];
  for (let i = 0; i < nFiles; i++) {
    const size = Math.round(MIN_SIZE * (MAX_SIZE / MIN_SIZE) ** (rng.float() ** SIZE_SKEW));
    const text = rng.chance(TEXT_SHARE);
    const sub = `d${String(Math.floor(i / 250)).padStart(2, "0")}`;
    files.push({ index: i, rel: `${sub}/f${String(i).padStart(5, "0")}.${text ? "txt" : "bin"}`, size, text, plants: [], expected: [], decoy: false });
  }

  // Which records get planted: one pool per kind, plus text (type 4 [text]) records.
  const pool = (pred) => rng.shuffle(records.filter(pred));
  const pools = {
    start: pool((r) => r.type === 3 && r.kind === "start"),
    end: pool((r) => r.type === 3 && r.kind === "end"),
    "start-at": pool((r) => r.type === 3 && r.kind === "start-at"),
    text: pool((r) => r.type === 4 && r.text),
    decoy: pool((r) => r.type === 4),
  };
  const take = (k) => pools[k].pop();
  const cycle = ["start", "end", "start-at", "text", "start", "end", "start", "start", "end", "start-at"];
  const binFiles = rng.shuffle(files.filter((f) => !f.text));
  const textFiles = rng.shuffle(files.filter((f) => f.text));

  const nPlanted = Math.max(1, Math.round(nFiles * 0.02));
  const nDecoys = Math.max(1, Math.round(nFiles * 0.005));
  for (let p = 0; p < nPlanted; p++) {
    let kind = cycle[p % cycle.length];
    if (kind === "text" && (!pools.text.length || !textFiles.length)) kind = "start";
    const file = kind === "text" ? textFiles.pop() : binFiles.pop();
    const rec = take(kind);
    if (!file || !rec) break;
    file.plants.push(rec);
    file.expected.push(rec);
    // Every 10th planted binary file also carries an end-anchored code: two detections expected.
    if (p % 10 === 9 && kind !== "end" && kind !== "text" && pools.end.length) {
      const extra = take("end");
      file.plants.push(extra);
      file.expected.push(extra);
    }
  }
  for (let d = 0; d < nDecoys; d++) {
    const file = binFiles.pop();
    const rec = take("decoy");
    if (!file || !rec) break;
    file.plants.push(rec);
    file.decoy = true; // a type 4 code in a file of another type: expected clean
  }

  let totalBytes = 0;
  for (const f of files) {
    // Room for the codes: start codes end at hi, end codes begin at size + lo.
    const need = f.plants.reduce((n, r) => n + (r.anchor === "start" ? r.hi : -r.lo), 0);
    if (f.size < need + 64) f.size = need + 64 + rng.int(0, 4096);
    const buf = keystream(seed, "corpus", f.index, f.size);
    if (f.text) toText(buf);
    for (const r of f.plants) {
      const code = featureCode(r, seed);
      const at = r.anchor === "start" ? r.lo : f.size + r.lo;
      buf.set(code, at);
    }
    // The generator's own check: planted text files are still text, decoys are not of their type.
    const info = analyzeObject(buf, basename(f.rel));
    if (f.expected.some((r) => r.text) && (info.types & FileType.text) === 0) throw new Error(`generator: ${f.rel} is no longer text`);
    if (f.decoy) {
      const r = f.plants[0];
      const bits = r.filetypes.reduce((b, t) => b | FileType[t], 0);
      if ((info.types & bits) !== 0) throw new Error(`generator: decoy ${f.rel} is of type ${r.filetypes} after all`);
    }
    mkdirSync(join(dir, dirname(f.rel)), { recursive: true });
    writeFileSync(join(dir, f.rel), buf);
    totalBytes += f.size;
  }
  const manifest = files
    .filter((f) => f.plants.length)
    .map((f) => ({
      file: f.rel,
      size: f.size,
      decoy: f.decoy,
      planted: f.plants.map((r) => ({ id: r.id, name: r.name, type: r.type, anchor: r.anchor, at: r.at, filetypes: r.filetypes ?? null })),
      expected: f.expected.map((r) => r.name).sort(),
    }));
  if (manifestPath) writeFileSync(manifestPath, JSON.stringify(manifest, null, 1));
  return { files, totalBytes, planted: files.filter((f) => f.expected.length).length, decoys: files.filter((f) => f.decoy).length };
}

/**
 * Code packs: files into `dir` (emptied first) that carry the feature code of every record that
 * can be planted the way the corpus plants codes (type 3, and type 4 [text] in text files): each
 * file holds one start-anchored and one end-anchored code, so tgvx detects both there and
 * `tgvx export --format clamav --samples dir` finds every such record's bytes. Type 4 records of
 * executable or archive types need a host of that type and get no pack (ClamAV gets no signature
 * for them; they are never detected in the corpus either, where they only appear as decoys).
 * Files go 1,000 to a folder. Returns the counts.
 */
export function writeCodePacks({ records, seed, dir }) {
  rmSync(dir, { recursive: true, force: true });
  const groups = [
    { text: false, start: records.filter((r) => r.type === 3 && r.anchor === "start"), end: records.filter((r) => r.type === 3 && r.anchor === "end") },
    { text: true, start: records.filter((r) => r.type === 4 && r.text && r.anchor === "start"), end: records.filter((r) => r.type === 4 && r.text && r.anchor === "end") },
  ];
  let files = 0;
  let bytes = 0;
  let codes = 0;
  for (const g of groups) {
    const n = Math.max(g.start.length, g.end.length);
    for (let i = 0; i < n; i++) {
      const s = g.start[i];
      const e = g.end[i];
      const size = (s ? s.hi : 0) + (e ? -e.lo : 0) + 64;
      const buf = keystream(seed, g.text ? "pack-text" : "pack", i, size);
      if (g.text) toText(buf);
      if (s) buf.set(featureCode(s, seed), s.lo);
      if (e) buf.set(featureCode(e, seed), size + e.lo);
      const rel = `${g.text ? "t" : "b"}${String(Math.floor(files / 1000)).padStart(4, "0")}/p${String(files).padStart(7, "0")}.${g.text ? "txt" : "bin"}`;
      mkdirSync(join(dir, dirname(rel)), { recursive: true });
      writeFileSync(join(dir, rel), buf);
      files++;
      bytes += size;
      codes += (s ? 1 : 0) + (e ? 1 : 0);
    }
  }
  return { files, bytes, codes };
}

/** Every file under `dir`, recursively, by path in byte order: the corpus as the benches read it. */
export function corpusFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}
