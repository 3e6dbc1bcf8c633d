/**
 * The sample corpus as the linter sees it: the manifest (read and validated by the harness's
 * `readManifest`), every listed file's bytes, places inside the manifest for diagnostics, and a
 * scan of every sample with a database compiled in memory from the linted records.
 */
import { readFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { recordsToImage } from "@tgvx/compiler";
import { builtInModules, checkModuleUse, encodeDatabase, Engine, type Detection } from "@tgvx/engine";
import { readManifest, sampleManifestJsonSchema } from "@tgvx/harness";
import { loadYamlDocument, type LoadedRecord, type Position } from "@tgvx/records";

export interface CorpusSample {
  /** Index in the manifest's `samples` list. */
  index: number;
  /** Path as written in the manifest (relative to it). */
  path: string;
  /** Path as shown to the user (relative to the working directory). */
  shown: string;
  /** Record names that must be reported; [] = a clean file. */
  detect: readonly string[];
  /** Undefined when the file cannot be read. */
  bytes: Uint8Array | undefined;
}

export interface SampleScan {
  sample: CorpusSample;
  /** Every detection, in the object and in its members (`path` says where). */
  detections: Detection[];
}

/** The records could not be made into a database to scan the samples with (the sample rules cannot run). */
export class CorpusScanError extends Error {
  override readonly name = "CorpusScanError";
}

export interface CorpusInit {
  manifestPath: string;
  manifestText: string;
  samples: CorpusSample[];
}

export class Corpus {
  readonly manifestPath: string;
  readonly manifestText: string;
  readonly samples: readonly CorpusSample[];
  private locator?: (path: readonly (string | number)[]) => { start: Position; end: Position };

  constructor(init: CorpusInit) {
    this.manifestPath = init.manifestPath;
    this.manifestText = init.manifestText;
    this.samples = init.samples;
  }

  /** Samples that must stay clean (`detect: []`) and could be read. */
  get cleanSamples(): CorpusSample[] {
    return this.samples.filter((s) => s.detect.length === 0 && s.bytes !== undefined);
  }

  /** Place of a field of the manifest, e.g. ["samples", 3, "detect", 0]. Parsed only when a diagnostic needs it. */
  locate(path: readonly (string | number)[]): { start: Position; end: Position } {
    this.locator ??= loadYamlDocument({ path: this.manifestPath, text: this.manifestText }, sampleManifestJsonSchema()).locate;
    return this.locator(path);
  }
}

/**
 * Read a corpus directory (`manifest.yaml` and the files it lists). Throws the harness's
 * `ManifestError` (with positioned diagnostics) when the manifest is missing or invalid.
 */
export async function loadCorpus(dir: string, cwd = process.cwd()): Promise<Corpus> {
  const { path: manifestPath, manifest } = await readManifest(dir);
  const manifestText = await readFile(manifestPath, "utf8");
  const shown = (p: string) => {
    const r = relative(cwd, p);
    return r && !r.startsWith("..") ? r : p;
  };
  const samples = await Promise.all(
    manifest.samples.map(async (s, index): Promise<CorpusSample> => {
      const file = join(dir, s.path);
      const bytes = await readFile(file).then(
        (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
        () => undefined,
      );
      return { index, path: s.path, shown: shown(file), detect: s.detect, bytes };
    }),
  );
  return new Corpus({ manifestPath: shown(manifestPath), manifestText, samples });
}

/**
 * Scan every readable sample with the linted records, compiled in memory the way `tgvx compile`
 * does, minus the cleaning scripts (detection does not need them, and a script problem must not
 * hide a detection problem). A later record with an id already taken is left out (the
 * duplicate-id rule reports it). Detection modules are the engine's built-in ones; a type 1/2 record
 * whose module is unknown or rejects its args is left out (the unknown-module rule reports it), and
 * processing modules are not needed to detect.
 */
export async function scanCorpus(records: readonly LoadedRecord[], corpus: Corpus): Promise<SampleScan[]> {
  const seen = new Set<number>();
  const unique = records.filter((lr) => !seen.has(lr.record.id) && seen.add(lr.record.id));
  const modules = builtInModules();
  const detecting = unique
    .filter((lr) => lr.record.type > 2 || !checkModuleUse(modules, lr.record).length)
    .map((lr) => ({ ...lr, record: { ...lr.record, clean: undefined, ...(lr.record.type > 2 ? { module: undefined, args: undefined } : {}) } }));
  let engine: Engine;
  try {
    const { image } = recordsToImage(detecting);
    engine = await Engine.load(await encodeDatabase(image), {
      allowUnsigned: true,
      modules,
    });
  } catch (err) {
    throw new CorpusScanError(`the records could not be compiled in memory to scan the samples: ${(err as Error).message}; lint with --no-samples to run the other rules`);
  }
  return corpus.samples
    .filter((s) => s.bytes !== undefined)
    .map((sample) => ({ sample, detections: engine.scan(sample.bytes!, { name: basename(sample.path) }).detections }));
}
