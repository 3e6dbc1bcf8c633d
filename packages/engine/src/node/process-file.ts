/**
 * A file through the control layers, with the user's rights kept: scan it, decide every finding
 * (`engine.process`), then carry the decisions out on disk. Before any change a backup is written
 * when asked (InfectedCopy), and always for a quarantine; suspicious files are copied aside when
 * asked (SuspiciousCopy); a cleaned result goes to a temporary file in the same folder, is read
 * back and renamed over the original, so the original is either untouched or wholly replaced.
 */
import { basename } from "node:path";
import type { Engine, Policy, ProcessOptions, ProcessReceiver, ProcessResult } from "../core.js";
import { copyAside, nodeFileOps, readUserFile, removeOrReplace, type FileFailure, type FileOps } from "./clean-file.js";

export interface ProcessFileOptions {
  /** The resolved layers (stencil, INI, debug); default: flow control and the records. */
  policy?: Policy;
  /** Carry the decisions out (default true); false: decide and report only. */
  kill?: boolean;
  /** Decide and report what would be done; change nothing. */
  dryRun?: boolean;
  /** InfectedCopy: copy every infected file here before it is changed or removed. */
  backupDir?: string;
  /** Where quarantined files are kept (default: `backupDir`, else "Infected" beside the working directory). */
  quarantineDir?: string;
  /** SuspiciousCopy: copy files with suspicious findings (limits hit, heuristics) here; they are not changed. */
  suspiciousDir?: string;
  /** Scan options (archives, packed, mail, mailboxes, limits, firstOnly). */
  scan?: ProcessOptions["scan"];
  /** Run the code analyzer (heuristics, reported as suspicious). */
  codeAnalyzer?: boolean;
  receiver?: ProcessReceiver;
  /** The file's bytes when the caller has read them already. */
  bytes?: Uint8Array;
  fileOps?: FileOps;
}

export type FileProcessStatus = "clean" | "trusted" | "reported" | "cleaned" | "removed" | "quarantined" | "discarded" | "blocked" | "no-action" | "failed" | "error";

export interface FileProcessReport {
  path: string;
  /**
   * What became of the file: as the object's fate, plus no-action (cleaning wanted, nothing to
   * clean with) and error (it could not be read, backed up or written: it is then unchanged).
   */
  status: FileProcessStatus;
  /** Names found and not ignored. */
  detections: string[];
  /** The engine's result: every finding with its decision, trace and outcome (absent when the file could not be read). */
  result?: ProcessResult;
  /** Where the backup (InfectedCopy) was written. */
  backup?: string;
  /** Where the quarantined copy was written. */
  quarantine?: string;
  /** Where the copy of a suspicious file was written. */
  suspiciousCopy?: string;
  reason?: string;
  code?: string;
  dryRun?: boolean;
}


const STATUS: Record<ProcessResult["fate"], FileProcessStatus> = {
  clean: "clean",
  trusted: "trusted",
  reported: "reported",
  cleaned: "cleaned",
  removed: "removed",
  quarantined: "quarantined",
  discarded: "discarded",
  blocked: "blocked",
  failed: "failed",
};

export async function processFile(engine: Engine, path: string, options: ProcessFileOptions = {}): Promise<FileProcessReport> {
  const io = options.fileOps ?? nodeFileOps;
  const read = await readUserFile(io, path, options.bytes);
  if ("code" in read) return { path, status: "error", detections: [], ...read };
  const { mode, bytes } = read;
  const r = engine.process(bytes, {
    name: basename(path),
    kill: options.kill ?? true,
    medium: "file",
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.scan ? { scan: options.scan } : {}),
    ...(options.codeAnalyzer ? { codeAnalyzer: true } : {}),
    ...(options.receiver ? { receiver: options.receiver } : {}),
  });
  const report: FileProcessReport = {
    path,
    status: r.fate === "failed" && r.code === "NO_SCRIPT" ? "no-action" : STATUS[r.fate],
    detections: [...new Set(r.actions.filter((a) => a.kind === "detection" && a.decision.action !== "ignore").map((a) => a.name))],
    result: r,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.code ? { code: r.code } : {}),
  };
  if (options.dryRun) return { ...report, dryRun: true };
  const unchanged = (f: FileFailure): FileProcessReport => ({ ...report, status: "error", code: f.code, reason: `${f.reason}; the file is unchanged` });

  if (r.suspicious && options.suspiciousDir) {
    const copy = await copyAside(io, options.suspiciousDir, path, bytes, mode, "copy");
    if (typeof copy !== "string") return unchanged(copy);
    report.suspiciousCopy = copy;
  }
  if (r.disposition === "keep") return report;

  // A read-only file is the user's decision too (root could write it anyway).
  if ((mode & 0o222) === 0) return unchanged({ code: "READ_ONLY", reason: "the file is read-only" });
  if (options.backupDir) {
    const backup = await copyAside(io, options.backupDir, path, bytes, mode, "backup");
    if (typeof backup !== "string") return unchanged(backup);
    report.backup = backup;
  }
  if (r.quarantine) {
    const dir = options.quarantineDir ?? options.backupDir ?? "Infected";
    if (report.backup && dir === options.backupDir) report.quarantine = report.backup;
    else {
      const q = await copyAside(io, dir, path, bytes, mode, "quarantine");
      if (typeof q !== "string") return unchanged(q);
      report.quarantine = q;
    }
  }
  const failed = await removeOrReplace(io, path, r.disposition === "drop" ? undefined : r.output!, mode);
  return failed ? unchanged(failed) : report;
}
