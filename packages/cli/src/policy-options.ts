/**
 * The control layers on the command line: `--config FILE` (INI, the user's layer), `--stencil NAME`
 * (the environment), `--debug SWITCH` or $TGVX_DEBUG (the developer's), `--report FILE`; read,
 * checked against the database and resolved into one `Policy` plus the scan and file options the
 * INI asks for. A malformed INI stops the command before anything is scanned: one line per
 * problem, `file:line:col`, exit 2.
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { Option, type Command } from "commander";
import {
  PolicyError,
  fileExcludedBy,
  formatIniDiagnostic,
  iniScanOptions,
  parseDebugSwitch,
  parseIni,
  type DebugSwitch,
  type Engine,
  type FallbackName,
  type IniConfig,
  type Policy,
  type ProcessOptions,
  type UserControl,
} from "@tgvx/engine/core";
import { UserError } from "./io.js";

export interface PolicyCliOptions {
  config?: string;
  stencil?: string;
  debug?: string;
  report?: string;
}

/** Adds --config, --stencil, --debug and --report to a command. */
export function addPolicyOptions(cmd: Command): Command {
  return cmd
    .option("--config <file>", "INI control, the user's layer: the original engine's keys plus [Limits], [Categories], [Override], [Ignore], [Trusted] (see examples/tgvx.ini)")
    .option("--stencil <name>", "the environment's stencil from the database: desktop, mail-gateway, file-server, stream-filter (default: the INI's Stencil=, else none)")
    .option("--debug <switch>", "developer switch, comma-separated: report-only (decide, change nothing), trace (every decision's trace on stderr), NAME=action (default: $TGVX_DEBUG)")
    .option("--report <file>", "write the report of every file, finding, action and its trace here (as Report=Yes with ReportFileName=FILE); with --json also FILE's .jsonl JSON lines");
}

/** `--fallback`: what to do when cleaning fails (the user's layer, above the INI's CleanFailedAction). */
export function fallbackOption(): Option {
  return new Option("--fallback <action>", "when cleaning fails or there is no script: report (leave the file), remove, or quarantine (back up, then remove); default: the stencil's, else report").choices([
    "report",
    "remove",
    "quarantine",
  ]);
}

export interface RunControl {
  policy: Policy;
  config?: IniConfig;
  /** Scan options from the INI and the flags. */
  scan: NonNullable<ProcessOptions["scan"]>;
  /** Why a file is not scanned (FileMask, Exclude), or undefined. */
  excluded(base: string): string | undefined;
  /** The report file (Report=Yes / --report), resolved. */
  reportFile?: string;
  /** CodeAnalyzer=Yes: heuristic findings are reported as suspicious. */
  codeAnalyzer: boolean;
  /** Warnings=Yes: structure and configuration warnings are shown and reported. */
  warnings: boolean;
  /** Print every decision's trace on stderr (debug switch `trace`). */
  trace: boolean;
  /** InfectedCopy: back up every infected file here. */
  backupDir?: string;
  /** Where quarantined files go. */
  quarantineDir: string;
  /** SuspiciousCopy: copies of suspicious files go here. */
  suspiciousDir?: string;
  /** How the layers were set, for reports: "stencil desktop (--stencil)", "config tgvx.ini", "debug report-only (TGVX_DEBUG)". */
  describe: string[];
  /** The configuration's warnings against this database (overrides naming no record, lapsed pins). */
  configWarnings: string[];
}

export interface ControlFlags {
  /** Scan-option flags the command was given explicitly (they win over the INI). */
  archives?: boolean;
  mail?: boolean;
  firstOnly?: boolean;
  backupDir?: string;
  fallback?: FallbackName;
}

/**
 * Read and resolve the layers for one command run. Throws `UserError` (exit 2) on any problem.
 * `quiet`: print no warnings (the worker threads of `tgvx scan -j N` resolve the same layers again).
 */
export async function loadControl(engine: Engine, opts: PolicyCliOptions, flags: ControlFlags = {}, { quiet = false }: { quiet?: boolean } = {}): Promise<RunControl> {
  let config: IniConfig | undefined;
  let iniDir = process.cwd();
  if (opts.config) {
    let text: string;
    try {
      text = await readFile(opts.config, "utf8");
    } catch (err) {
      throw new UserError(`cannot read the configuration ${opts.config}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
    }
    const r = parseIni(text, opts.config);
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    if (errors.length || !r.config) {
      for (const d of errors) process.stderr.write(formatIniDiagnostic(d) + "\n");
      throw new UserError(`${errors.length} problem${errors.length === 1 ? "" : "s"} in ${opts.config}; nothing was scanned`);
    }
    config = r.config;
    iniDir = dirname(resolve(opts.config));
    if (config.scan.warnings?.value && !quiet) for (const d of r.diagnostics) process.stderr.write(`tgvx: ${formatIniDiagnostic(d)}\n`);
  }

  const debugText = opts.debug ?? process.env.TGVX_DEBUG;
  let debug: DebugSwitch | undefined;
  if (debugText) {
    const d = parseDebugSwitch(debugText, opts.debug !== undefined ? "--debug" : "TGVX_DEBUG");
    if (d.errors.length) throw new UserError(`bad debug switch: ${d.errors.join("; ")}`);
    debug = d.debug;
  }

  const user: UserControl = { ...(config?.control ?? {}) };
  if (flags.fallback) user.cleanFailed = { value: flags.fallback, source: "--fallback" };
  const stencil = opts.stencil ?? config?.scan.stencil?.value;
  const stencilSource = opts.stencil ? "--stencil" : config?.scan.stencil?.source;
  let policy: Policy;
  try {
    policy = engine.policy({ stencil, ...(stencilSource ? { stencilSource } : {}), user, ...(debug ? { debug } : {}) });
  } catch (err) {
    if (err instanceof PolicyError) throw new UserError(err.message);
    throw err;
  }
  const configWarnings = policy.warnings.map((w) => `${w.source}: ${w.message}`);
  if (!quiet) for (const w of configWarnings) process.stderr.write(`tgvx: warning: ${w}\n`);

  const fromIni = config ? iniScanOptions(config) : {};
  const scan: RunControl["scan"] = { ...fromIni };
  if (flags.archives === false) scan.archives = scan.packed = false;
  if (flags.mail === false) scan.mail = scan.mailboxes = false;
  if (flags.firstOnly) scan.firstOnly = true;

  const place = (p: string) => (isAbsolute(p) ? p : join(iniDir, p));
  const s = config?.scan;
  const reportFile = opts.report ?? (s?.report?.value ? place(s.reportFileName?.value ?? "Report.txt") : undefined);
  const infectedFolder = s?.infectedFolder ? place(s.infectedFolder.value) : undefined;
  const describe: string[] = [];
  if (stencil) describe.push(`stencil ${stencil} (${stencilSource})`);
  if (config) describe.push(`config ${config.file}`);
  if (debug) describe.push(`debug ${[debug.reportOnly ? "report-only" : "", debug.trace ? "trace" : "", ...(debug.overrides ?? []).map((o) => `${o.pattern}=${o.action}`)].filter(Boolean).join(",")} (${debug.source})`);
  return {
    policy,
    ...(config ? { config } : {}),
    scan,
    excluded: (base) => (s ? fileExcludedBy(s, base) : undefined),
    ...(reportFile ? { reportFile } : {}),
    warnings: !!s?.warnings?.value,
    codeAnalyzer: !!s?.codeAnalyzer?.value,
    trace: !!debug?.trace,
    ...(flags.backupDir ? { backupDir: flags.backupDir } : s?.infectedCopy?.value ? { backupDir: infectedFolder ?? place("Infected") } : {}),
    quarantineDir: flags.backupDir ?? infectedFolder ?? place("Infected"),
    ...(s?.suspiciousCopy?.value ? { suspiciousDir: s.suspiciousFolder ? place(s.suspiciousFolder.value) : place("Suspicious") } : {}),
    describe,
    configWarnings,
  };
}
