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
  /** infected: a record matched; suspicious: a limit was hit (bomb, too deep...); incomplete: members could not be opened. */
  status: "clean" | "infected" | "suspicious" | "incomplete" | "error" | "skipped";
  /** Records matched and limits hit; `path` is the member path inside the file ([] for the file itself). */
  detections: { id: number; rev: number; name: string; path: string[]; anchor?: string; offset?: number; limit?: string; message?: string }[];
  /** Members that could not be scanned. */
  notScanned: { path: string[]; reason: string }[];
  types: string[];
  warnings: string[];
  objects: number;
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
  archives: boolean;
  mail: boolean;
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
    .option("--no-archives", "do not look inside zip, gzip, tar and bzip2 files (INI Archives=No)")
    .option("--no-mail", "do not look inside e-mail and mbox files (INI MailBases=No)")
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
        "was not scanned, or the database was refused). An error outranks a detection: the scan is incomplete.\n" +
        "A limit hit inside a file (an archive bomb, nesting too deep, too much to unpack) is reported as found\n" +
        "(Suspicious.ArchiveBomb, Heuristics.Limits.Exceeded.*): a file that was not fully scanned is never OK.\n" +
        "Members that cannot be opened (encrypted) are listed: `OK, NOT FULLY SCANNED (...)`.\n\n" +
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
        const where = (p: string[]) => [r.path, ...p].join("/");
        for (const d of r.detections) process.stdout.write(`${where(d.path)}: ${d.name} FOUND\n`);
        if (r.status === "clean" && !opts.infected) process.stdout.write(`${r.path}: OK\n`);
        if (r.status === "incomplete" && !opts.infected)
          process.stdout.write(`${r.path}: OK, NOT FULLY SCANNED (${r.notScanned.map((n) => `${n.path.join("/")}: ${n.reason}`).join("; ")})\n`);
        else if (r.status === "error" || r.status === "skipped") process.stderr.write(`${r.path}: ${r.status === "error" ? "ERROR" : "SKIPPED"} ${r.error}\n`);
        if (opts.warnings) for (const w of r.warnings) process.stderr.write(`WARNING ${w}\n`);
      };

      const scanFile = async (path: string, size: number) => {
        if (size > opts.maxFilesize) {
          emit({ path, status: "skipped", detections: [], notScanned: [], types: [], warnings: [], objects: 0, error: `not scanned: ${size} bytes exceeds --max-filesize ${opts.maxFilesize}` });
          return;
        }
        let bytes: Uint8Array;
        try {
          // One file at a time either way; the sync read avoids a promise round trip per file.
          bytes = readFileSync(path);
        } catch (err) {
          emit({ path, status: "error", detections: [], notScanned: [], types: [], warnings: [], objects: 0, error: (err as Error).message });
          return;
        }
        bytesScanned += bytes.length;
        emit(toReport(engine, path, bytes, opts));
      };

      const onError = (path: string, err: Error) =>
        emit({ path, status: "error", detections: [], notScanned: [], types: [], warnings: [], objects: 0, error: err.message });
      for await (const f of walkFiles(paths, { recursive: opts.recursive, onError, onDirectory: () => dirs++ })) await scanFile(f.path, f.size);

      const infected = reports.filter((r) => r.status === "infected" || r.status === "suspicious").length;
      const errors = reports.filter((r) => r.status === "error" || r.status === "skipped").length;
      const seconds = (performance.now() - t0) / 1000;
      const summary = {
        knownViruses: engine.db.recordCount,
        databaseVersion: engine.info.dbVersion,
        scannedDirectories: dirs,
        scannedFiles: reports.filter((r) => r.status !== "error" && r.status !== "skipped").length,
        objectsScanned: reports.reduce((n, r) => n + r.objects, 0),
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
          `Scanned files: ${summary.scannedFiles} (${summary.objectsScanned} objects with archive members and attachments)`,
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

function toReport(engine: Engine, path: string, bytes: Uint8Array, opts: ScanOpts): FileReport {
  const r = engine.scan(bytes, { name: basename(path), firstOnly: opts.firstOnly, archives: opts.archives, mail: opts.mail });
  return {
    path,
    status: r.verdict,
    detections: [
      ...r.detections.map(({ id, rev, name, path, anchor, offset }) => ({ id, rev, name, path, anchor, offset })),
      ...r.limits.map((l) => ({ id: 0, rev: 0, name: l.name, path: l.path, limit: l.kind, message: l.message })),
    ],
    notScanned: r.skipped,
    types: r.types,
    warnings: r.warnings.map((w) => `${[path, ...w.path].join("/")}: ${w.code}: ${w.message}`),
    objects: r.objects,
  };
}
