/**
 * Scanning one file for `tgvx scan`. The same function runs in the main thread and in the worker
 * threads of `tgvx scan -j N`; it only reads the file and decides, and returns everything the
 * caller needs to print, report and copy. The caller does those, in walk order, so the output is
 * the same however many threads scanned.
 */
import { basename } from "node:path";
import type { ActionName, ActionReport, Engine, FileTypeName, LayerName, LimitHit } from "@tgvx/engine/core";
import type { RunControl } from "./policy-options.js";
import type { ReportFile } from "./run-report.js";
import { FileReader } from "./io.js";

export interface FileReport {
  path: string;
  /** infected: a record matched; suspicious: a limit was hit (bomb, too deep...); incomplete: members could not be opened. */
  status: "clean" | "infected" | "suspicious" | "incomplete" | "error";
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

/** What the caller wants back besides the verdict. */
export interface ScanFileSettings {
  /** Record the objects entered (for --report). */
  objects: boolean;
  /** Hand back the bytes of a suspicious file (SuspiciousCopy). */
  copySuspicious: boolean;
  /** Warnings are shown (--warnings, Warnings=Yes): the report gets them too. */
  showWarnings: boolean;
}

export type ScanFileOutcome =
  | {
      kind: "scanned";
      file: FileReport;
      entry: ReportFile;
      /** Bytes read. */
      length: number;
      /** The objects entered, in order (when asked). */
      objects?: { path: string[]; types: FileTypeName[] }[];
      /** The file's bytes, when it is suspicious and a copy was asked for. */
      copy?: Uint8Array;
    }
  | { kind: "error"; file: FileReport };

export type ScanControl = Pick<RunControl, "policy" | "scan" | "codeAnalyzer">;

export function errorReport(path: string, error: string): FileReport {
  return { path, status: "error", detections: [], ignored: [], notScanned: [], types: [], warnings: [], objects: 0, error };
}

// One per thread: a directory scan reads into the same buffer again and again.
const reader = new FileReader();

/** Read and scan one file; decide its findings (nothing is changed: kill off). */
export function scanFile(engine: Engine, control: ScanControl, path: string, settings: ScanFileSettings): ScanFileOutcome {
  let bytes: Uint8Array;
  try {
    bytes = reader.read(path);
  } catch (err) {
    return { kind: "error", file: errorReport(path, (err as Error).message) };
  }
  return scanBytes(engine, control, path, bytes, settings, "file");
}

/** Scan one object shown as `path` and decide its findings (nothing is changed: kill off). */
export function scanBytes(engine: Engine, control: ScanControl, path: string, bytes: Uint8Array, settings: ScanFileSettings, medium: "file" | "stream"): ScanFileOutcome {
  const objects: { path: string[]; types: FileTypeName[] }[] | undefined = settings.objects ? [] : undefined;
  const p = engine.process(bytes, {
    ...(medium === "file" ? { name: basename(path) } : {}),
    policy: control.policy,
    kill: false,
    medium,
    scan: control.scan,
    codeAnalyzer: control.codeAnalyzer,
    ...(objects ? { receiver: { objectEntered: (e) => objects.push({ path: [...e.path], types: [...e.types] }) } } : {}),
  });
  const r = p.scan;
  const live = p.actions.filter((a) => a.decision.action !== "ignore");
  const found = live.some((a) => a.kind === "detection");
  const warnings = r.warnings.map((w) => `${[path, ...w.path].join("/")}: ${w.code}: ${w.message}`);
  const entry: ReportFile = {
    path,
    status: found ? "infected" : p.suspicious ? "suspicious" : p.fate === "trusted" ? "trusted" : "clean",
    detections: [...new Set(live.map((a) => a.name))],
    actions: p.actions,
    ...(settings.showWarnings ? { warnings } : {}),
    ...(p.reason && p.fate === "trusted" ? { reason: p.reason } : {}),
  };
  const file: FileReport = {
    path,
    status: found ? "infected" : p.suspicious ? "suspicious" : r.skipped.length ? "incomplete" : "clean",
    ...reportedFindings(p.actions, r.limits),
    ...(p.trustedBy ? { trusted: p.trustedBy } : {}),
    ...(p.suspicious ? { suspicious: true } : {}),
    notScanned: r.skipped,
    types: r.types,
    warnings,
    objects: r.objects,
  };
  return {
    kind: "scanned",
    file,
    entry,
    length: bytes.length,
    ...(objects ? { objects } : {}),
    ...(settings.copySuspicious && p.suspicious ? { copy: bytes.slice() } : {}), // the read buffer is reused
  };
}

/** A file report's findings: each one not ignored with its decision (and its limit, for a limit hit), and the ignored ones with why. */
export function reportedFindings(actions: readonly ActionReport[], limits: readonly LimitHit[]): Pick<FileReport, "detections" | "ignored"> {
  return {
    detections: actions
      .filter((a) => a.decision.action !== "ignore")
      .map((a) => {
        const d = a.detection;
        const decided = { action: a.decision.action, layer: a.decision.layer, source: a.decision.source };
        if (d) return { id: d.id, rev: d.rev, name: d.name, path: d.path, anchor: d.anchor, offset: d.offset, ...decided };
        const l = limits.find((x) => x.name === a.name && x.path === a.path);
        return { id: 0, rev: 0, name: a.name, path: a.path, ...(l ? { limit: l.kind, message: l.message } : {}), ...decided };
      }),
    ignored: actions
      .filter((a) => a.decision.action === "ignore")
      .map((a) => ({ name: a.name, path: a.path, layer: a.decision.layer, source: a.decision.source, reason: a.decision.reason })),
  };
}
