/**
 * INI control: the user's layer, the highest. The original engine's keys are read as written
 * (case-insensitive, `Yes`/`No`, numbers, masks, `; comments` after a value), with what it lacked
 * added in sections of their own: limits, category switches, per-virus overrides and allow-lists.
 *
 *   [Scan]        (or no section header) the original keys, plus Stencil and CleanFailedAction
 *   [Limits]      MaxDepth, MaxScanSize, MaxFileSize, MaxFiles, MaxRatio, MaxScanTime
 *   [Categories]  virus, worm, trojan, backdoor, adware, riskware, test = Yes | No
 *   [Override]    record name, family prefix or glob = action        (Win95.CIH=report)
 *   [Ignore]      exact record name = * | revision                   (ignored; a pinned one lapses when the record changes)
 *   [Trusted]     SHA-256 of a file = note                           (never scanned as a threat)
 *
 * Every problem is reported at once with its line (unknown section or key, bad value, duplicate
 * key), so a user fixes the file in one pass. Pure text processing: no Node API.
 */
import type { ScanLimits } from "./containers/limits.js";
import type { ScanOptions } from "./engine.js";
import { NAME_PATTERN_PATTERN } from "./stencil.js";
import { ACTION_NAMES, CATEGORY_NAMES, FALLBACK_NAMES, type ActionName, type CategoryName, type FallbackName } from "./vocabulary.js";

export type IniDiagnosticCode = "SYNTAX" | "UNKNOWN_SECTION" | "UNKNOWN_KEY" | "BAD_VALUE" | "DUPLICATE_KEY" | "NO_EFFECT";

export interface IniDiagnostic {
  file: string;
  /** 1-based line and column of the key (or of the line, for syntax errors). */
  line: number;
  col: number;
  severity: "error" | "warning";
  code: IniDiagnosticCode;
  message: string;
}

/** `file:line:col: error CODE: message` — the same one-line form as the record diagnostics. */
export function formatIniDiagnostic(d: IniDiagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`;
}

/** A value and where it was set ("tgvx.ini:12"), so traces can say who decided. */
export interface Setting<T> {
  value: T;
  source: string;
}

/** The user's layer of action resolution (from an INI, command-line flags or an embedder's options). */
export interface UserControl {
  /** Action for every detection (InfectedAction). */
  infectedAction?: Setting<ActionName>;
  /** What to do when cleaning fails (CleanFailedAction). */
  cleanFailed?: Setting<FallbackName>;
  /** Category switches ([Categories]). */
  categories?: Partial<Record<CategoryName, Setting<boolean>>>;
  /** Per-virus actions ([Override]): exact name, family prefix or glob; the most specific wins. */
  overrides?: readonly { pattern: string; action: ActionName; source: string }[];
  /** Records ignored site-wide ([Ignore]); with `rev`, only while the record has that revision. */
  ignore?: readonly { name: string; rev?: number; source: string }[];
  /** Files trusted by SHA-256 ([Trusted]): lower-case hex. */
  trusted?: readonly { sha256: string; note: string; source: string }[];
}

/** The [Scan] keys, parsed. Absent = not set (the program default applies). */
export interface IniScanSettings {
  memory?: Setting<boolean>;
  sectors?: Setting<boolean>;
  files?: Setting<boolean>;
  packed?: Setting<boolean>;
  archives?: Setting<boolean>;
  mailBases?: Setting<boolean>;
  mailPlain?: Setting<boolean>;
  fileMask?: Setting<0 | 1 | 2>;
  userMask?: Setting<string[]>;
  exclude?: Setting<boolean>;
  excludeMask?: Setting<string[]>;
  infectedCopy?: Setting<boolean>;
  infectedFolder?: Setting<string>;
  suspiciousCopy?: Setting<boolean>;
  suspiciousFolder?: Setting<string>;
  report?: Setting<boolean>;
  reportFileName?: Setting<string>;
  warnings?: Setting<boolean>;
  codeAnalyzer?: Setting<boolean>;
  redundantScan?: Setting<boolean>;
  stencil?: Setting<string>;
}

export interface IniConfig {
  file: string;
  scan: IniScanSettings;
  limits: Partial<Record<keyof ScanLimits, Setting<number>>>;
  control: UserControl;
}

export interface IniParseResult {
  /** Undefined when there is an error. */
  config?: IniConfig;
  diagnostics: IniDiagnostic[];
}

/** The original engine's numeric InfectedAction codes (the talk's `InfectedAction=0; remove viruses` is disinfection). */
export const INFECTED_ACTION_CODES: Readonly<Record<string, ActionName>> = { "0": "clean", "1": "report", "2": "remove", "3": "quarantine" };

type Kind = "bool" | "fileMask" | "mask" | "path" | "action" | "fallback" | "name";

interface KeyDef {
  key: string;
  field: keyof IniScanSettings | "infectedAction" | "cleanFailed";
  kind: Kind;
  /** What the key means in tgvx (the example INI repeats it). */
  doc: string;
  /** When set to Yes, this key has no effect in a file scanner: said once as a warning. */
  noEffect?: string;
}

/** The [Scan] keys: the original engine's, as written, then tgvx's additions. */
export const SCAN_KEYS: readonly KeyDef[] = [
  { key: "Memory", field: "memory", kind: "bool", doc: "check memory", noEffect: "tgvx scans files and buffers handed to it; it does not read process memory (embedders pass such buffers to the API)" },
  { key: "Sectors", field: "sectors", kind: "bool", doc: "check boot sectors", noEffect: "tgvx reads no disks; boot sectors are scanned when given as image files (boot records apply to them whatever this key says)" },
  { key: "Files", field: "files", kind: "bool", doc: "check files" },
  { key: "Packed", field: "packed", kind: "bool", doc: "look inside compressed streams: gzip, bzip2, and ZIPs appended to executables (SFX)" },
  { key: "Archives", field: "archives", kind: "bool", doc: "look inside archives: ZIP and tar" },
  { key: "MailBases", field: "mailBases", kind: "bool", doc: "look inside mailboxes (mbox)" },
  { key: "MailPlain", field: "mailPlain", kind: "bool", doc: "look inside e-mail messages: MIME parts, base64, quoted-printable, uuencode" },
  { key: "FileMask", field: "fileMask", kind: "fileMask", doc: "0 every file, 1 files with extensions that can carry code, 2 those plus UserMask" },
  { key: "UserMask", field: "userMask", kind: "mask", doc: "extra extensions or name patterns for FileMask=2" },
  { key: "Exclude", field: "exclude", kind: "bool", doc: "skip files matching ExcludeMask" },
  { key: "ExcludeMask", field: "excludeMask", kind: "mask", doc: "extensions or name patterns never scanned when Exclude=Yes" },
  { key: "InfectedAction", field: "infectedAction", kind: "action", doc: "what to do with what is found: an action name, or 0 clean, 1 report, 2 remove, 3 quarantine" },
  { key: "InfectedCopy", field: "infectedCopy", kind: "bool", doc: "back up every infected file to InfectedFolder before changing or removing it" },
  { key: "InfectedFolder", field: "infectedFolder", kind: "path", doc: "backup and quarantine folder" },
  { key: "SuspiciousCopy", field: "suspiciousCopy", kind: "bool", doc: "copy suspicious files (limits hit, heuristics) to SuspiciousFolder" },
  { key: "SuspiciousFolder", field: "suspiciousFolder", kind: "path", doc: "folder for copies of suspicious files" },
  { key: "Report", field: "report", kind: "bool", doc: "write a report of every object, detection and action with its trace" },
  { key: "ReportFileName", field: "reportFileName", kind: "path", doc: "the report file" },
  { key: "Warnings", field: "warnings", kind: "bool", doc: "show and report warnings (malformed headers, keys without effect, lapsed allow-list pins)" },
  { key: "CodeAnalyzer", field: "codeAnalyzer", kind: "bool", doc: "heuristics: suspicious structures reported as Heuristics.* (suspicious, never cleaned)" },
  { key: "RedundantScan", field: "redundantScan", kind: "bool", doc: "Yes: report every match; No: stop at the first detection per file" },
  { key: "Stencil", field: "stencil", kind: "name", doc: "the environment's stencil from the database: desktop, mail-gateway, file-server, stream-filter" },
  { key: "CleanFailedAction", field: "cleanFailed", kind: "fallback", doc: "when cleaning fails or is impossible: report, remove or quarantine" },
];

type LimitKind = "count" | "size" | "seconds";
export const LIMIT_KEYS: readonly { key: string; field: keyof ScanLimits; kind: LimitKind; doc: string }[] = [
  { key: "MaxDepth", field: "maxDepth", kind: "count", doc: "containers nested deeper than this are not opened" },
  { key: "MaxScanSize", field: "maxScanSize", kind: "size", doc: "bytes extracted per file, all levels together (K, M, G suffixes)" },
  { key: "MaxFileSize", field: "maxFileSize", kind: "size", doc: "bytes extracted for one member" },
  { key: "MaxFiles", field: "maxFiles", kind: "count", doc: "members extracted per file" },
  { key: "MaxRatio", field: "maxRatio", kind: "count", doc: "expansion ratio above which a member is a bomb" },
  { key: "RatioFloor", field: "ratioFloor", kind: "size", doc: "bytes a member may expand to before the ratio is judged" },
  { key: "MaxScanTime", field: "maxScanTime", kind: "seconds", doc: "time per file: seconds, or milliseconds with the suffix ms" },
];

const SECTIONS = ["Scan", "Limits", "Categories", "Override", "Ignore", "Trusted"] as const;

const YES = new Set(["yes", "true", "on", "1"]);
const NO = new Set(["no", "false", "off", "0"]);
const nameRe = new RegExp(NAME_PATTERN_PATTERN);

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

function suggest(word: string, choices: readonly string[]): string {
  const w = word.toLowerCase();
  const best = choices.map((c) => ({ c, d: distance(w, c.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(w.length / 3)) ? `; did you mean "${best.c}"?` : "";
}

/** A list of extensions or name patterns: separated by commas or spaces (`;` starts a comment). */
function parseMask(v: string): string[] | string {
  const items = v.split(/[\s,]+/).filter(Boolean);
  for (const i of items) if (!/^[\w.*?-]+$/.test(i)) return `"${i}" is not an extension or a name pattern (letters, digits, . * ? - _)`;
  return items;
}

/** Bytes with an optional K, M or G suffix. */
function parseSize(v: string): number | undefined {
  const m = /^(\d+)\s*([kmg]?)b?$/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]) * 1024 ** " kmg".indexOf((m[2] || " ").toLowerCase());
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parse INI text. `file` is how diagnostics and traces name it. Returns the configuration only
 * when there is no error; warnings (keys without effect here) come with it.
 */
export function parseIni(text: string, file: string): IniParseResult {
  const diagnostics: IniDiagnostic[] = [];
  const scan: IniScanSettings = {};
  const limits: IniConfig["limits"] = {};
  const categories: NonNullable<UserControl["categories"]> = {};
  const overrides: { pattern: string; action: ActionName; source: string }[] = [];
  const ignore: { name: string; rev?: number; source: string }[] = [];
  const trusted: { sha256: string; note: string; source: string }[] = [];
  const control: UserControl = {};
  const seen = new Map<string, number>();
  /** undefined after an unknown section header: its keys are not judged (the header was reported). */
  let section: (typeof SECTIONS)[number] | undefined = "Scan";

  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const lead = raw.length - raw.trimStart().length;
    const at = (col: number, severity: IniDiagnostic["severity"], code: IniDiagnosticCode, message: string) =>
      diagnostics.push({ file, line, col, severity, code, message });
    const t = raw.trim();
    if (t === "" || t.startsWith(";") || t.startsWith("#")) return;
    if (t.startsWith("[")) {
      const m = /^\[\s*([^\]]*?)\s*\]\s*(?:[;#].*)?$/.exec(t);
      if (!m) return at(lead + 1, "error", "SYNTAX", `a section header is [Name] on its own line, got ${JSON.stringify(t)}`);
      const found = SECTIONS.find((s) => s.toLowerCase() === m[1].toLowerCase());
      section = found;
      if (!found) return at(lead + 2, "error", "UNKNOWN_SECTION", `unknown section [${m[1]}]${suggest(m[1], SECTIONS)} (sections: ${SECTIONS.map((s) => `[${s}]`).join(" ")}); its keys are skipped`);
      return;
    }
    if (!section) return;
    const eq = raw.indexOf("=");
    if (eq < 0) return at(lead + 1, "error", "SYNTAX", `expected Key=Value, got ${JSON.stringify(t)}`);
    const key = raw.slice(0, eq).trim();
    const col = lead + 1;
    if (!key) return at(col, "error", "SYNTAX", "a key is missing before '='");
    // The value ends at a `;` comment (the original INI's style: `Memory=Yes; check the memory`), unless quoted.
    let value = raw.slice(eq + 1).trim();
    const quoted = /^"([^"]*)"\s*(?:[;#].*)?$/.exec(value);
    if (quoted) value = quoted[1];
    else if (value.startsWith('"')) return at(raw.indexOf('"', eq) + 1, "error", "SYNTAX", "a quoted value needs its closing quote");
    else value = value.replace(/\s*;.*$/, "").trim();
    const source = `${file}:${line}`;
    const dupKey = `${section}\u0000${key.toLowerCase()}`;
    const first = seen.get(dupKey);
    if (first !== undefined) return at(col, "error", "DUPLICATE_KEY", `${key} is already set in [${section}] at line ${first}; a key may appear once`);
    seen.set(dupKey, line);
    const bad = (message: string) => at(col, "error", "BAD_VALUE", `${key}=${value}: ${message}`);
    const bool = (): boolean | undefined => {
      const v = value.toLowerCase();
      if (YES.has(v)) return true;
      if (NO.has(v)) return false;
      bad("expected Yes or No");
      return undefined;
    };

    switch (section) {
      case "Scan": {
        const def = SCAN_KEYS.find((k) => k.key.toLowerCase() === key.toLowerCase());
        if (!def) {
          const inOther = LIMIT_KEYS.some((k) => k.key.toLowerCase() === key.toLowerCase()) ? ` (${key} belongs in [Limits])` : "";
          return at(col, "error", "UNKNOWN_KEY", `unknown key ${key} in [Scan]${inOther || suggest(key, SCAN_KEYS.map((k) => k.key))}`);
        }
        const set = <T>(v: T | undefined) => {
          if (v === undefined) return;
          if (def.field === "infectedAction") control.infectedAction = { value: v as ActionName, source };
          else if (def.field === "cleanFailed") control.cleanFailed = { value: v as FallbackName, source };
          else (scan as Record<string, Setting<unknown>>)[def.field] = { value: v, source };
        };
        switch (def.kind) {
          case "bool": {
            const v = bool();
            if (v === undefined) return;
            if (def.key === "Files" && !v) return bad("files are all tgvx scans: Files=No would scan nothing; remove the key or set Yes");
            if (v && def.noEffect) at(col, "warning", "NO_EFFECT", `${def.key}=Yes has no effect here: ${def.noEffect}`);
            return set(v);
          }
          case "fileMask":
            if (!/^[012]$/.test(value)) return bad("expected 0 (every file), 1 (extensions that can carry code) or 2 (those and UserMask)");
            return set(Number(value) as 0 | 1 | 2);
          case "mask": {
            const m = parseMask(value);
            if (typeof m === "string") return bad(m);
            return set(m);
          }
          case "path":
            if (!value) return bad("expected a file or folder name");
            return set(value);
          case "name":
            if (!/^[a-z][a-z0-9-]*$/i.test(value)) return bad("expected a stencil name, e.g. desktop, mail-gateway, file-server, stream-filter");
            return set(value.toLowerCase());
          case "action": {
            const v = INFECTED_ACTION_CODES[value] ?? ACTION_NAMES.find((a) => a === value.toLowerCase());
            if (!v) return bad(`expected one of ${ACTION_NAMES.join(", ")}, or 0 (clean), 1 (report), 2 (remove), 3 (quarantine)`);
            return set(v);
          }
          case "fallback": {
            const v = FALLBACK_NAMES.find((a) => a === value.toLowerCase());
            if (!v) return bad(`expected one of ${FALLBACK_NAMES.join(", ")}`);
            return set(v);
          }
        }
        return;
      }
      case "Limits": {
        const def = LIMIT_KEYS.find((k) => k.key.toLowerCase() === key.toLowerCase());
        if (!def) return at(col, "error", "UNKNOWN_KEY", `unknown key ${key} in [Limits]${suggest(key, LIMIT_KEYS.map((k) => k.key))} (keys: ${LIMIT_KEYS.map((k) => k.key).join(", ")})`);
        let n: number | undefined;
        if (def.kind === "count") n = /^\d+$/.test(value) ? Number(value) : undefined;
        else if (def.kind === "size") n = parseSize(value);
        else {
          const m = /^(\d+)\s*(ms|s)?$/i.exec(value);
          n = m ? Number(m[1]) * (m[2]?.toLowerCase() === "ms" ? 1 : 1000) : undefined;
        }
        if (n === undefined || !Number.isSafeInteger(n) || n < 1)
          return bad(def.kind === "size" ? "expected a positive size: bytes or a K, M, G suffix (100M)" : def.kind === "seconds" ? "expected positive seconds (120), or milliseconds (500ms)" : "expected a positive whole number");
        limits[def.field] = { value: n, source };
        return;
      }
      case "Categories": {
        const c = CATEGORY_NAMES.find((x) => x === key.toLowerCase());
        if (!c) return at(col, "error", "UNKNOWN_KEY", `unknown category ${key}${suggest(key, CATEGORY_NAMES)} (categories: ${CATEGORY_NAMES.join(", ")})`);
        const v = bool();
        if (v !== undefined) categories[c] = { value: v, source };
        return;
      }
      case "Override": {
        if (!nameRe.test(key)) return at(col, "error", "BAD_VALUE", `${key}: a record name, family prefix (Win95.CIH) or pattern with * and ?`);
        const a = ACTION_NAMES.find((x) => x === value.toLowerCase());
        if (!a) return bad(`expected one of ${ACTION_NAMES.join(", ")}`);
        overrides.push({ pattern: key, action: a, source });
        return;
      }
      case "Ignore": {
        if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(key)) return at(col, "error", "BAD_VALUE", `${key}: the exact record name to ignore (no wildcards: an allow-list names what it trusts)`);
        if (value === "*" || value.toLowerCase() === "any") ignore.push({ name: key, source });
        else if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 0xffff) ignore.push({ name: key, rev: Number(value), source });
        else return bad("expected * (any revision) or the revision to pin the ignore to (it lapses when the record changes)");
        return;
      }
      case "Trusted": {
        if (!/^[0-9a-fA-F]{64}$/.test(key)) return at(col, "error", "BAD_VALUE", `${key}: a trusted file is named by its SHA-256, 64 hex digits (sha256sum FILE)`);
        trusted.push({ sha256: key.toLowerCase(), note: value, source });
        return;
      }
    }
  });

  if (Object.keys(categories).length) control.categories = categories;
  if (overrides.length) control.overrides = overrides;
  if (ignore.length) control.ignore = ignore;
  if (trusted.length) control.trusted = trusted;
  const failed = diagnostics.some((d) => d.severity === "error");
  return { ...(failed ? {} : { config: { file, scan, limits, control } }), diagnostics };
}

/** Scan options an INI asks for (RedundantScan, Archives, Packed, MailBases, MailPlain, limits). */
export function iniScanOptions(config: IniConfig): Pick<ScanOptions, "firstOnly" | "archives" | "packed" | "mail" | "mailboxes" | "limits"> {
  const s = config.scan;
  const out: ReturnType<typeof iniScanOptions> = {};
  if (s.redundantScan) out.firstOnly = !s.redundantScan.value;
  if (s.archives) out.archives = s.archives.value;
  if (s.packed) out.packed = s.packed.value;
  if (s.mailPlain) out.mail = s.mailPlain.value;
  if (s.mailBases) out.mailboxes = s.mailBases.value;
  const limits: Partial<ScanLimits> = {};
  for (const [k, v] of Object.entries(config.limits)) limits[k as keyof ScanLimits] = v.value;
  if (Object.keys(limits).length) out.limits = limits;
  return out;
}

/** Extensions that can carry code or hide it (FileMask=1): programs, scripts, documents with macros, containers, mail. */
export const CODE_EXTENSIONS: readonly string[] = [
  "com", "exe", "dll", "sys", "scr", "pif", "cpl", "ocx", "drv", "vxd", "bin", "ovl", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh",
  "hta", "ps1", "sh", "msi", "lnk", "doc", "dot", "xls", "xla", "ppt", "rtf", "docm", "xlsm", "pptm", "htm", "html", "zip", "gz", "tgz",
  "tar", "bz2", "jar", "eml", "msg", "mbx", "mbox", "img",
];

function maskMatches(mask: readonly string[], base: string): boolean {
  const lower = base.toLowerCase();
  return mask.some((m) => {
    const p = m.toLowerCase();
    if (!/[*?]/.test(p)) return lower.endsWith(p.startsWith(".") ? p : `.${p}`);
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    return re.test(lower);
  });
}

/**
 * Object control: whether a file is scanned, by FileMask / UserMask / Exclude / ExcludeMask.
 * Returns undefined when it is, or why not. `base` is the file's name without folders.
 */
export function fileExcludedBy(scan: IniScanSettings, base: string): string | undefined {
  if (scan.exclude?.value && scan.excludeMask && maskMatches(scan.excludeMask.value, base))
    return `excluded by ExcludeMask (${scan.excludeMask.source})`;
  const mode = scan.fileMask?.value ?? 0;
  if (mode === 0) return undefined;
  if (maskMatches(CODE_EXTENSIONS, base)) return undefined;
  if (mode === 2 && scan.userMask && maskMatches(scan.userMask.value, base)) return undefined;
  return `not in FileMask=${mode} (${scan.fileMask!.source})${mode === 2 ? " or UserMask" : ""}`;
}
