/**
 * Proves a database against the sample corpus: every sample through the real engine, compared
 * with what the manifest says must be found (exact names, nothing extra, nothing on clean files).
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import type { Engine, ScanStats } from "@tgvx/engine";
import { loadYamlDocument, type Diagnostic } from "@tgvx/records";
import { sampleManifestJsonSchema, type Sample, type SampleManifest } from "./sample-manifest.js";

export type Outcome = "pass" | "missed" | "unexpected" | "cleaning" | "error";

export interface CleaningCheck {
  /** What the manifest asks of cleaning. */
  expected: "restore" | "remove" | "refuse";
  /** What the engine did (`CleanResult.status`). */
  got: string;
  ok: boolean;
  reason?: string;
}

export interface SampleResult {
  path: string;
  outcome: Outcome;
  expected: string[];
  found: string[];
  /** What went wrong, for people. */
  reason?: string;
  types: string[];
  warnings: string[];
  cleaning?: CleaningCheck;
  ms: number;
}

export interface RecordCost {
  name: string;
  samples: number;
}

export interface ProofReport {
  manifest: string;
  results: SampleResult[];
  counts: { samples: number; passed: number; failed: number; infected: number; clean: number };
  /** Cleaning checks by what the manifest expects: how many, and how many held. */
  cleaning: Record<CleaningCheck["expected"], { checked: number; ok: number }>;
  /** Records of the database no sample exercises. */
  recordsWithoutSample: string[];
  /** Names the manifest expects that the database does not have. */
  unknownNames: string[];
  /** Files in the corpus the manifest does not mention. */
  unlistedFiles: string[];
  stats: ScanStats;
  ms: number;
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

const NOT_SAMPLES = new Set(["manifest.yaml", "README.md", "generate.mjs"]);

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

export async function readManifest(samplesDir: string): Promise<{ path: string; manifest: SampleManifest }> {
  const path = join(samplesDir, "manifest.yaml");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ManifestError(`cannot read the sample manifest ${path}: ${(err as Error).message}`);
  }
  const doc = loadYamlDocument<SampleManifest>({ path, text }, sampleManifestJsonSchema());
  if (!doc.value) throw new ManifestError(`the sample manifest ${path} has errors`, doc.diagnostics);
  return { path, manifest: doc.value };
}

export async function proveSamples(engine: Engine, samplesDir: string): Promise<ProofReport> {
  const t0 = performance.now();
  const { path: manifestPath, manifest } = await readManifest(samplesDir);
  const db = engine.db;
  const dbNames = new Set<string>();
  for (let r = 0; r < db.recordCount; r++) dbNames.add(db.recordName(r));
  const stats: ScanStats = { candidates: 0, crcs: 0, crcBytes: 0 };
  const results: SampleResult[] = [];
  const exercised = new Set<string>();
  const unknown = new Set<string>();

  for (const s of manifest.samples) {
    const expected = [...new Set(s.detect)].sort();
    for (const n of expected) if (!dbNames.has(n)) unknown.add(n);
    const t = performance.now();
    let bytes: Uint8Array;
    try {
      bytes = await readFile(join(samplesDir, s.path));
    } catch (err) {
      results.push({ path: s.path, outcome: "error", expected, found: [], reason: `cannot read: ${(err as Error).message}`, types: [], warnings: [], ms: 0 });
      continue;
    }
    const r = engine.scan(bytes, { name: basename(s.path) });
    stats.candidates += r.stats.candidates;
    stats.crcs += r.stats.crcs;
    stats.crcBytes += r.stats.crcBytes;
    const found = [...new Set(r.detections.map((d) => d.name))].sort();
    for (const n of found) if (expected.includes(n)) exercised.add(n);
    const missed = expected.filter((n) => !found.includes(n));
    const extra = found.filter((n) => !expected.includes(n));
    let outcome: Outcome = "pass";
    let reason: string | undefined;
    const cleaning = expected.length ? await checkCleaning(engine, samplesDir, s, bytes) : undefined;
    if (missed.length) {
      outcome = "missed";
      reason = `expected ${missed.join(", ")} but ${found.length ? `found only ${found.join(", ")}` : "nothing was detected"}`;
    } else if (extra.length) {
      outcome = "unexpected";
      reason = expected.length ? `also detected ${extra.join(", ")}` : `clean sample detected as ${extra.join(", ")}`;
    } else if (cleaning && !cleaning.ok) {
      outcome = "cleaning";
      reason = cleaning.reason;
    }
    results.push({
      path: s.path,
      outcome,
      expected,
      found,
      ...(reason ? { reason } : {}),
      types: r.types,
      warnings: r.warnings.map((w) => `${w.code}: ${w.message}`),
      ...(cleaning ? { cleaning } : {}),
      ms: performance.now() - t,
    });
  }

  const listed = new Set(manifest.samples.map((s) => s.path));
  const unlistedFiles = (await listFiles(samplesDir)).filter((f) => !listed.has(f) && !NOT_SAMPLES.has(f));
  const passed = results.filter((r) => r.outcome === "pass").length;
  return {
    manifest: manifestPath,
    results,
    counts: {
      samples: results.length,
      passed,
      failed: results.length - passed,
      infected: results.filter((r) => r.expected.length > 0).length,
      clean: results.filter((r) => r.expected.length === 0).length,
    },
    cleaning: (["restore", "remove", "refuse"] as const).reduce(
      (acc, k) => {
        const c = results.filter((r) => r.cleaning?.expected === k);
        acc[k] = { checked: c.length, ok: c.filter((r) => r.cleaning!.ok).length };
        return acc;
      },
      {} as ProofReport["cleaning"],
    ),
    recordsWithoutSample: [...dbNames].filter((n) => !exercised.has(n)).sort(),
    unknownNames: [...unknown].sort(),
    unlistedFiles,
    stats,
    ms: performance.now() - t0,
  };
}

/** What cleaning must do with an infected sample, checked in memory through the engine's clean flow. */
async function checkCleaning(engine: Engine, samplesDir: string, s: Sample, bytes: Uint8Array): Promise<CleaningCheck | undefined> {
  const expected = s.original !== undefined ? "restore" : s.removed ? "remove" : s.unclean !== undefined ? "refuse" : undefined;
  if (!expected) return undefined;
  const r = engine.clean(bytes, { name: basename(s.path) });
  const why = r.reason ? `: ${r.reason}` : "";
  if (expected === "remove")
    return r.status === "removed" ? { expected, got: r.status, ok: true } : { expected, got: r.status, ok: false, reason: `cleaning should remove the file but gave "${r.status}"${why}` };
  if (expected === "refuse")
    return r.status === "failed"
      ? { expected, got: r.status, ok: true, reason: r.reason }
      : { expected, got: r.status, ok: false, reason: `cleaning should be refused (${s.unclean}) but gave "${r.status}"${why}` };
  if (r.status !== "cleaned") return { expected, got: r.status, ok: false, reason: `cleaning should restore ${s.original} but gave "${r.status}"${why}` };
  let original: Uint8Array;
  try {
    original = await readFile(join(samplesDir, s.original!));
  } catch (err) {
    return { expected, got: r.status, ok: false, reason: `cannot read the original ${s.original}: ${(err as Error).message}` };
  }
  const out = r.output!;
  if (out.length === original.length && out.every((b, i) => b === original[i])) return { expected, got: r.status, ok: true };
  let at = 0;
  while (at < out.length && at < original.length && out[at] === original[at]) at++;
  return {
    expected,
    got: r.status,
    ok: false,
    reason: `cleaned result (${out.length} bytes) differs from ${s.original} (${original.length} bytes) from byte 0x${at.toString(16)}`,
  };
}

/** A proof holds when every sample passed, every record has a sample, and the manifest names only records that exist. */
export function proofHolds(p: ProofReport): boolean {
  return p.counts.failed === 0 && p.unknownNames.length === 0 && p.unlistedFiles.length === 0 && p.recordsWithoutSample.length === 0;
}
