/** Record sources -> tgvxdb bytes, or the diagnostics that stop it. */
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { encodeDatabase } from "@tgvx/engine";
import {
  hasErrors,
  loadRecordSet,
  loadStencilSet,
  sortDiagnostics,
  splitDocuments,
  type Diagnostic,
  type LoadedRecord,
  type LoadedStencil,
  type LoadStats,
  type RecordCache,
  type SourceText,
} from "@tgvx/records";
import { recordsToImage, type ImageOptions } from "./records-to-image.js";
import { stencilToImage } from "./stencil-to-image.js";

export interface CompileResult {
  /** Undefined when an error was found. */
  bytes?: Uint8Array;
  records: LoadedRecord[];
  stencils: LoadedStencil[];
  diagnostics: Diagnostic[];
  files: number;
  /** How the record documents were read: from the cache, by the fast reader, with positions. */
  load?: LoadStats;
}

export interface CompileOptions extends ImageOptions {
  /** Records of files loaded before, by their text (see `CompileCache`). */
  cache?: RecordCache;
}

/**
 * Compile sources: each YAML document is records (`records:`) or a stencil (`stencil:`), so a
 * decompiled database (one stream of documents) compiles back as it is.
 */
export async function compileSources(sources: readonly SourceText[], options: CompileOptions = {}): Promise<CompileResult> {
  const parts = sources.flatMap((s) => splitDocuments(s));
  const { records, diagnostics, stats: load } = loadRecordSet(
    parts.filter((p) => p.kind === "records").map((p) => p.source),
    { cache: options.cache },
  );
  const { stencils, diagnostics: stencilProblems } = loadStencilSet(parts.filter((p) => p.kind === "stencil").map((p) => p.source));
  diagnostics.push(...stencilProblems);
  sortDiagnostics(diagnostics);
  const files = sources.length;
  if (hasErrors(diagnostics)) return { records, stencils, diagnostics, files, load };
  const { image, diagnostics: scriptProblems } = recordsToImage(records, options);
  diagnostics.push(...scriptProblems);
  if (hasErrors(scriptProblems)) return { records, stencils, diagnostics: sortDiagnostics(diagnostics), files, load };
  const bytes = await encodeDatabase({ ...image, stencils: stencils.map((s) => stencilToImage(s.stencil)) });
  return { bytes, records, stencils, diagnostics, files, load };
}

const RECORD_FILE = /\.ya?ml$/i;
/** Folders under a database source tree that hold other documents than records. */
const NOT_RECORDS = new Set(["stencils"]);

/**
 * Record files under the given paths (files or directories, recursively), with paths as the
 * user would write them, in sorted order.
 */
export async function findRecordFiles(paths: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!NOT_RECORDS.has(e.name) && !e.name.startsWith(".")) await walk(p);
      } else if (e.isFile() && RECORD_FILE.test(e.name)) out.push(p);
    }
  };
  for (const p of paths) {
    const abs = resolve(cwd, p);
    try {
      await walk(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOTDIR") out.push(abs);
      else throw err;
    }
  }
  const shown = (p: string) => {
    const rel = relative(cwd, p);
    return rel && !rel.startsWith("..") ? rel : p;
  };
  return [...new Set(out.map(shown))].sort();
}

/** Stencil files (*.yaml) in the `stencils/` folders under the given directories, in sorted order. */
export async function findStencilFiles(paths: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, inStencils: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOTDIR") return; // a file given by name: found by findRecordFiles
      throw err;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith(".")) await walk(p, inStencils || e.name === "stencils");
      else if (inStencils && e.isFile() && RECORD_FILE.test(e.name)) out.push(p);
    }
  };
  for (const p of paths) await walk(resolve(cwd, p), false);
  const shown = (p: string) => {
    const rel = relative(cwd, p);
    return rel && !rel.startsWith("..") ? rel : p;
  };
  return [...new Set(out.map(shown))].sort();
}

export async function readSources(files: readonly string[], cwd = process.cwd()): Promise<SourceText[]> {
  return Promise.all(files.map(async (path) => ({ path, text: await readFile(resolve(cwd, path), "utf8") })));
}
