import { dirname, join } from "node:path";
import type { Command } from "commander";
import { storedDigest } from "@tgvx/engine/core";
import type { SourceText } from "@tgvx/records";
import { Exit, findFilesOrFail, formatBytes, printJson, readStdin, UserError, writeFileAtomic } from "../io.js";
import { resolveLedgerPath } from "../open-ledger.js";

function parseUint(name: string, max: number) {
  return (v: string): number => {
    const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new UserError(`${name} must be an integer 0..${max}, got "${v}"`);
    return n;
  };
}

function parseBuildTime(v: string): number {
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UserError(`--build-time takes seconds since the epoch or an ISO date, got "${v}"`);
  return Math.floor(t / 1000);
}

export function register(program: Command): void {
  program
    .command("compile")
    .summary("compile YAML records into a tgvxdb database")
    .description(
      "Compile record files (directories are searched recursively for *.yaml; `-` reads one file from stdin)\n" +
        "and the stencils in their stencils/ folders into one tgvxdb database. A file may hold several YAML\n" +
        "documents (records, and `stencil:` documents), as `tgvx decompile` writes them. The output is deterministic: the same records give the same bytes,\n" +
        "whatever order the files are listed in. Every problem is printed as file:line:col, and nothing is\n" +
        "written when there is an error.",
    )
    .argument("[paths...]", "record files or directories", ["db-src"])
    .option("-o, --output <file>", "database to write", "build/main.tgvxdb")
    .option("--db-version <n>", "database version stored in the header", parseUint("--db-version", 0xffffffff), 1)
    .option("--build-time <time>", "stamp the build time (seconds or ISO date); unstamped by default so builds are reproducible", parseBuildTime)
    .option("--cache <dir>", "keep each record file's checked records here, so unchanged files are not parsed again (default: compile-cache/ beside the ledger, .tgvx/compile-cache)")
    .option("--no-cache", "parse every record file, and keep no cache")
    .option("--json", "print the result as JSON")
    .option("-v, --verbose", "say how the record files were read (cache hits, parsed) on stderr")
    .addHelpText(
      "after",
      "\nExamples:\n  tgvx compile db-src -o build/main.tgvxdb\n  tgvx decompile build/main.tgvxdb | tgvx compile - -o copy.tgvxdb\n\n" +
        "The cache is keyed by the SHA-256 of each file's text and of the tool's record schema; a damaged entry is\n" +
        "ignored and written again, and entries of files that no longer exist are removed.\n\n" +
        "Exit status: 0 compiled, 2 errors in the records (nothing written).",
    )
    .action(async (paths: string[], opts: { output: string; dbVersion: number; buildTime?: number; json?: boolean; cache: string | boolean; verbose?: boolean }) => {
      const t0 = performance.now();
      // Loaded here, not at start-up: scanning never needs the YAML stack.
      const { CompileCache, compileSources, findRecordFiles, findStencilFiles, readSources } = await import("@tgvx/compiler");
      const { formatDiagnostic } = await import("@tgvx/records");
      let sources: SourceText[];
      const stdin = paths.length === 1 && paths[0] === "-";
      if (stdin) sources = [{ path: "<stdin>", text: (await readStdin()).toString("utf8") }];
      else {
        const files = await findFilesOrFail(paths, async (p) => [...new Set([...(await findRecordFiles(p)), ...(await findStencilFiles(p))])].sort());
        sources = await readSources(files);
      }
      // Standard input has no file to keep an entry for.
      const cacheDir = opts.cache === false || stdin ? undefined : typeof opts.cache === "string" ? opts.cache : defaultCacheDir();
      const cache = cacheDir === undefined ? undefined : new CompileCache(cacheDir);
      const result = await compileSources(sources, { dbVersion: opts.dbVersion, buildTime: opts.buildTime, cache });
      const errors = result.diagnostics.filter((d) => d.severity === "error").length;
      if (!opts.json) for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
      if (result.bytes) await writeFileAtomic(opts.output, result.bytes);
      const cacheStats = cache?.flush();
      const digest = result.bytes ? storedDigest(result.bytes) : undefined;
      const ms = performance.now() - t0;
      const load = result.load ?? { files: 0, cached: 0, fast: 0, positioned: 0, reparsed: 0 };
      if (opts.verbose)
        process.stderr.write(
          `tgvx: ${load.files} record document${load.files === 1 ? "" : "s"}: ${load.cached} from the cache, ${load.fast + load.positioned} parsed ` +
            `(${load.fast} fast, ${load.positioned} with positions)` +
            (cacheStats
              ? `; cache ${cacheStats.dir}: ${cacheStats.written} written, ${cacheStats.rejected} damaged ignored, ${cacheStats.pruned} removed\n`
              : "; no cache\n"),
        );
      if (opts.json) {
        printJson({
          ok: !!result.bytes,
          output: result.bytes ? opts.output : null,
          files: result.files,
          records: result.records.length,
          stencils: result.stencils.map((s) => s.stencil.name),
          bytes: result.bytes?.length ?? 0,
          sha256: digest ?? null,
          diagnostics: result.diagnostics,
          ms: Math.round(ms),
          // How the record documents were read, and what the cache did (null: no cache).
          read: load,
          cache: cacheStats ?? null,
        });
      } else if (result.bytes) {
        process.stdout.write(
          `compiled ${result.records.length} records${result.stencils.length ? ` and ${result.stencils.length} stencils` : ""} from ${result.files} file${result.files === 1 ? "" : "s"} -> ${opts.output} ` +
            `(${formatBytes(result.bytes.length)}, content SHA-256 ${digest}) in ${ms.toFixed(0)} ms` +
            (load.cached ? `; ${load.cached} of ${load.files} record files unchanged (cache)` : "") +
            "\n",
        );
      } else {
        process.stderr.write(`tgvx: ${errors} error${errors === 1 ? "" : "s"}; nothing written\n`);
      }
      process.exitCode = result.bytes ? Exit.clean : Exit.error;
    });
}

/** `compile-cache/` beside the ledger: `.tgvx/compile-cache` in the project, or beside `$TGVX_LEDGER`. */
function defaultCacheDir(): string {
  return join(dirname(resolveLedgerPath(undefined)!), "compile-cache");
}
