import type { Command } from "commander";
import { basename } from "node:path";
import type { ActionName, Engine, LayerName } from "@tgvx/engine";
import { nodeFileOps, writeBackup } from "@tgvx/engine/node";
import { Exit, FileReader, printJson } from "../io.js";
import { allowUnsignedOption, loadEngine, trustedKeyOption, type TrustCliOptions } from "../load-db.js";
import { addPolicyOptions, fallbackOption, loadControl, type PolicyCliOptions, type RunControl } from "../policy-options.js";
import { RunReport, type ReportFile } from "../run-report.js";
import { walkFiles } from "../walk-files.js";
import { cleanExitCode, cleanJson, cleanPaths, printTraces } from "./clean.js";

interface FileReport {
  path: string;
  /** infected: a record matched; suspicious: a limit was hit (bomb, too deep...); incomplete: members could not be opened. */
  status: "clean" | "infected" | "suspicious" | "incomplete" | "error" | "skipped";
  /**
   * Records matched and limits hit, with the action the control layers decide for each (what
   * `tgvx clean` would do) and the layer that decided; `path` is the member path inside the file
   * ([] for the file itself). Detections the policy ignores are under `ignored`.
   */
  detections: {
    id: number;
    rev: number;
    name: string;
    path: string[];
    anchor?: string;
    offset?: number;
    limit?: string;
    message?: string;
    action: ActionName;
    layer: LayerName;
    source: string;
  }[];
  /** Detections the policy ignores (a category switched off, an allow-list entry): not found here, and why. */
  ignored: { name: string; path: string[]; layer: LayerName; source: string; reason: string }[];
  /** The allow-list entry that trusts the file by its SHA-256. */
  trusted?: string;
  /** A limit was hit or the code analyzer found something (SuspiciousCopy copies such files). */
  suspicious?: boolean;
  /** Where SuspiciousCopy put the copy. */
  suspiciousCopy?: string;
  /** Members that could not be scanned. */
  notScanned: { path: string[]; reason: string }[];
  types: string[];
  warnings: string[];
  objects: number;
  error?: string;
}

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
}

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
    .argument("<paths...>", "files or directories to scan")
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
    .option("--max-filesize <size>", "skip larger files and report them as not scanned", parseSize, 256 * 1024 * 1024)
    .option("--clean", "carry out what the control layers decide, as `tgvx clean` does (see its --help)")
    .option("--backup-dir <dir>", "with --clean: copy each infected file here before changing it")
    .option("--dry-run", "with --clean: report what would be done, change nothing")
    .addOption(fallbackOption())
    .option("--json", "print one JSON document with every file and the summary");
  addPolicyOptions(cmd)
    .addHelpText(
      "after",
      "\nExit status: 0 nothing found, 1 something found, 2 an error occurred (a file could not be read or\n" +
        "was not scanned, or the database was refused). An error outranks a detection: the scan is incomplete.\n" +
        "A limit hit inside a file (an archive bomb, nesting too deep, too much to unpack) is reported as found\n" +
        "(Suspicious.ArchiveBomb, Heuristics.Limits.Exceeded.*): a file that was not fully scanned is never OK.\n" +
        "Members that cannot be opened (encrypted) are listed: `OK, NOT FULLY SCANNED (...)`.\n\n" +
        "Every find is decided through the control layers (flow < record < debug < stencil < INI); a plain scan\n" +
        "reports the decisions (JSON, --report) and changes nothing; --clean or `tgvx clean` carries them out.\n" +
        "A detection the policy ignores (a category switched off, [Ignore]) is not counted as found.\n\n" +
        "Examples:\n  tgvx scan samples/\n  tgvx scan --db build/main.tgvxdb --json ~/Downloads > report.json\n" +
        "  tgvx scan --stencil mail-gateway --config examples/tgvx.ini --report Report.txt /var/spool/mail",
    )
    .action(async (paths: string[], opts: ScanOpts) => {
      const t0 = performance.now();
      const { engine } = await loadEngine(opts.db, opts);
      const control = await loadControl(engine, opts, {
        ...(opts.archives === false ? { archives: false } : {}),
        ...(opts.mail === false ? { mail: false } : {}),
        ...(opts.firstOnly ? { firstOnly: true } : {}),
        ...(opts.backupDir ? { backupDir: opts.backupDir } : {}),
        ...(opts.fallback ? { fallback: opts.fallback } : {}),
      });
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
          process.stdout.write(`${r.path}: OK, NOT FULLY SCANNED (${r.notScanned.map((n) => `${n.path.join("/")}: ${n.reason}`).join("; ")})\n`);
        else if (r.status === "error" || r.status === "skipped") process.stderr.write(`${r.path}: ${r.status === "error" ? "ERROR" : "SKIPPED"} ${r.error}\n`);
        if (showWarnings) for (const w of r.warnings) process.stderr.write(`WARNING ${w}\n`);
      };

      const reader = new FileReader();
      const scanFile = async (path: string, size: number) => {
        if (size > opts.maxFilesize) {
          emit({ path, status: "skipped", detections: [], ignored: [], notScanned: [], types: [], warnings: [], objects: 0, error: `not scanned: ${size} bytes exceeds --max-filesize ${opts.maxFilesize}` });
          return;
        }
        let bytes: Uint8Array;
        try {
          // One file at a time either way; the sync read avoids a promise round trip per file.
          bytes = reader.read(path);
        } catch (err) {
          emit({ path, status: "error", detections: [], ignored: [], notScanned: [], types: [], warnings: [], objects: 0, error: (err as Error).message });
          return;
        }
        bytesScanned += bytes.length;
        const { file: r, entry } = toReport(engine, path, bytes, control, report, showWarnings);
        // SuspiciousCopy: a copy aside, the file itself is not changed by a scan.
        if (control.suspiciousDir && r.suspicious) {
          try {
            r.suspiciousCopy = entry.suspiciousCopy = await writeBackup(nodeFileOps, control.suspiciousDir, basename(path), bytes, 0o644);
          } catch (err) {
            r.error = entry.reason = `copy to ${control.suspiciousDir} failed: ${(err as Error).message}`;
            r.status = "error";
          }
        }
        report?.file(entry);
        emit(r);
      };

      const onError = (path: string, err: Error) =>
        emit({ path, status: "error", detections: [], ignored: [], notScanned: [], types: [], warnings: [], objects: 0, error: err.message });
      for await (const f of walkFiles(paths, { recursive: opts.recursive, onError, onDirectory: () => dirs++ })) {
        if (control.excluded(basename(f.path))) continue;
        await scanFile(f.path, f.size);
      }
      for (const r of reports)
        if (report && (r.status === "error" || r.status === "skipped"))
          report.file({ path: r.path, status: r.status, detections: [], actions: [], ...(r.error ? { reason: r.error } : {}) });
      await report?.close();

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
    });
}

/** Scan one file and decide its findings (nothing is changed: kill off). */
function toReport(engine: Engine, path: string, bytes: Uint8Array, control: RunControl, report: RunReport | undefined, showWarnings: boolean): { file: FileReport; entry: ReportFile } {
  const p = engine.process(bytes, {
    name: basename(path),
    policy: control.policy,
    kill: false,
    medium: "file",
    scan: control.scan,
    codeAnalyzer: control.codeAnalyzer,
    ...(report ? { receiver: { objectEntered: (e) => report.object(path, e.path, e.types) } } : {}),
  });
  const r = p.scan;
  const live = p.actions.filter((a) => a.decision.action !== "ignore");
  const found = live.some((a) => a.kind === "detection");
  const warnings = r.warnings.map((w) => `${[path, ...w.path].join("/")}: ${w.code}: ${w.message}`);
  if (control.trace) printTraces(path, p);
  const entry: ReportFile = {
    path,
    status: found ? "infected" : p.suspicious ? "suspicious" : p.fate === "trusted" ? "trusted" : "clean",
    detections: [...new Set(live.map((a) => a.name))],
    actions: p.actions,
    ...(showWarnings ? { warnings } : {}),
    ...(p.reason && p.fate === "trusted" ? { reason: p.reason } : {}),
  };
  const file: FileReport = {
    path,
    status: found ? "infected" : p.suspicious ? "suspicious" : r.skipped.length ? "incomplete" : "clean",
    detections: live.map((a) => {
      const d = a.detection;
      const decided = { action: a.decision.action, layer: a.decision.layer, source: a.decision.source };
      if (d) return { id: d.id, rev: d.rev, name: d.name, path: d.path, anchor: d.anchor, offset: d.offset, ...decided };
      const l = r.limits.find((x) => x.name === a.name && x.path === a.path);
      return { id: 0, rev: 0, name: a.name, path: a.path, ...(l ? { limit: l.kind, message: l.message } : {}), ...decided };
    }),
    ignored: p.actions
      .filter((a) => a.decision.action === "ignore")
      .map((a) => ({ name: a.name, path: a.path, layer: a.decision.layer, source: a.decision.source, reason: a.decision.reason })),
    ...(p.trustedBy ? { trusted: p.trustedBy } : {}),
    ...(p.suspicious ? { suspicious: true } : {}),
    notScanned: r.skipped,
    types: r.types,
    warnings,
    objects: r.objects,
  };
  return { file, entry };
}
