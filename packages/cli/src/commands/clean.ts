import type { Command } from "commander";
import { basename } from "node:path";
import type { ActionReport, Engine } from "@tgvx/engine/core";
import { processFile, type FileProcessReport } from "@tgvx/engine/node";
import { Exit, printJson } from "../io.js";
import { allowUnsignedOption, loadEngine, trustedKeyOption, type TrustCliOptions } from "../load-db.js";
import { addPolicyOptions, fallbackOption, loadControl, type PolicyCliOptions, type RunControl } from "../policy-options.js";
import { RunReport } from "../run-report.js";
import { walkFiles } from "../walk-files.js";

export interface CleanRunOptions {
  backupDir?: string;
  dryRun?: boolean;
  fallback?: "report" | "remove" | "quarantine";
}

/** The members of a package that were cleaned or taken out, for the file's line. */
function memberChanges(r: FileProcessReport): string {
  const changed = (r.result?.actions ?? []).filter((a) => a.path.length && a.outcome !== "not-applied" && a.outcome !== "failed" && a.applied !== "report" && a.applied !== "ignore");
  const list = [...new Set(changed.map((a) => `${a.path.join("/")} ${a.applied === "clean" ? "cleaned" : a.applied === "remove" ? "removed" : a.applied === "quarantine" ? "taken out (quarantine)" : a.applied}`))];
  return list.length ? ` (${list.join(", ")})` : "";
}

/** The decision that made a file only reported (the policy's choice, or the debug switch). */
function reportedBecause(r: FileProcessReport): string {
  const a = r.result?.actions.find((x) => x.decision.action === "report" && x.kind === "detection");
  return a ? ` (${a.decision.source})` : "";
}

export function cleanLine(r: FileProcessReport): string {
  const names = r.detections.join(", ");
  const dry = r.dryRun ? " (dry run: nothing changed)" : "";
  const backup = r.backup ? `, backup ${r.backup}` : "";
  const would = (done: string, future: string) => (r.dryRun ? future : done);
  switch (r.status) {
    case "clean":
      return `${r.path}: OK`;
    case "trusted":
      return `${r.path}: OK (${r.reason})`;
    case "cleaned":
      return `${r.path}: ${names} FOUND, ${would("cleaned", "would be cleaned")}${memberChanges(r)}${backup}${r.quarantine && r.quarantine !== r.backup ? `, original quarantined to ${r.quarantine}` : ""}${dry}`;
    case "removed":
      return `${r.path}: ${names} FOUND, ${would("removed", "would be removed")}${backup}${r.reason ? ` (${r.reason})` : ""}${dry}`;
    case "quarantined":
      return `${r.path}: ${names} FOUND, ${would(`quarantined to ${r.quarantine}`, "would be quarantined")}${r.reason ? ` (${r.reason})` : ""}${dry}`;
    case "discarded":
      return `${r.path}: ${names} FOUND, ${would("discarded", "would be discarded")}${backup}${r.reason ? ` (${r.reason})` : ""}${dry}`;
    case "blocked":
      return `${r.path}: ${names} FOUND, blocked${r.reason ? ` (${r.reason})` : ""}`;
    case "reported":
      return `${r.path}: ${names} FOUND, reported${reportedBecause(r)}`;
    case "no-action":
      return `${r.path}: ${names} FOUND, not cleaned: ${r.reason}`;
    case "failed":
      return `${r.path}: ${names} FOUND, NOT CLEANED (${r.code}): ${r.reason}; the file is unchanged`;
    case "error":
      return `${r.path}: ${names ? `${names} FOUND, ` : ""}ERROR (${r.code}): ${r.reason}`;
  }
}

/**
 * 0 nothing found; 1 found and every find dealt with as decided (cleaned, removed, quarantined,
 * discarded, or reported where the policy says report); 2 a decided action could not be carried
 * out (cleaning refused, no script) or an error occurred.
 */
export function cleanExitCode(reports: readonly FileProcessReport[]): number {
  const failed = (r: FileProcessReport) => r.status === "failed" || r.status === "error" || r.status === "no-action" || !!r.result?.actions.some((a) => a.outcome === "failed");
  if (reports.some(failed)) return Exit.error;
  return reports.some((r) => r.status !== "clean" && r.status !== "trusted") ? Exit.found : Exit.clean;
}

/** Print each finding's trace on stderr (the debug switch `trace`). */
export function printTraces(path: string, r: { readonly actions: readonly ActionReport[] } | undefined): void {
  for (const a of r?.actions ?? []) {
    const where = [path, ...a.path].join("/");
    process.stderr.write(`trace ${where}: ${a.name}: ${a.decision.action} by ${a.decision.layer} (${a.decision.source})\n`);
    for (const s of a.decision.trace)
      process.stderr.write(`  ${s.layer.padEnd(7)} ${s.action ?? (s.category ? `category ${s.category}` : s.fallback ? `fallback ${s.fallback}` : "-")}  ${s.source}: ${s.reason}\n`);
  }
}

export async function cleanPaths(
  engine: Engine,
  paths: readonly string[],
  control: RunControl,
  opts: { dryRun?: boolean; json: boolean; quietClean: boolean; report?: RunReport },
): Promise<FileProcessReport[]> {
  const reports: FileProcessReport[] = [];
  const emit = (r: FileProcessReport) => {
    reports.push(r);
    if (control.trace) printTraces(r.path, r.result);
    opts.report?.file({
      path: r.path,
      status: r.status,
      detections: r.detections,
      actions: r.result?.actions ?? [],
      ...(control.warnings && r.result ? { warnings: r.result.scan.warnings.map((w) => `${[r.path, ...w.path].join("/")}: ${w.code}: ${w.message}`) } : {}),
      ...(r.backup ? { backup: r.backup } : {}),
      ...(r.quarantine ? { quarantine: r.quarantine } : {}),
      ...(r.suspiciousCopy ? { suspiciousCopy: r.suspiciousCopy } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.dryRun ? { dryRun: true } : {}),
    });
    if (opts.json || (opts.quietClean && (r.status === "clean" || r.status === "trusted"))) return;
    (r.status === "failed" || r.status === "error" ? process.stderr : process.stdout).write(cleanLine(r) + "\n");
  };
  const onError = (path: string, err: Error) => emit({ path, status: "error", detections: [], code: (err as NodeJS.ErrnoException).code ?? "IO_ERROR", reason: err.message });
  const specialHint = (path: string) => `tgvx clean changes regular files only; to check it, give it to tgvx scan as standard input: tgvx scan - < ${path}`;
  for await (const file of walkFiles(paths, { onError, specialHint })) {
    if (control.excluded(basename(file.path))) continue;
    const path = file.path;
    emit(
      await processFile(engine, path, {
        policy: control.policy,
        kill: true,
        ...(opts.dryRun ? { dryRun: true } : {}),
        ...(control.backupDir ? { backupDir: control.backupDir } : {}),
        quarantineDir: control.quarantineDir,
        ...(control.suspiciousDir ? { suspiciousDir: control.suspiciousDir } : {}),
        scan: control.scan,
        codeAnalyzer: control.codeAnalyzer,
        ...(opts.report ? { receiver: { objectEntered: (e) => opts.report!.object(path, e.path, e.types) } } : {}),
      }),
    );
  }
  return reports;
}

/** The JSON form of a file's report: the engine's result summarised to the findings. */
export function cleanJson(r: FileProcessReport): unknown {
  const { result, ...rest } = r;
  return {
    ...rest,
    ...(result
      ? {
          actions: result.actions.map((a) => ({
            path: a.path,
            name: a.name,
            kind: a.kind,
            action: a.decision.action,
            layer: a.decision.layer,
            source: a.decision.source,
            reason: a.decision.reason,
            outcome: a.outcome,
            applied: a.applied,
            ...(a.message ? { message: a.message } : {}),
            trace: a.decision.trace,
          })),
        }
      : {}),
  };
}

export function register(program: Command): void {
  const cmd = program
    .command("clean")
    .summary("act on what is found: clean, remove, quarantine, discard, as the control layers decide")
    .description(
      "Scan files and directories and carry out what the control layers decide for\n" +
        "each find (flow control < record < debug switch < stencil < INI). Without a\n" +
        "stencil or configuration that is the record's own processing: its script\n" +
        "reverses the infection (byte-exact for the hosts it knows), or removes the\n" +
        "file when the whole file is the threat (droppers, EICAR). A cleaned result is\n" +
        "scanned again with the whole database, written to a temporary file in the\n" +
        "same folder, read back, and renamed over the original. If cleaning fails, the\n" +
        "fallback applies (report by default: the original is left untouched and the\n" +
        "line says why). Quarantine backs the file up first (--backup-dir or\n" +
        "InfectedFolder, default ./Infected).",
    )
    .argument("<paths...>", "files or directories")
    .option("-d, --db <file>", "database (default: $TGVX_DB, else build/main.tgvxdb)")
    .addOption(trustedKeyOption())
    .addOption(allowUnsignedOption())
    .option("--backup-dir <dir>", "copy each infected file here (same name) before changing or removing it; quarantined files go here too")
    .option("--dry-run", "report what would be done, change nothing")
    .addOption(fallbackOption())
    .option("-i, --infected", "do not print clean files")
    .option("--json", "print one JSON document with every file, finding, decision and trace");
  addPolicyOptions(cmd)
    .addHelpText(
      "after",
      "\nExit status: 0 nothing found, 1 found and every find dealt with as decided, 2 a decided action could not\n" +
        "be carried out (cleaning refused, no script) or an error occurred.\n\n" +
        "Examples:\n  tgvx clean --backup-dir ~/tgvx-backup ~/Downloads\n  tgvx clean --stencil desktop --report Report.txt ~/Downloads\n" +
        "  tgvx clean --config examples/tgvx.ini samples/infected\n  TGVX_DEBUG=report-only,trace tgvx clean samples/infected",
    )
    .action(async (paths: string[], opts: CleanRunOptions & TrustCliOptions & PolicyCliOptions & { db?: string; json?: boolean; infected?: boolean }) => {
      const { engine } = await loadEngine(opts.db, opts);
      const control = await loadControl(engine, opts, { ...(opts.backupDir ? { backupDir: opts.backupDir } : {}), ...(opts.fallback ? { fallback: opts.fallback } : {}) });
      const report = control.reportFile ? new RunReport(control.reportFile, !!opts.json, engine, { mode: "clean", describe: control.describe, warnings: control.warnings, configWarnings: control.configWarnings }) : undefined;
      const reports = await cleanPaths(engine, paths, control, { dryRun: opts.dryRun, json: !!opts.json, quietClean: !!opts.infected, ...(report ? { report } : {}) });
      await report?.close();
      const code = cleanExitCode(reports);
      if (opts.json) printJson({ files: reports.map(cleanJson), exitCode: code, ...(report ? { report: report.files } : {}) });
      else {
        const n = (...s: FileProcessReport["status"][]) => reports.filter((r) => s.includes(r.status)).length;
        process.stdout.write(
          `\n----------- CLEAN SUMMARY -----------\nFiles: ${reports.length}\nCleaned: ${n("cleaned")}\nRemoved: ${n("removed")}\n` +
            (n("quarantined") ? `Quarantined: ${n("quarantined")}\n` : "") +
            (n("discarded") ? `Discarded: ${n("discarded")}\n` : "") +
            (n("reported") ? `Reported only: ${n("reported")}\n` : "") +
            `Not cleaned: ${n("failed", "no-action")}\nErrors: ${n("error")}${opts.dryRun ? "\n(dry run: nothing was changed)" : ""}` +
            (report ? `\nReport: ${report.files.join(", ")}` : "") +
            "\n",
        );
      }
      process.exitCode = code;
    });
}
