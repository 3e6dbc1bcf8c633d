/**
 * One process of bench/scale.mjs's in-process measure: loads the databases given, reads the
 * corpus into memory, then scans it with each database in turn, `passes` times after 2 unmeasured
 * passes each, and prints one JSON line: per database the pass times, the index work of a pass
 * and its detections. scale.mjs runs several of these, so that where one process's memory happens
 * to land (which moves a million-record scan by a few percent) is not taken for the engine's speed.
 * MODE `scan`: `Engine.scan` of each file; `stream`: each file through `Engine.streamScanner` in
 * 64 KiB chunks, as a proxy would pass it.
 *
 *   node bench/lib/scan-passes.mjs scan|stream PASSES CORPUS_DIR DB...
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { Engine } from "@tgvx/engine";
import { corpusFiles } from "./corpus.mjs";

const [mode, passes, corpusDir, ...dbs] = process.argv.slice(2);
if (mode !== "scan" && mode !== "stream") throw new Error(`scan-passes: MODE is scan or stream, not ${mode}`);
const CHUNK = 65536;
const streamed = (engine, f) => {
  const s = engine.streamScanner({ name: f.rel });
  for (let at = 0; at < f.bytes.length; at += CHUNK) s.write(f.bytes.subarray(at, at + CHUNK));
  return s.end();
};
const files = corpusFiles(corpusDir).map((p) => ({ rel: relative(corpusDir, p), bytes: readFileSync(p) }));
const engines = [];
for (const db of dbs) engines.push(await Engine.load(readFileSync(db), { allowUnsigned: true }));
const pass = (engine) => {
  const work = { candidates: 0, crcs: 0, crcBytes: 0, detections: [] };
  const t0 = performance.now();
  for (const f of files) {
    const r = mode === "scan" ? engine.scan(f.bytes, { name: f.rel }) : streamed(engine, f);
    work.candidates += r.stats.candidates;
    work.crcs += r.stats.crcs;
    work.crcBytes += r.stats.crcBytes;
    for (const d of r.detections) work.detections.push(`${f.rel}: ${d.name}`);
  }
  return { ms: performance.now() - t0, work };
};
const out = engines.map(() => ({ times: [], work: undefined }));
for (let i = 0; i < Number(passes) + 2; i++)
  engines.forEach((engine, j) => {
    const r = pass(engine);
    if (i >= 2) out[j].times.push(r.ms);
    out[j].work = r.work;
  });
process.stdout.write(`${JSON.stringify(out)}\n`);
