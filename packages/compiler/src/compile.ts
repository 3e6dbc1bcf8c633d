/** Record sources -> tgvxdb bytes, or the diagnostics that stop it. */
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { encodeDatabase } from "@tgvx/engine";
import { hasErrors, loadRecordSet, sortDiagnostics, type Diagnostic, type LoadedRecord, type SourceText } from "@tgvx/records";
import { recordsToImage, type ImageOptions } from "./records-to-image.js";

export interface CompileResult {
  /** Undefined when an error was found. */
  bytes?: Uint8Array;
  records: LoadedRecord[];
  diagnostics: Diagnostic[];
  files: number;
}

export async function compileSources(sources: readonly SourceText[], options: ImageOptions = {}): Promise<CompileResult> {
  const { records, diagnostics } = loadRecordSet(sources);
  if (hasErrors(diagnostics)) return { records, diagnostics, files: sources.length };
  const { image, diagnostics: scriptProblems } = recordsToImage(records, options);
  diagnostics.push(...scriptProblems);
  if (hasErrors(scriptProblems)) return { records, diagnostics: sortDiagnostics(diagnostics), files: sources.length };
  const bytes = await encodeDatabase(image);
  return { bytes, records, diagnostics, files: sources.length };
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

export async function readSources(files: readonly string[], cwd = process.cwd()): Promise<SourceText[]> {
  return Promise.all(files.map(async (path) => ({ path, text: await readFile(resolve(cwd, path), "utf8") })));
}
