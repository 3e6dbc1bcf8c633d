/**
 * Proves a database against the sample corpus: every sample through the real engine, compared
 * with what the manifest says must be found (exact names, nothing extra, nothing on clean files)
 * and what cleaning must give; per-record coverage and the cost each record had on the corpus.
 * Large corpora are spread over worker threads (a tinypool pool); results keep manifest order.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import type { Engine, ScanProfile, ScanStats, StatusName } from "@tgvx/engine";
import { loadYamlDocument, type Diagnostic } from "@tgvx/records";
import { checkChunk, type ChunkResult, type ChunkTask, type WorkerData } from "./prove-chunk.js";
import { fastManifest } from "./manifest-fast-path.js";
import { addCost, newProfile } from "./record-cost.js";
import { recordSet } from "./record-set.js";
import { OUTCOMES, type CleaningCheck, type Outcome, type SampleResult } from "./sample-check.js";
import { sampleManifestJsonSchema, type Sample, type SampleManifest } from "./sample-manifest.js";

export { OUTCOMES, type CleaningCheck, type DetectedRecord, type Outcome, type SampleResult } from "./sample-check.js";

/** What one record did on the corpus. */
export interface RecordReport {
  id: number;
  rev: number;
  name: string;
  status: StatusName;
  /** SHA-256 of the record's content (see `recordSet`). */
  hash: string;
  /** Samples the manifest expects it in. */
  expected: number;
  /** Samples it was reported in. */
  found: number;
  /** Failing samples whose failure is about this record. */
  failures: number;
  /** Times it was a candidate (anchor and first word matched) over the whole corpus. */
  candidates: number;
  /** CRC windows hashed for it over the whole corpus. */
  crcs: number;
  /** Time spent checking it over the whole corpus (ms). */
  ms: number;
}

export interface ProofReport {
  manifest: string;
  /** SHA-256 of the manifest text, so runs over different manifests can be told apart. */
  manifestSha256: string;
  database: { sha256: string; dbVersion: number; formatVersion: number; buildTime: number; fileLength: number; signed: boolean; records: number };
  /** Worker threads used (0: the calling thread). */
  workers: number;
  results: SampleResult[];
  /** Every record of the database, in id order. */
  records: RecordReport[];
  counts: { samples: number; passed: number; failed: number; infected: number; clean: number; outcomes: Record<Outcome, number> };
  /** Cleaning checks by what the manifest expects: how many, and how many held. */
  cleaning: Record<CleaningCheck["expected"], { checked: number; ok: number }>;
  /** Records of the database no sample exercises (deprecated records, which no longer detect, are left out). */
  recordsWithoutSample: string[];
  /** Names the manifest expects that the database does not have. */
  unknownNames: string[];
  /** Samples no record of the database explains: they expect a name the database does not have. */
  samplesUnexplained: string[];
  /** Files in the corpus the manifest does not mention. */
  unlistedFiles: string[];
  stats: ScanStats;
  ms: number;
}

export interface ProveOptions {
  /**
   * Worker threads: 0 checks every sample in the calling thread; N spreads the corpus over N
   * threads, each loading the database once. Default `autoWorkers(samples)`.
   */
  workers?: number;
  /** Called as samples finish (in chunks), for progress bars. */
  onProgress?(done: number, total: number): void;
}

export class ManifestError extends Error {
  override readonly name = "ManifestError";
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
  }
}

/** Files next to the samples that are not samples. */
export const NOT_SAMPLES = new Set(["manifest.yaml", "README.md", "generate.mjs", "acknowledged-losses.yaml"]);

/**
 * Below this many samples, starting threads (each loading the database, with a cold JIT: about
 * 0.2 s) costs more than it saves: a sample takes well under a millisecond (bench/harness.mjs).
 */
const PARALLEL_FROM = 2000;
/** With fewer cores, the threads compete with the main thread and the file system for the same two (bench/harness.mjs). */
const PARALLEL_CORES = 4;

/** Threads for a corpus of `samples` files: none for a small corpus or a small machine, else one per core (at most 8). */
export function autoWorkers(samples: number, cores = availableParallelism()): number {
  return samples < PARALLEL_FROM || cores < PARALLEL_CORES ? 0 : Math.min(cores, 8);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split("\\").join("/"));
    }
  };
  await walk(dir);
  return out.sort();
}

async function readManifestText(samplesDir: string): Promise<{ path: string; text: string }> {
  const path = join(samplesDir, "manifest.yaml");
  try {
    return { path, text: await readFile(path, "utf8") };
  } catch (err) {
    throw new ManifestError(`cannot read the sample manifest ${path}: ${(err as Error).message}`);
  }
}

function parseManifest(path: string, text: string): { manifest: SampleManifest; sha256: string } {
  const sha256 = createHash("sha256").update(text).digest("hex");
  const fast = fastManifest(text);
  if (fast && new Set(fast.samples.map((s) => s.path)).size === fast.samples.length) return { manifest: fast, sha256 };
  const doc = loadYamlDocument<SampleManifest>({ path, text }, sampleManifestJsonSchema());
  if (!doc.value) throw new ManifestError(`the sample manifest ${path} has errors`, doc.diagnostics);
  const seen = new Map<string, number>();
  const dups: Diagnostic[] = [];
  doc.value.samples.forEach((s, i) => {
    const first = seen.get(s.path);
    if (first === undefined) seen.set(s.path, i);
    else
      dups.push({
        file: path,
        severity: "error",
        code: "BAD_VALUE",
        message: `sample ${s.path} is listed twice (first as samples[${first}]): each file is listed once`,
        path: `samples[${i}].path`,
        ...doc.locate(["samples", i, "path"]),
      });
  });
  if (dups.length) throw new ManifestError(`the sample manifest ${path} has errors`, dups);
  return { manifest: doc.value, sha256 };
}

/** Read and validate `manifest.yaml` of a corpus. Throws `ManifestError` with positioned diagnostics. */
export async function readManifest(samplesDir: string): Promise<{ path: string; manifest: SampleManifest; sha256: string }> {
  const { path, text } = await readManifestText(samplesDir);
  return { path, ...parseManifest(path, text) };
}

export async function proveSamples(engine: Engine, samplesDir: string, options: ProveOptions = {}): Promise<ProofReport> {
  const t0 = performance.now();
  const { path: manifestPath, text } = await readManifestText(samplesDir);
  // Counted before parsing, so the worker threads load the database while the manifest is parsed.
  const listedCount = (text.match(/^\s*-\s+path:/gm) ?? []).length;
  const workers = Math.max(0, Math.floor(options.workers ?? autoWorkers(listedCount)));
  const pool = workers ? await startPool(engine, workers) : undefined;
  try {
    const unlisted = listFiles(samplesDir);
    unlisted.catch(() => {}); // awaited below; a failure is thrown there
    const { manifest, sha256: manifestSha256 } = parseManifest(manifestPath, text);
    return await proveListed(engine, samplesDir, manifest, manifestPath, manifestSha256, workers, pool, unlisted, options, t0);
  } finally {
    await pool?.destroy();
  }
}

async function proveListed(
  engine: Engine,
  samplesDir: string,
  manifest: SampleManifest,
  manifestPath: string,
  manifestSha256: string,
  workers: number,
  pool: Pool | undefined,
  unlisted: Promise<string[]>,
  options: ProveOptions,
  t0: number,
): Promise<ProofReport> {
  const db = engine.db;
  const samples = manifest.samples;
  const profile = newProfile(db.recordCount);
  const results = pool ? await runPool(pool, samplesDir, samples, workers, profile, options) : runHere(engine, samplesDir, samples, profile, options);

  const set = recordSet(db);
  const dbNames = new Set(set.map((r) => r.name));
  const unknown = new Set<string>();
  const samplesUnexplained: string[] = [];
  const expectedIn = new Map<string, number>();
  const foundIn = new Map<number, number>();
  const failuresOf = new Map<string, number>();
  const stats: ScanStats = { candidates: 0, crcs: 0, crcBytes: 0 };
  for (const r of results) {
    let unexplained = false;
    for (const n of r.expected) {
      expectedIn.set(n, (expectedIn.get(n) ?? 0) + 1);
      if (!dbNames.has(n)) {
        unknown.add(n);
        unexplained = true;
      }
    }
    if (unexplained) samplesUnexplained.push(r.path);
    for (const d of r.detected) foundIn.set(d.id, (foundIn.get(d.id) ?? 0) + 1);
    for (const n of r.records) failuresOf.set(n, (failuresOf.get(n) ?? 0) + 1);
    stats.candidates += r.stats.candidates;
    stats.crcs += r.stats.crcs;
    stats.crcBytes += r.stats.crcBytes;
  }
  const records: RecordReport[] = set.map((e) => ({
    id: e.id,
    rev: e.rev,
    name: e.name,
    status: e.status,
    hash: e.hash,
    expected: expectedIn.get(e.name) ?? 0,
    found: foundIn.get(e.id) ?? 0,
    failures: failuresOf.get(e.name) ?? 0,
    candidates: profile.candidates[e.row],
    crcs: profile.crcs[e.row],
    ms: profile.ms[e.row],
  }));
  // A record is exercised when a sample expects it and it was found there.
  const exercised = new Set<string>();
  for (const r of results) for (const n of r.found) if (r.expected.includes(n)) exercised.add(n);

  const listed = new Set(samples.map((s) => s.path));
  const unlistedFiles = (await unlisted).filter((f) => !listed.has(f) && !NOT_SAMPLES.has(f));
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of results) outcomes[r.outcome]++;
  const passed = outcomes.pass;
  return {
    manifest: manifestPath,
    manifestSha256,
    database: {
      sha256: engine.info.sha256,
      dbVersion: engine.info.dbVersion,
      formatVersion: engine.info.formatVersion,
      buildTime: engine.info.buildTime,
      fileLength: engine.info.fileLength,
      signed: engine.info.signed,
      records: db.recordCount,
    },
    workers,
    results,
    records,
    counts: {
      samples: results.length,
      passed,
      failed: results.length - passed,
      infected: results.filter((r) => r.expected.length > 0).length,
      clean: results.filter((r) => r.expected.length === 0).length,
      outcomes,
    },
    cleaning: (["restore", "remove", "refuse"] as const).reduce(
      (acc, k) => {
        const c = results.filter((r) => r.cleaning?.expected === k);
        acc[k] = { checked: c.length, ok: c.filter((r) => r.cleaning!.ok).length };
        return acc;
      },
      {} as ProofReport["cleaning"],
    ),
    recordsWithoutSample: set.filter((e) => e.status !== "deprecated" && !exercised.has(e.name)).map((e) => e.name).sort(),
    unknownNames: [...unknown].sort(),
    samplesUnexplained,
    unlistedFiles,
    stats,
    ms: performance.now() - t0,
  };
}

function runHere(engine: Engine, samplesDir: string, samples: readonly Sample[], profile: ScanProfile, options: ProveOptions): SampleResult[] {
  const out: SampleResult[] = [];
  // Chunks only to report progress; the profile is shared.
  const step = Math.max(1, Math.min(256, Math.ceil(samples.length / 100)));
  for (let i = 0; i < samples.length; i += step) {
    out.push(...checkChunk(engine, samplesDir, samples.slice(i, i + step), profile));
    options.onProgress?.(out.length, samples.length);
  }
  return out;
}

type Pool = import("tinypool").Tinypool;

/** A pool of `workers` threads, each verifying and loading the database as soon as it starts. */
async function startPool(engine: Engine, workers: number): Promise<Pool> {
  const { Tinypool } = await import("tinypool");
  const data: WorkerData = { database: new Uint8Array(engine.db.bytes), sha256: engine.info.sha256 };
  return new Tinypool({
    filename: new URL("./prove-worker.js", import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    workerData: data,
  });
}

async function runPool(pool: Pool, samplesDir: string, samples: readonly Sample[], workers: number, profile: ScanProfile, options: ProveOptions): Promise<SampleResult[]> {
  // Small chunks balance the load; big enough that posting them costs little.
  const size = Math.max(8, Math.min(256, Math.ceil(samples.length / (workers * 16))));
  const tasks: ChunkTask[] = [];
  for (let i = 0; i < samples.length; i += size) tasks.push({ index: tasks.length, samplesDir, samples: samples.slice(i, i + size) });
  const chunks: SampleResult[][] = new Array(tasks.length);
  let done = 0;
  await Promise.all(
    tasks.map(async (t) => {
      const r = (await pool.run(t)) as ChunkResult;
      chunks[r.index] = r.results;
      addCost(profile, r.cost);
      done += t.samples.length;
      options.onProgress?.(done, samples.length);
    }),
  );
  return chunks.flat();
}

/** A proof holds when every sample passed, every record has a sample, and the manifest names only records that exist. */
export function proofHolds(p: ProofReport): boolean {
  return p.counts.failed === 0 && p.unknownNames.length === 0 && p.unlistedFiles.length === 0 && p.recordsWithoutSample.length === 0;
}
