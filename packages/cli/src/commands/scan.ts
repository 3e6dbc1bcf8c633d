import { Option, type Command } from "commander";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Detection, Engine } from "@tgvx/engine";
import { Exit, printJson } from "../io.js";
import { loadEngine } from "../load-db.js";
import { walkFiles } from "../walk-files.js";
import { cleanExitCode, cleanPaths } from "./clean.js";

interface FileReport {
  path: string;
  status: "clean" | "infected" | "error" | "skipped";
  detections: Pick<Detection, "id" | "rev" | "name" | "anchor" | "offset">[];
  types: string[];
  warnings: string[];
  error?: string;
}

interface ScanOpts {
  db?: string;
  json?: boolean;
  infected?: boolean;
  summary: boolean;
  recursive: boolean;
  maxFilesize: number;
  firstOnly?: boolean;
  warnings?: boolean;
  clean?: boolean;
  backupDir?: string;
  dryRun?: boolean;
  fallback?: "report" | "remove";
}

function parseSize(v: string): number {
  const m = /^(\d+)([kmg]?)b?$/i.exec(v.trim());
  if (!m) throw new Error(`bad size "${v}": use bytes or a suffix K, M, G (e.g. 100M)`);
  return Number(m[1]) * 1024 ** "bkmg".indexOf((m[2] || "b").toLowerCase());
}

export function register(program: Command): void {
  program
    .command("scan")
    .summary("scan files and directories")
    .description(
      "Scan files and directories (recursively) with a tgvxdb database and print one line per file,\n" +
        "as clamscan does: `path: Name FOUND`, `path: OK`, or `path: ERROR reason`, then a summary.",
    )
    .argument("<paths...>", "files or directories to scan")
    .option("-d, --db <file>", "database (default: $TGVX_DB, else build/main.tgvxdb made by `npm run main`)")
    .option("-i, --infected", "print only infected files")
    .option("--no-summary", "do not print the summary")
    .option("--no-recursive", "do not descend into directories given on the command line")
    .option("--first-only", "stop at the first detection per file (INI RedundantScan=No)")
    .option("--warnings", "print structure warnings (malformed headers) per file")
    .option("--max-filesize <size>", "skip larger files and report them as not scanned", parseSize, 256 * 1024 * 1024)
    .option("--clean", "clean what is found, as `tgvx clean` does (see its --help)")
    .option("--backup-dir <dir>", "with --clean: copy each infected file here before changing it")
    .option("--dry-run", "with --clean: report what would be done, change nothing")
    .addOption(new Option("--fallback <action>", "with --clean: for records without a script, report or remove").choices(["report", "remove"]).default("report"))
    .option("--json", "print one JSON document with every file and the summary")
    .addHelpText(
      "after",
      "\nExit status: 0 nothing found, 1 something found, 2 an error occurred (a file could not be read or\n" +
        "was not scanned, or the database was refused). An error outranks a detection: the scan is incomplete.\n\n" +
        "Examples:\n  tgvx scan samples/\n  tgvx scan --db build/main.tgvxdb --json ~/Downloads > report.json",
    )
    .action(async (paths: string[], opts: ScanOpts) => {
      const t0 = performance.now();
      const { engine } = await loadEngine(opts.db);
      if (opts.clean) {
        const reports = await cleanPaths(engine, paths, { backupDir: opts.backupDir, dryRun: opts.dryRun, fallback: opts.fallback }, !!opts.json, !!opts.infected);
        const code = cleanExitCode(reports);
        if (opts.json) printJson({ files: reports, exitCode: code });
        process.exitCode = code;
        return;
      }
      const reports: FileReport[] = [];
      let dirs = 0;
      let bytesScanned = 0;
      const emit = (r: FileReport) => {
        reports.push(r);
        if (opts.json) return;
        if (r.status === "infected") for (const d of r.detections) process.stdout.write(`${r.path}: ${d.name} FOUND\n`);
        else if (r.status === "clean" && !opts.infected) process.stdout.write(`${r.path}: OK\n`);
        else if (r.status === "error" || r.status === "skipped") process.stderr.write(`${r.path}: ${r.status === "error" ? "ERROR" : "SKIPPED"} ${r.error}\n`);
        if (opts.warnings) for (const w of r.warnings) process.stderr.write(`${r.path}: WARNING ${w}\n`);
      };

      const scanFile = async (path: string, size: number) => {
        if (size > opts.maxFilesize) {
          emit({ path, status: "skipped", detections: [], types: [], warnings: [], error: `not scanned: ${size} bytes exceeds --max-filesize ${opts.maxFilesize}` });
          return;
        }
        let bytes: Uint8Array;
        try {
          // One file at a time either way; the sync read avoids a promise round trip per file.
          bytes = readFileSync(path);
        } catch (err) {
          emit({ path, status: "error", detections: [], types: [], warnings: [], error: (err as Error).message });
          return;
        }
        bytesScanned += bytes.length;
        emit(toReport(engine, path, bytes, !!opts.firstOnly));
      };

      const onError = (path: string, err: Error) =>
        emit({ path, status: "error", detections: [], types: [], warnings: [], error: err.message });
      for await (const f of walkFiles(paths, { recursive: opts.recursive, onError, onDirectory: () => dirs++ })) await scanFile(f.path, f.size);

      const infected = reports.filter((r) => r.status === "infected").length;
      const errors = reports.filter((r) => r.status === "error" || r.status === "skipped").length;
      const seconds = (performance.now() - t0) / 1000;
      const summary = {
        knownViruses: engine.db.recordCount,
        databaseVersion: engine.info.dbVersion,
        scannedDirectories: dirs,
        scannedFiles: reports.filter((r) => r.status === "clean" || r.status === "infected").length,
        infectedFiles: infected,
        errors,
        dataScannedBytes: bytesScanned,
        seconds: Number(seconds.toFixed(3)),
      };
      if (opts.json) printJson({ files: reports, summary });
      else if (opts.summary) {
        const out = [
          "",
          "----------- SCAN SUMMARY -----------",
          `Known viruses: ${summary.knownViruses}`,
          `Database version: ${summary.databaseVersion}`,
          `Scanned directories: ${summary.scannedDirectories}`,
          `Scanned files: ${summary.scannedFiles}`,
          `Infected files: ${summary.infectedFiles}`,
          ...(errors ? [`Total errors: ${errors}`] : []),
          `Data scanned: ${(bytesScanned / 1024 / 1024).toFixed(2)} MB`,
          `Time: ${seconds.toFixed(3)} sec`,
        ];
        process.stdout.write(out.join("\n") + "\n");
      }
      process.exitCode = errors ? Exit.error : infected ? Exit.found : Exit.clean;
    });
}

function toReport(engine: Engine, path: string, bytes: Uint8Array, firstOnly: boolean): FileReport {
  const r = engine.scan(bytes, { name: basename(path), firstOnly });
  return {
    path,
    status: r.infected ? "infected" : "clean",
    detections: r.detections.map(({ id, rev, name, anchor, offset }) => ({ id, rev, name, anchor, offset })),
    types: r.types,
    warnings: r.warnings.map((w) => `${w.code}: ${w.message}`),
  };
}
