/**
 * The user's right to know: the report of a scan or clean run (Report=Yes, ReportFileName, or
 * --report). The text report lists every file, every finding with the action decided, the layer
 * that decided it and why, what was done, and the whole trace; with --json the same run is also
 * written as JSON lines (FILE.jsonl): one object per scanned object, finding, file and warning,
 * then a summary. Written as the run goes, so a long run can be followed with `tail -f`.
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { formatTrace, type ActionReport, type Engine, type FileTypeName } from "@tgvx/engine/core";

export interface ReportFile {
  path: string;
  status: string;
  detections: string[];
  actions: readonly ActionReport[];
  warnings?: readonly string[];
  backup?: string;
  quarantine?: string;
  suspiciousCopy?: string;
  reason?: string;
  dryRun?: boolean;
}

function jsonlPath(path: string): string {
  return /\.[^./\\]+$/.test(path) ? path.replace(/\.[^./\\]+$/, ".jsonl") : `${path}.jsonl`;
}

/** What was done, in words, for the report's lines. */
function outcomeText(a: ActionReport): string {
  switch (a.outcome) {
    case "done":
      return a.applied === a.decision.action ? "done" : `done as ${a.applied}`;
    case "not-applied":
      return "not carried out (scan only: nothing is changed without --clean)";
    case "fallback":
      return `failed, fallback ${a.applied}`;
    case "failed":
      return "failed, the file is unchanged";
  }
}

export class RunReport {
  private readonly text: WriteStream;
  private readonly json: WriteStream | undefined;
  readonly files: string[];
  private readonly counts = new Map<string, number>();
  private findings = 0;
  private ignored = 0;

  constructor(
    readonly path: string,
    jsonLines: boolean,
    engine: Engine,
    header: { mode: "scan" | "clean"; describe: readonly string[]; warnings: boolean; configWarnings?: readonly string[] },
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.text = createWriteStream(path);
    this.json = jsonLines ? createWriteStream(jsonlPath(path)) : undefined;
    this.files = [path, ...(jsonLines ? [jsonlPath(path)] : [])];
    const i = engine.info;
    const started = new Date().toISOString();
    const mode = header.mode === "clean" ? "clean: the decided actions are carried out" : "scan: actions are decided and reported, nothing is changed";
    this.line(
      "tgvx report",
      `started   ${started}`,
      `database  version ${i.dbVersion}, ${i.recordCount} records, content SHA-256 ${i.sha256}; stencils: ${engine.stencils.map((s) => s.name).join(", ") || "none"}`,
      `control   ${header.describe.length ? header.describe.join("; ") : "program defaults and the records (no stencil, no configuration)"}`,
      `mode      ${mode}`,
      `layers    flow < record < debug < stencil < ini: a higher layer's word stands`,
      "",
    );
    this.jsonl({ type: "run", started, mode: header.mode, control: header.describe, database: { version: i.dbVersion, records: i.recordCount, sha256: i.sha256 } });
    // The configuration's own warnings (a lapsed allow-list pin matters: it no longer applies) come first.
    if (header.warnings) for (const w of header.configWarnings ?? []) this.warning(undefined, w);
  }

  private line(...lines: string[]): void {
    this.text.write(lines.map((l) => l + "\n").join(""));
  }

  private jsonl(value: unknown): void {
    this.json?.write(JSON.stringify(value) + "\n");
  }

  /** An object entered during a scan (the file itself, or a member inside it): JSON lines only. */
  object(file: string, path: readonly string[], types: readonly FileTypeName[]): void {
    this.jsonl({ type: "object", file, path, types });
  }

  warning(file: string | undefined, message: string): void {
    this.line(`  warning: ${message}`);
    this.jsonl({ type: "warning", ...(file ? { file } : {}), message });
  }

  /** A file done: its line, then one block per finding. */
  file(f: ReportFile): void {
    this.counts.set(f.status, (this.counts.get(f.status) ?? 0) + 1);
    const found = f.detections.length ? `${f.detections.join(", ")} FOUND` : "OK";
    const what = f.status === "clean" ? "" : ` -> ${f.dryRun ? `would be ${f.status}` : f.status}`;
    this.line(`${f.path}: ${found}${what}${f.backup ? `, backup ${f.backup}` : ""}${f.quarantine ? `, quarantined to ${f.quarantine}` : ""}${f.suspiciousCopy ? `, copied to ${f.suspiciousCopy}` : ""}`);
    if (f.reason && f.status !== "clean") this.line(`  why: ${f.reason}`);
    for (const a of f.actions) {
      if (a.decision.action === "ignore") this.ignored++;
      else this.findings++;
      const where = a.path.length ? `${a.path.join("/")}: ` : "";
      const d = a.decision;
      this.line(
        `  ${where}${a.name}${a.kind === "suspicious" ? " (suspicious)" : ""}: ${d.action}${d.action === "clean" ? ` (fallback ${d.fallback})` : ""}, ${outcomeText(a)}${a.message && a.outcome !== "not-applied" ? ` (${a.message})` : ""}`,
        `    decided by ${d.layer}: ${d.source}: ${d.reason}`,
        `    trace: ${formatTrace(d)}`,
      );
      this.jsonl({
        type: "finding",
        file: f.path,
        path: a.path,
        name: a.name,
        kind: a.kind,
        ...(a.detection ? { id: a.detection.id, rev: a.detection.rev, category: a.detection.category } : {}),
        action: d.action,
        ...(d.wanted ? { wanted: d.wanted } : {}),
        fallback: d.fallback,
        layer: d.layer,
        source: d.source,
        reason: d.reason,
        outcome: a.outcome,
        applied: a.applied,
        ...(a.message ? { message: a.message } : {}),
        trace: d.trace,
      });
    }
    for (const w of f.warnings ?? []) this.warning(f.path, w);
    this.jsonl({
      type: "file",
      file: f.path,
      status: f.status,
      detections: f.detections,
      ...(f.backup ? { backup: f.backup } : {}),
      ...(f.quarantine ? { quarantine: f.quarantine } : {}),
      ...(f.suspiciousCopy ? { suspiciousCopy: f.suspiciousCopy } : {}),
      ...(f.reason ? { reason: f.reason } : {}),
      ...(f.dryRun ? { dryRun: true } : {}),
    });
  }

  async close(): Promise<void> {
    const counts = Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
    const files = [...this.counts.values()].reduce((a, b) => a + b, 0);
    this.line("", `summary   ${files} files: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ")}; ${this.findings} findings acted on or reported, ${this.ignored} ignored`);
    this.jsonl({ type: "summary", files, statuses: counts, findings: this.findings, ignored: this.ignored });
    await Promise.all([this.text, this.json].filter((s): s is WriteStream => !!s).map((s) => new Promise<void>((res, rej) => s.end((err?: Error | null) => (err ? rej(err) : res())))));
  }
}
