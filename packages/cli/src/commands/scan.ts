import { InvalidArgumentError, type Command } from "commander";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { nodeFileOps, writeBackup } from "@tgvx/engine/node";
import { Exit, printJson, resolveDbPath } from "../io.js";
import { allowUnsignedOption, loadEngine, trustedKeyOption, type TrustCliOptions } from "../load-db.js";
import { addPolicyOptions, fallbackOption, loadControl, type ControlFlags, type PolicyCliOptions } from "../policy-options.js";
import { RunReport } from "../run-report.js";
import { errorReport, scanFile, type FileReport, type ScanFileOutcome, type ScanFileSettings } from "../scan-file.js";
import { scanFifo, scanLargeFile, scanStdin, STDIN_PATH } from "../scan-stream.js";
import type { ScanTask, ScanWorkerData } from "../scan-worker.js";
import { walkFiles } from "../walk-files.js";
import { cleanExitCode, cleanJson, cleanPaths, printTraces } from "./clean.js";

interface ScanOpts extends TrustCliOptions, PolicyCliOptions {
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
  fallback?: "report" | "remove" | "quarantine";
  jobs: number;
}

/** `-j`: a thread count, or "auto" (one per core, at most 8; the main thread alone on a single core). */
function parseJobs(v: string): number {
  if (v === "auto") {
    const n = Math.min(availableParallelism(), MAX_AUTO_JOBS);
    return n < 2 ? 1 : n;
  }
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`use a number of threads or "auto", not "${v}"`);
  return Number(v);
}

/** `-j auto`: more threads than this only add start-up cost (each loads the database). */
const MAX_AUTO_JOBS = 8;
/** Files handed to a worker at a time: few enough to spread the load, enough that posting them costs little. */
const CHUNK_FILES = 16;
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Chunks done or under way but not printed yet (their order is kept): bounds the memory a slow first chunk can hold up. */
const MAX_QUEUED_CHUNKS = 64;

function parseSize(v: string): number {
  const m = /^(\d+)([kmg]?)b?$/i.exec(v.trim());
  if (!m) throw new Error(`bad size "${v}": use bytes or a suffix K, M, G (e.g. 100M)`);
  return Number(m[1]) * 1024 ** "bkmg".indexOf((m[2] || "b").toLowerCase());
}

export function register(program: Command): void {
  const cmd = program
    .command("scan")
    .summary("scan files and directories")
    .description(
      "Scan files and directories (recursively) with a tgvxdb database and print one line per file,\n" +
        "as clamscan does: `path: Name FOUND`, `path: OK`, or `path: ERROR reason`, then a summary.",
    )
    .argument("<paths...>", "files or directories to scan; - scans standard input (as a stream when longer than the scanner keeps)")
    .option("-d, --db <file>", "database (default: $TGVX_DB, else build/main.tgvxdb made by `npm run main`)")
    .addOption(trustedKeyOption())
    .addOption(allowUnsignedOption())
    .option("-i, --infected", "print only infected files")
    .option("--no-summary", "do not print the summary")
    .option("--no-recursive", "do not descend into directories given on the command line")
    .option("--first-only", "stop at the first detection per file (INI RedundantScan=No)")
    .option("--no-archives", "do not look inside zip, gzip, tar and bzip2 files (INI Archives=No, Packed=No)")
    .option("--no-mail", "do not look inside e-mail and mbox files (INI MailPlain=No, MailBases=No)")
    .option("--warnings", "print structure warnings (malformed headers) per file (INI Warnings=Yes)")
    .option("--max-filesize <size>", "read files up to this size whole; of larger ones read only the parts type 3/4 records need (containers not opened)", parseSize, 256 * 1024 * 1024)
    .option("--clean", "carry out what the control layers decide, as `tgvx clean` does (see its --help)")
    .option("--backup-dir <dir>", "with --clean: copy each infected file here before changing it")
    .option("--dry-run", "with --clean: report what would be done, change nothing")
    .addOption(fallbackOption())
    .option("-j, --jobs <n>", "scan with N threads: the main thread and N-1 workers, each loading the database once; 0 or 1: the main thread alone; auto: one per core (at most 8)", parseJobs, 1)
    .option("--json", "print one JSON document with every file and the summary");
  addPolicyOptions(cmd)
    .addHelpText(
      "after",
      "\nExit status: 0 nothing found, 1 something found, 2 an error occurred (a file could not be read or\n" +
        "was not scanned, or the database was refused). An error outranks a detection: the scan is incomplete.\n" +
        "A limit hit inside a file (an archive bomb, nesting too deep, too much to unpack) is reported as found\n" +
        "(Suspicious.ArchiveBomb, Heuristics.Limits.Exceeded.*): a file that was not fully scanned is never OK.\n" +
        "Members that cannot be opened (encrypted) are listed: `OK, NOT FULLY SCANNED (...)`.\n\n" +
        "Standard input (-), a FIFO given by name (tgvx scan <(curl -s URL)) and a file over --max-filesize (default\n" +
        "256M) are scanned as streams when longer than the stream scanner keeps, in memory bounded by the database:\n" +
        "every type 3/4 record is checked, but containers are not opened and type 1/2 records and the code analyzer\n" +
        "do not run; what was not done is listed in `OK, NOT FULLY SCANNED (...)`. Of such a file only the parts the\n" +
        "records need are read (head, entry point, tail: a 5 GiB disk image in a fraction of a second), unless a\n" +
        "[Trusted] allow-list needs its SHA-256. Shorter input is read whole and scanned as any file. A device or\n" +
        "a socket given by name is not read (an error): give it as standard input if you mean it (tgvx scan - < /dev/sdb).\n\n" +
        "Every find is decided through the control layers (flow < record < debug < stencil < INI); a plain scan\n" +
        "reports the decisions (JSON, --report) and changes nothing; --clean or `tgvx clean` carries them out.\n" +
        "A detection the policy ignores (a category switched off, [Ignore]) is not counted as found.\n\n" +
        "-j N scans with N threads: N-1 workers, each loading the database once, and the main thread, which\n" +
        "scans whenever the workers are busy or still starting (default 1: the main thread alone). The output,\n" +
        "the report and the exit status are the same as with one thread: files are printed in walk order\n" +
        "(names sorted in each directory). Threads pay off for large trees on machines with idle cores: a worker\n" +
        "takes a few hundred milliseconds to start. --clean always works in the main thread, one file at a time.\n\n" +
        "Examples:\n  tgvx scan samples/\n  tgvx scan --db build/main.tgvxdb --json ~/Downloads > report.json\n" +
        "  tgvx scan --stencil mail-gateway --config examples/tgvx.ini --report Report.txt /var/spool/mail",
    )
    .action(async (paths: string[], opts: ScanOpts) => {
      const t0 = performance.now();
      const flags: ControlFlags = {
        ...(opts.archives === false ? { archives: false } : {}),
        ...(opts.mail === false ? { mail: false } : {}),
        ...(opts.firstOnly ? { firstOnly: true } : {}),
        ...(opts.backupDir ? { backupDir: opts.backupDir } : {}),
        ...(opts.fallback ? { fallback: opts.fallback } : {}),
      };
      // -j: the workers start first, so their start-up overlaps the main thread's own loading.
      const workers = !opts.clean && opts.jobs >= 2 ? opts.jobs - 1 : 0;
      const pool = workers ? await startScanPool(resolveDbPath(opts.db), opts, flags, workers) : undefined;
      try {
        await scanPaths(paths, opts, flags, t0, pool, workers);
      } finally {
        await pool?.destroy();
      }
    });
}

/** The scan itself (after the options are read and the workers, if any, started). */
async function scanPaths(paths: string[], opts: ScanOpts, flags: ControlFlags, t0: number, pool: ScanPool | undefined, workers: number): Promise<void> {
  const { engine } = await loadEngine(opts.db, opts);
  const control = await loadControl(engine, opts, flags);
  const showWarnings = !!opts.warnings || control.warnings;
  const report = control.reportFile
    ? new RunReport(control.reportFile, !!opts.json, engine, { mode: opts.clean ? "clean" : "scan", describe: control.describe, warnings: showWarnings, configWarnings: control.configWarnings })
    : undefined;
  if (opts.clean) {
    const reports = await cleanPaths(engine, paths, control, { dryRun: opts.dryRun, json: !!opts.json, quietClean: !!opts.infected, ...(report ? { report } : {}) });
    await report?.close();
    const code = cleanExitCode(reports);
    if (opts.json) printJson({ files: reports.map(cleanJson), exitCode: code, ...(report ? { report: report.files } : {}) });
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
      process.stdout.write(`${r.path}: OK, NOT FULLY SCANNED (${r.notScanned.map((n) => (n.path.length ? `${n.path.join("/")}: ${n.reason}` : n.reason)).join("; ")})\n`);
    else if (r.status === "error") process.stderr.write(`${r.path}: ERROR ${r.error}\n`);
    if (showWarnings) for (const w of r.warnings) process.stderr.write(`WARNING ${w}\n`);
  };

  // Everything a file's outcome leads to, in walk order whichever thread scanned it.
  const finish = async (o: ScanFileOutcome) => {
    if (o.kind === "error") return emit(o.file);
    const { file: r, entry } = o;
    bytesScanned += o.length;
    if (report) for (const ob of o.objects ?? []) report.object(r.path, ob.path, ob.types);
    if (control.trace) printTraces(r.path, { actions: entry.actions });
    // SuspiciousCopy: a copy aside, the file itself is not changed by a scan.
    if (control.suspiciousDir && r.suspicious && o.copy) {
      try {
        r.suspiciousCopy = entry.suspiciousCopy = await writeBackup(nodeFileOps, control.suspiciousDir, basename(r.path), o.copy, 0o644);
      } catch (err) {
        r.error = entry.reason = `copy to ${control.suspiciousDir} failed: ${(err as Error).message}`;
        r.status = "error";
      }
    }
    report?.file(entry);
    emit(r);
  };
  const settings: ScanFileSettings = { objects: !!report, copySuspicious: !!control.suspiciousDir, showWarnings };
  // Outcomes in walk order, in chunks: promised by a worker thread, or scanned here when every
  // worker already has two chunks (so the main thread works too, while the workers start up).
  const queue: Promise<ScanFileOutcome[]>[] = [];
  let inFlight = 0;
  let chunk: string[] = [];
  let chunkBytes = 0;
  const flush = () => {
    if (!chunk.length) return;
    const task: ScanTask = { paths: chunk, sha256: engine.info.sha256, settings };
    chunk = [];
    chunkBytes = 0;
    if (pool && inFlight < workers * 2) {
      inFlight++;
      const p = (pool.run(task) as Promise<ScanFileOutcome[]>).finally(() => inFlight--);
      p.catch(() => {}); // awaited in order below; a failure is thrown there
      queue.push(p);
    } else queue.push(Promise.resolve(task.paths.map((path) => scanFile(engine, control, path, settings))));
  };
  const add = (o: ScanFileOutcome) => {
    flush();
    queue.push(Promise.resolve([o]));
  };
  const drain = async (keep: number) => {
    while (queue.length > keep) for (const o of await queue.shift()!) await finish(o);
  };
  const onError = (path: string, err: Error) => add({ kind: "error", file: errorReport(path, err.message) });
  {
    for (const path of paths) if (path === STDIN_PATH) add(await scanStdin(engine, control, settings));
    for await (const f of walkFiles(paths.filter((p) => p !== STDIN_PATH), { recursive: opts.recursive, fifos: true, onError, onDirectory: () => dirs++, specialHint: (path) => `to scan it, give it as standard input: tgvx scan - < ${path}` })) {
      if (control.excluded(basename(f.path))) continue;
      if (f.fifo) add(await scanFifo(engine, control, settings, f.path));
      else if (f.size > opts.maxFilesize) add(await scanLargeFile(engine, control, settings, f.path, f.size, opts.maxFilesize));
      else {
        chunk.push(f.path);
        chunkBytes += f.size;
        if (!pool || chunk.length >= CHUNK_FILES || chunkBytes >= CHUNK_BYTES) flush();
      }
      await drain(pool ? MAX_QUEUED_CHUNKS : 0);
    }
    flush();
    await drain(0);
  }
  for (const r of reports)
    if (report && r.status === "error")
      report.file({ path: r.path, status: r.status, detections: [], actions: [], ...(r.error ? { reason: r.error } : {}) });
  await report?.close();

  const infected = reports.filter((r) => r.status === "infected" || r.status === "suspicious").length;
  const errors = reports.filter((r) => r.status === "error").length;
  const seconds = (performance.now() - t0) / 1000;
  const summary = {
    knownViruses: engine.db.recordCount,
    databaseVersion: engine.info.dbVersion,
    scannedDirectories: dirs,
    scannedFiles: reports.filter((r) => r.status !== "error").length,
    objectsScanned: reports.reduce((n, r) => n + r.objects, 0),
    infectedFiles: infected,
    errors,
    dataScannedBytes: bytesScanned,
    seconds: Number(seconds.toFixed(3)),
  };
  if (opts.json) printJson({ files: reports, summary, ...(report ? { report: report.files } : {}) });
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
      ...(report ? [`Report: ${report.files.join(", ")}`] : []),
    ];
    process.stdout.write(out.join("\n") + "\n");
  }
  process.exitCode = errors ? Exit.error : infected ? Exit.found : Exit.clean;
}

type ScanPool = import("tinypool").Tinypool;

/**
 * N worker threads, each reading and loading the database once and resolving the same control
 * layers; every task carries the SHA-256 of the database the main thread verified, and a worker
 * whose copy differs refuses it.
 */
async function startScanPool(dbPath: string, opts: ScanOpts, flags: ControlFlags, threads: number): Promise<ScanPool> {
  const { Tinypool } = await import("tinypool");
  const data: ScanWorkerData = {
    dbPath,
    policy: { ...(opts.config ? { config: opts.config } : {}), ...(opts.stencil ? { stencil: opts.stencil } : {}), ...(opts.debug ? { debug: opts.debug } : {}) },
    flags,
  };
  return new Tinypool({ filename: new URL("../scan-worker.js", import.meta.url).href, minThreads: threads, maxThreads: threads, workerData: data });
}
