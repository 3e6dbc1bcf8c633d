import { Option, type Command } from "commander";
import type { Engine } from "@tgvx/engine";
import { cleanFile, type FileCleanReport } from "@tgvx/engine/node";
import { Exit, printJson } from "../io.js";
import { loadEngine } from "../load-db.js";
import { walkFiles } from "../walk-files.js";

export interface CleanRunOptions {
  backupDir?: string;
  dryRun?: boolean;
  fallback?: "report" | "remove";
}

export function cleanLine(r: FileCleanReport): string {
  const names = r.detections.join(", ");
  const dry = r.dryRun ? " (dry run: nothing changed)" : "";
  const backup = r.backup ? `, backup ${r.backup}` : "";
  switch (r.status) {
    case "clean":
      return `${r.path}: OK`;
    case "cleaned": {
      const inside = r.members?.length ? ` (${r.members.map((m) => `${m.path.join("/")} ${m.action}`).join(", ")})` : "";
      return `${r.path}: ${names} FOUND, ${r.dryRun ? "would be cleaned" : "cleaned"}${inside}${backup}${dry}`;
    }
    case "removed":
      return `${r.path}: ${names} FOUND, ${r.dryRun ? "would be removed" : "removed"}${backup}${r.reason ? ` (${r.reason})` : ""}${dry}`;
    case "no-action":
      return `${r.path}: ${names} FOUND, not cleaned: ${r.reason}`;
    case "failed":
      return `${r.path}: ${names} FOUND, NOT CLEANED (${r.code}): ${r.reason}; the file is unchanged`;
    case "error":
      return `${r.path}: ${names ? `${names} FOUND, ` : ""}ERROR (${r.code}): ${r.reason}`;
  }
}

/** 0 nothing found; 1 found and every find cleaned or removed; 2 anything left infected or any error. */
export function cleanExitCode(reports: readonly FileCleanReport[]): number {
  if (reports.some((r) => r.status === "failed" || r.status === "error" || r.status === "no-action")) return Exit.error;
  return reports.some((r) => r.status !== "clean") ? Exit.found : Exit.clean;
}

export async function cleanPaths(engine: Engine, paths: readonly string[], opts: CleanRunOptions, json: boolean, quietClean: boolean): Promise<FileCleanReport[]> {
  const reports: FileCleanReport[] = [];
  const emit = (r: FileCleanReport) => {
    reports.push(r);
    if (json || (quietClean && r.status === "clean")) return;
    (r.status === "failed" || r.status === "error" ? process.stderr : process.stdout).write(cleanLine(r) + "\n");
  };
  const onError = (path: string, err: Error) =>
    emit({ path, status: "error", detections: [], code: (err as NodeJS.ErrnoException).code ?? "IO_ERROR", reason: err.message });
  for await (const file of walkFiles(paths, { onError })) emit(await cleanFile(engine, file.path, opts));
  return reports;
}

export function register(program: Command): void {
  program
    .command("clean")
    .summary("disinfect files: run each detected record's cleaning script")
    .description(
      "Scan files and directories and clean what is found: the record's script reverses the infection\n" +
        "(byte-exact for the hosts it knows), the result is scanned again with the whole database, written to a\n" +
        "temporary file in the same folder, read back, and renamed over the original. If the script fails, the\n" +
        "result still detects, or the result looks damaged, the original is left untouched and the line says why.\n" +
        "Records whose whole file is the threat (droppers, EICAR) remove the file.",
    )
    .argument("<paths...>", "files or directories")
    .option("-d, --db <file>", "database (default: $TGVX_DB, else build/main.tgvxdb)")
    .option("--backup-dir <dir>", "copy each infected file here (same name) before changing or removing it")
    .option("--dry-run", "report what would be done, change nothing")
    .addOption(
      new Option("--fallback <action>", "for records without a cleaning script: report (leave the file) or remove (after the backup, if any)")
        .choices(["report", "remove"])
        .default("report"),
    )
    .option("-i, --infected", "do not print clean files")
    .option("--json", "print one JSON document with every file")
    .addHelpText(
      "after",
      "\nExit status: 0 nothing found, 1 found and all cleaned or removed, 2 something was left infected\n" +
        "(cleaning refused, no script) or an error occurred.\n\n" +
        "Examples:\n  tgvx clean --backup-dir ~/tgvx-backup ~/Downloads\n  tgvx clean --dry-run samples/infected",
    )
    .action(async (paths: string[], opts: CleanRunOptions & { db?: string; json?: boolean; infected?: boolean }) => {
      const { engine } = await loadEngine(opts.db);
      const reports = await cleanPaths(engine, paths, opts, !!opts.json, !!opts.infected);
      const code = cleanExitCode(reports);
      if (opts.json) printJson({ files: reports, exitCode: code });
      else {
        const n = (s: FileCleanReport["status"]) => reports.filter((r) => r.status === s).length;
        process.stdout.write(
          `\n----------- CLEAN SUMMARY -----------\nFiles: ${reports.length}\nCleaned: ${n("cleaned")}\nRemoved: ${n("removed")}\n` +
            `Not cleaned: ${n("failed") + n("no-action")}\nErrors: ${n("error")}${opts.dryRun ? "\n(dry run: nothing was changed)" : ""}\n`,
        );
      }
      process.exitCode = code;
    });
}
