/**
 * Export a database's feature-code records (types 3 and 4) as other scanners' rules:
 *
 *  - **ClamAV** extended signatures (`.ndb`, `Name:TargetType:Offset:HexSignature`). ClamAV matches
 *    bytes, and a tgvxdb only holds CRCs, so the bytes come from sample files: every sample is
 *    scanned with the engine, and the first file a record detects gives the first word and both
 *    windows' bytes (gaps between them become `{n}`). Anchors: start = absolute offset, end =
 *    `EOF-n`, entry = `EP+n`/`EP-n` (ClamAV has EP for PE files only); the initial-jump anchor
 *    has no ClamAV equivalent.
 *  - **YARA** rules: the first word as `uint16(anchor + at)`, both windows as
 *    `hash.crc32(offset, length)`, a `filesize` guard so a window past the end never matches (YARA's
 *    hash functions would silently hash a truncated range), the anchor as `filesize` (end),
 *    `pe.entry_point` or the DOS/NE/COM header arithmetic (entry), the COM jump arithmetic (jump),
 *    and type 4's file types as private rules that mirror the engine's recognition
 *    (`packages/engine/src/file-type.ts`). No samples are needed.
 *
 * Where a format cannot say exactly what the record says, the record is either exported with the
 * nearest equivalent and an `approximate` note saying how it differs, or not exported (`skipped`,
 * with a code and the reason). Output is deterministic: records in id order, no timestamps.
 */
import { crc32, type Engine, type FileTypeName, type RecordView } from "@tgvx/engine";

export const EXPORT_FORMATS = ["clamav", "yara"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Why a record was not exported:
 * MODULE: a type 1/2 record detects with a module (code), which has no rule equivalent;
 * NO_SAMPLE: ClamAV needs the bytes and no sample given is detected by the record;
 * NO_EQUIVALENT: the format has no way to express the anchor or the file types;
 * NEVER_MATCHES: the record cannot match any file (its bytes lie before the start or past the end).
 */
export type ExportSkipCode = "MODULE" | "NO_SAMPLE" | "NO_EQUIVALENT" | "NEVER_MATCHES";

export interface ExportSkip {
  id: number;
  rev: number;
  name: string;
  code: ExportSkipCode;
  reason: string;
}

export interface ExportedRule {
  id: number;
  rev: number;
  /** The record's name in the database. */
  name: string;
  /** The signature (ClamAV) or rule (YARA) name written; ClamAV prints it with `.UNOFFICIAL` appended. */
  rule: string;
  /** Set when the exported rule does not mean exactly what the record means: how it differs. */
  approximate?: string;
  /** ClamAV: the sample file the bytes were taken from. */
  sample?: string;
}

export interface ExportResult {
  format: ExportFormat;
  /** The `.ndb` lines or the YARA source. */
  text: string;
  /** Records in the database. */
  records: number;
  exported: ExportedRule[];
  /** Records not exported, with why (deprecated records are counted in `deprecated`, not here). */
  skipped: ExportSkip[];
  /** Deprecated records: they no longer detect in tgvx, so they are not exported. */
  deprecated: number;
  /** ClamAV: sample files scanned, and how many gave the bytes of at least one record. */
  samples?: { scanned: number; used: number };
}

export interface ExportSample {
  /** Shown in reports; its base name is what the engine sees (".com" files are COM by name). */
  path: string;
  bytes: Uint8Array;
}

export interface ExportOptions {
  /** ClamAV: files to take the records' bytes from; read lazily, in the order given, until every record has its bytes. */
  samples?: Iterable<ExportSample> | AsyncIterable<ExportSample>;
}

type Detect = NonNullable<RecordView["detect"]>;

const EXE_TYPES: readonly FileTypeName[] = ["mz", "ne", "pe32", "pe64"];
const PE_TYPES: readonly FileTypeName[] = ["pe32", "pe64"];
const ENTRY_TYPES: readonly FileTypeName[] = ["com", "mz", "ne", "pe32", "pe64"];
const COM_NAME_NOTE =
  "YARA cannot see file names: COM files that tgvx recognises only by their .com name (no E9/EB jump at offset 0) are not matched";

/** Where the record's bytes lie relative to its anchor: [lo, hi), and the pieces inside. */
function span(d: Detect): { lo: number; hi: number; pieces: { start: number; length: number }[] } {
  const pieces = [{ start: d.at, length: 2 }, ...d.windows.map((w) => ({ start: w.offset, length: w.length }))];
  const lo = Math.min(...pieces.map((p) => p.start));
  const hi = Math.max(...pieces.map((p) => p.start + p.length));
  return { lo, hi, pieces };
}

const hex = (n: number) => (n < 0 ? `-0x${(-n).toString(16).toUpperCase()}` : `0x${n.toString(16).toUpperCase()}`);
const idHex = (id: number) => `0x${id.toString(16).toUpperCase()}`;
/** `base + n` written tidily: "a", "a + 0x10", "a - 0x10". */
const plus = (base: string, n: number) => (n === 0 ? base : n > 0 ? `${base} + ${hex(n)}` : `${base} - ${hex(-n)}`);

function skip(r: RecordView, code: ExportSkipCode, reason: string): ExportSkip {
  return { id: r.id, rev: r.rev, name: r.name, code, reason };
}

/** The record's own fixed problems, common to both formats, or undefined. */
function commonSkip(r: RecordView): ExportSkip | undefined {
  if (!r.detect) return skip(r, "MODULE", `type ${r.type}: detected by the module ${r.module ?? "(none)"}, which has no rule equivalent`);
  const { lo, hi } = span(r.detect);
  if (r.detect.anchor === "start" && lo < 0) return skip(r, "NEVER_MATCHES", `its bytes start ${-lo} before the start of the file`);
  if (r.detect.anchor === "end" && hi > 0) return skip(r, "NEVER_MATCHES", `its bytes reach ${hi} past the end of the file`);
  return undefined;
}

export async function exportRules(engine: Engine, format: ExportFormat, options: ExportOptions = {}): Promise<ExportResult> {
  if (format === "yara") return exportYara(engine);
  if (format === "clamav") return exportClamav(engine, options);
  throw new Error(`unknown export format "${String(format)}": use ${EXPORT_FORMATS.join(" or ")}`);
}

/** Rows of the records to consider (deprecated ones are counted, not exported). */
function rows(engine: Engine): { views: RecordView[]; deprecated: number } {
  const db = engine.db;
  const views: RecordView[] = [];
  let deprecated = 0;
  for (const row of db.rowsById()) {
    const r = db.record(row);
    if (r.status === "deprecated") deprecated++;
    else views.push(r);
  }
  return { views, deprecated };
}

// ---------------------------------------------------------------------------------------------
// ClamAV

/** ClamAV target types used here (see ClamAV's "Target Types"): 0 any file, 1 PE (every MZ executable). */
const CLAMAV_ANY = 0;
const CLAMAV_PE = 1;

interface ClamPlan {
  view: RecordView;
  target: number;
  /** The offset field, given the start of the signature relative to the anchor. */
  offset: string;
  approximate?: string;
  rule: string;
  sig?: string;
  sample?: string;
}

/** A ClamAV signature name: letters, digits, '.', '_', '-' (':' separates fields); unique. */
function clamavNames(views: readonly RecordView[]): Map<number, string> {
  const out = new Map<number, string>();
  const taken = new Set<string>();
  for (const v of views) {
    let n = v.name.replace(/[^A-Za-z0-9._-]/g, "_") || "tgvx";
    if (taken.has(n)) n = `${n}.${idHex(v.id)}`;
    for (let i = 2; taken.has(n); i++) n = `${n}.${i}`;
    taken.add(n);
    out.set(v.id, n);
  }
  return out;
}

function clamavTarget(r: RecordView): { target: number; note?: string } {
  const d = r.detect!;
  if (r.type !== 4 || !d.filetypes.length) return { target: CLAMAV_ANY };
  const ft = d.filetypes;
  if (ft.every((t) => EXE_TYPES.includes(t))) {
    return EXE_TYPES.every((t) => ft.includes(t))
      ? { target: CLAMAV_PE }
      : { target: CLAMAV_PE, note: `ClamAV's target type 1 is every MZ executable (DOS, NE, PE32, PE32+); tgvx restricts it to ${ft.join(", ")}` };
  }
  const missing = ft.filter((t) => !EXE_TYPES.includes(t));
  const why = missing.includes("text") ? " (its text target 7 matches normalized text only: lower case, collapsed white space)" : "";
  return { target: CLAMAV_ANY, note: `ClamAV has no target type for ${missing.join(", ")}${why}: exported for any file type, so it also matches files tgvx would not` };
}

function clamavPlan(r: RecordView, rule: string): ClamPlan | ExportSkip {
  const d = r.detect!;
  const { lo } = span(d);
  const notes: string[] = [];
  let { target, note } = clamavTarget(r);
  let offset: string;
  if (d.anchor === "start") offset = String(lo);
  else if (d.anchor === "end") {
    offset = `EOF-${-lo}`;
    const ft = r.type === 4 && d.filetypes.length ? d.filetypes : ENTRY_TYPES;
    const dos = ft.filter((t) => t === "mz" || t === "ne");
    if (dos.length)
      notes.push(`ClamAV ignores EOF-n offsets in MZ executables whose header it cannot parse (${dos.join(", ")} files, damaged PE files): there the signature does not match`);
  } else if (d.anchor === "jump") return skip(r, "NO_EQUIVALENT", "ClamAV has no offset relative to a COM file's initial jump target");
  else {
    const ft = r.type === 4 && d.filetypes.length ? d.filetypes : ENTRY_TYPES;
    const pe = ft.filter((t) => PE_TYPES.includes(t));
    const others = ft.filter((t) => !PE_TYPES.includes(t));
    if (pe.length) {
      target = CLAMAV_PE;
      note = undefined;
      offset = lo >= 0 ? `EP+${lo}` : `EP-${-lo}`;
      if (others.length) notes.push(`ClamAV's EP is defined for PE files only: the record's entry anchor in ${others.join(", ")} files is not covered`);
      if (pe.length === 1) notes.push(`ClamAV cannot tell PE32 from PE32+: it also matches ${pe[0] === "pe32" ? "pe64" : "pe32"} files`);
    } else if (ft.includes("com")) {
      // A COM file's entry point is its first byte.
      if (lo < 0) return skip(r, "NEVER_MATCHES", `its bytes start ${-lo} before a COM file's entry point (offset 0)`);
      target = CLAMAV_ANY;
      note = undefined;
      offset = String(lo);
      notes.push("ClamAV has no COM target type: exported as an absolute offset (COM entry = 0) for any file type");
      if (ft.length > 1) notes.push(`the entry anchor in ${ft.filter((t) => t !== "com").join(", ")} files is not covered`);
    } else {
      return skip(r, "NO_EQUIVALENT", `ClamAV's EP offset is defined for PE files only; there is no equivalent for the entry point of ${ft.join(", ")} files`);
    }
  }
  if (note) notes.unshift(note);
  return { view: r, target, offset, rule, ...(notes.length ? { approximate: notes.join("; ") } : {}) };
}

/** `aabb{12}ccdd...`: the record's bytes from the sample, [lo, hi) relative to the anchor at `a`. */
function clamavHex(d: Detect, bytes: Uint8Array, a: number): string | undefined {
  const { pieces } = span(d);
  for (const p of pieces) if (a + p.start < 0 || a + p.start + p.length > bytes.length) return undefined;
  // The bytes must be the ones the record checks (they are, for a detection; this guards the API).
  const pos = a + d.at;
  if (bytes[pos] !== d.first[0] || bytes[pos + 1] !== d.first[1]) return undefined;
  for (const w of d.windows) if (crc32(bytes.subarray(a + w.offset, a + w.offset + w.length)) >>> 0 !== w.crc >>> 0) return undefined;
  const sorted = [...pieces].sort((x, y) => x.start - y.start);
  const merged: { start: number; end: number }[] = [];
  for (const p of sorted) {
    const last = merged[merged.length - 1];
    if (last && p.start <= last.end) last.end = Math.max(last.end, p.start + p.length);
    else merged.push({ start: p.start, end: p.start + p.length });
  }
  let out = "";
  for (let i = 0; i < merged.length; i++) {
    if (i) out += `{${merged[i].start - merged[i - 1].end}}`;
    out += Buffer.from(bytes.subarray(a + merged[i].start, a + merged[i].end)).toString("hex");
  }
  return out;
}

async function exportClamav(engine: Engine, options: ExportOptions): Promise<ExportResult> {
  const db = engine.db;
  const { views, deprecated } = rows(engine);
  const names = clamavNames(views);
  const skipped: ExportSkip[] = [];
  const plans = new Map<number, ClamPlan>(); // by id
  for (const v of views) {
    const s = commonSkip(v);
    if (s) {
      skipped.push(s);
      continue;
    }
    const p = clamavPlan(v, names.get(v.id)!);
    if ("code" in p) skipped.push(p);
    else plans.set(v.id, p);
  }

  let remaining = plans.size;
  let scanned = 0;
  let used = 0;
  if (options.samples && remaining) {
    for await (const s of options.samples) {
      scanned++;
      const base = s.path.split(/[\\/]/).pop() ?? s.path;
      const r = engine.scan(s.bytes, { name: base, archives: false, mail: false });
      let gave = false;
      for (const det of r.detections) {
        if (det.path.length) continue;
        const p = plans.get(det.id);
        if (!p || p.sig !== undefined) continue;
        const sig = clamavHex(p.view.detect!, s.bytes, det.anchorOffset);
        if (sig === undefined) continue;
        p.sig = sig;
        p.sample = s.path;
        remaining--;
        gave = true;
      }
      if (gave) used++;
      if (!remaining) break;
    }
  }

  const lines: string[] = [];
  const exported: ExportedRule[] = [];
  const noSamples = !options.samples;
  for (const v of views) {
    const p = plans.get(v.id);
    if (!p) continue;
    if (p.sig === undefined) {
      skipped.push(
        skip(
          v,
          "NO_SAMPLE",
          noSamples
            ? "no samples given (--samples DIR): an .ndb signature needs the bytes, and the database holds only their CRCs"
            : `none of the ${scanned} sample files given is detected by it, so its bytes are unknown (the database holds only CRCs)`,
        ),
      );
      continue;
    }
    lines.push(`${p.rule}:${p.target}:${p.offset}:${p.sig}`);
    exported.push({ id: v.id, rev: v.rev, name: v.name, rule: p.rule, ...(p.approximate ? { approximate: p.approximate } : {}), sample: p.sample! });
  }
  skipped.sort((a, b) => a.id - b.id);
  return {
    format: "clamav",
    text: lines.length ? lines.join("\n") + "\n" : "",
    records: db.recordCount,
    exported,
    skipped,
    deprecated,
    samples: { scanned, used },
  };
}

// ---------------------------------------------------------------------------------------------
// YARA

/** Words YARA reserves, and the modules imported here: not usable as rule names. */
const YARA_RESERVED = new Set(
  (
    "all and any ascii at base64 base64wide condition contains defined endswith entrypoint false filesize for fullword global " +
    "icontains iendswith iequals import in include int16 int16be int32 int32be int8 int8be istartswith matches meta nocase none " +
    "not of or private rule startswith strings them true uint16 uint16be uint32 uint32be uint8 uint8be wide xor " +
    "pe hash math elf dotnet cuckoo magic time console string"
  ).split(" "),
);
/** YARA identifiers are at most 128 characters. */
const YARA_MAX_NAME = 128;

/** The engine's file-type recognition as YARA private rules (packages/engine/src/file-type.ts). */
const TYPE_RULES: Record<string, { deps: string[]; imports?: string[]; strings?: string; condition: string }> = {
  tgvx_type_mzfam: { deps: [], condition: "uint16(0) == 0x5A4D or uint16(0) == 0x4D5A" },
  // "PE\0\0" at e_lfanew, in an MZ file of at least 0x40 bytes
  tgvx_type_pesig: { deps: ["tgvx_type_mzfam"], condition: "tgvx_type_mzfam and filesize >= 0x40 and uint32(uint32(0x3C)) == 0x4550" },
  // the optional header fields up to SizeOfHeaders must be there (opt + 64 <= size), magic 0x10B / 0x20B
  tgvx_type_pe32: { deps: ["tgvx_type_pesig"], condition: "tgvx_type_pesig and uint32(0x3C) + 0x58 <= filesize and uint16(uint32(0x3C) + 0x18) == 0x10B" },
  tgvx_type_pe64: { deps: ["tgvx_type_pesig"], condition: "tgvx_type_pesig and uint32(0x3C) + 0x58 <= filesize and uint16(uint32(0x3C) + 0x18) == 0x20B" },
  // "NE" at e_lfanew (so not "PE"), the header up to its alignment shift present
  tgvx_type_ne: {
    deps: ["tgvx_type_mzfam"],
    condition: "tgvx_type_mzfam and filesize >= 0x40 and uint16(uint32(0x3C)) == 0x454E and uint32(0x3C) + 0x34 <= filesize",
  },
  // a DOS executable: the MZ family, and not a PE or NE whose header holds
  tgvx_type_mz: {
    deps: ["tgvx_type_mzfam", "tgvx_type_pe32", "tgvx_type_pe64", "tgvx_type_ne"],
    condition: "tgvx_type_mzfam and not tgvx_type_pe32 and not tgvx_type_pe64 and not tgvx_type_ne",
  },
  // not MZ, at most 0xFF00 bytes, starting with a jump (tgvx also takes any file named *.com: YARA cannot see names)
  tgvx_type_com: { deps: ["tgvx_type_mzfam"], condition: "not tgvx_type_mzfam and filesize <= 0xFF00 and (uint8(0) == 0xE9 or uint8(0) == 0xEB)" },
  tgvx_type_boot: { deps: ["tgvx_type_mzfam"], condition: "not tgvx_type_mzfam and filesize >= 512 and filesize % 512 == 0 and uint16(510) == 0xAA55" },
  tgvx_type_zip: {
    deps: [],
    strings: "$eocd = { 50 4B 05 06 }",
    // a local header or an empty archive at 0, or the end-of-central-directory record in the last 65,557 bytes
    condition: "uint32(0) == 0x04034B50 or uint32(0) == 0x06054B50 or $eocd in (filesize - 65557 .. filesize - 4)",
  },
  tgvx_type_gzip: { deps: [], condition: "uint16(0) == 0x8B1F and uint8(2) == 0x08" },
  tgvx_type_tar: {
    deps: [],
    condition: "filesize >= 512 and uint32(257) == 0x61747375 and uint8(261) == 0x72 and (uint8(262) == 0 or (uint16(262) == 0x2020 and uint8(264) == 0))",
  },
  tgvx_type_bzip2: {
    deps: [],
    condition:
      "filesize >= 10 and uint16(0) == 0x5A42 and uint8(2) == 0x68 and uint8(3) >= 0x31 and uint8(3) <= 0x39 and " +
      "((uint16(4) == 0x4131 and uint8(6) == 0x59) or (uint16(4) == 0x7217 and uint8(6) == 0x45))",
  },
  // no NUL and at most 1 in 20 control bytes in the first 4 KiB
  tgvx_type_text: { deps: [], imports: ["math"], condition: textCondition() },
};

function textCondition(): string {
  const bad = [1, 2, 3, 4, 5, 6, 7, 8, 0x0b, 0x0c, ...Array.from({ length: 18 }, (_, i) => 0x0e + i), 0x7f];
  const sum = (n: string) => bad.map((b) => `math.count(${hex(b)}, 0, ${n})`).join(" + ");
  return (
    "filesize > 0 and math.count(0, 0, 4096) == 0 and (\n" +
    `      (filesize >= 4096 and (${sum("4096")}) * 20 <= 4096) or\n` +
    `      (filesize < 4096 and (${sum("filesize")}) * 20 <= filesize))`
  );
}

const TYPE_RULE: Partial<Record<FileTypeName, string>> = {
  com: "tgvx_type_com",
  mz: "tgvx_type_mz",
  ne: "tgvx_type_ne",
  pe32: "tgvx_type_pe32",
  pe64: "tgvx_type_pe64",
  zip: "tgvx_type_zip",
  gzip: "tgvx_type_gzip",
  tar: "tgvx_type_tar",
  boot: "tgvx_type_boot",
  text: "tgvx_type_text",
  bzip2: "tgvx_type_bzip2",
};

function yaraNames(views: readonly RecordView[]): Map<number, string> {
  const out = new Map<number, string>();
  const taken = new Set<string>();
  const free = (n: string) => !taken.has(n) && !YARA_RESERVED.has(n) && !n.startsWith("tgvx_type_");
  for (const v of views) {
    let n = v.name.replace(/[^A-Za-z0-9_]/g, "_");
    if (!/^[A-Za-z_]/.test(n)) n = `_${n}`;
    n = n.slice(0, YARA_MAX_NAME);
    if (!free(n)) {
      const suffix = `_${v.id.toString(16).toUpperCase()}`;
      n = n.slice(0, YARA_MAX_NAME - suffix.length) + suffix;
    }
    for (let i = 2; !free(n); i++) n = n.slice(0, YARA_MAX_NAME - String(i).length - 1) + `_${i}`;
    taken.add(n);
    out.set(v.id, n);
  }
  return out;
}

const yaraString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}"`;

/**
 * The record's checks with the anchor at `a` (an expression, or "0" for the start of the file,
 * or "filesize" for its end): the range guard, then the first word, then both CRCs.
 */
function yaraBody(d: Detect, a: string, anchorChecked: boolean): string {
  const { lo, hi } = span(d);
  const word = d.first[0] | (d.first[1] << 8);
  const parts: string[] = [];
  if (a === "0") parts.push(`filesize >= ${hex(hi)}`);
  else if (a === "filesize") parts.push(`filesize >= ${hex(-lo)}`);
  else {
    if (!anchorChecked) parts.push(`${a} >= 0`, `${a} < filesize`);
    if (lo < 0) parts.push(`${plus(a, lo)} >= 0`);
    parts.push(`${plus(a, hi)} <= filesize`);
  }
  const at = (n: number) => (a === "0" ? hex(n) : plus(a, n));
  parts.push(`uint16(${at(d.at)}) == 0x${word.toString(16).toUpperCase().padStart(4, "0")}`);
  for (const w of d.windows) parts.push(`hash.crc32(${at(w.offset)}, ${hex(w.length)}) == 0x${(w.crc >>> 0).toString(16).toUpperCase().padStart(8, "0")}`);
  return parts.join(" and ");
}

interface YaraPlan {
  condition: string;
  types: string[];
  imports: string[];
  approximate?: string;
}

function yaraPlan(r: RecordView): YaraPlan | ExportSkip {
  const d = r.detect!;
  const notes: string[] = [];
  const imports = new Set<string>(["hash"]);
  const types = new Set<string>();
  let ft: FileTypeName[] = r.type === 4 ? [...d.filetypes] : [];
  if (ft.includes("mail")) {
    const rest = ft.filter((t) => t !== "mail");
    if (!rest.length) return skip(r, "NO_EQUIVALENT", "YARA has no equivalent of tgvx's e-mail recognition (an mbox or an RFC 5322 header block)");
    notes.push("e-mail files (one of its file types) are not recognised in YARA");
    ft = rest;
  }
  if (ft.includes("com")) notes.push(COM_NAME_NOTE);
  const typeCond = ft.map((t) => TYPE_RULE[t]!);
  const { lo } = span(d);

  const branches: string[] = [];
  if (d.anchor === "start") branches.push(yaraBody(d, "0", true));
  else if (d.anchor === "end") branches.push(yaraBody(d, "filesize", true));
  else if (d.anchor === "jump") {
    types.add("tgvx_type_com");
    branches.push(
      `tgvx_type_com and (\n      (uint8(0) == 0xE9 and for any a in ((3 + int16(1)) & 0xFFFF) : (${yaraBody(d, "a", false)})) or\n` +
        `      (uint8(0) == 0xEB and for any a in (2 + int8(1)) : (${yaraBody(d, "a", false)})))`,
    );
  } else {
    // entry: the entry point of whichever executable type the file is (they exclude each other)
    const only = ft.length && ft.every((t) => ENTRY_TYPES.includes(t)) ? ft : ENTRY_TYPES;
    if (only.includes("com")) {
      if (lo >= 0) {
        types.add("tgvx_type_com");
        branches.push(`tgvx_type_com and ${yaraBody(d, "0", true)}`);
      }
      if (!notes.includes(COM_NAME_NOTE)) notes.push(COM_NAME_NOTE);
    }
    if (only.includes("mz")) {
      types.add("tgvx_type_mz");
      branches.push(
        `tgvx_type_mz and filesize >= 0x1C and for any a in (uint16(0x08) * 16 + ((uint16(0x16) * 16 + uint16(0x14)) & 0xFFFFF)) : (${yaraBody(d, "a", false)})`,
      );
    }
    if (only.includes("ne")) {
      types.add("tgvx_type_ne");
      // segment (CS - 1) of the table holds the sector; sector << shift (0 means 9) + IP
      const ne = "uint32(0x3C)";
      const seg = `${ne} + uint16(${ne} + 0x22) + (uint16(${ne} + 0x16) - 1) * 8`;
      const shift = `uint16(${ne} + 0x32)`;
      branches.push(
        `tgvx_type_ne and uint16(${ne} + 0x16) >= 1 and uint16(${ne} + 0x16) <= uint16(${ne} + 0x1C) and ${seg} + 8 <= filesize and ` +
          `(uint16(${seg}) == 0 or ${shift} < 64) and\n      for any a in ((uint16(${seg}) << (${shift} + 9 * (1 - (${shift} + 65535) \\ 65536))) + uint16(${ne} + 0x14)) : (${yaraBody(d, "a", false)})`,
      );
    }
    const pe = only.filter((t) => PE_TYPES.includes(t));
    if (pe.length) {
      imports.add("pe");
      for (const t of pe) types.add(TYPE_RULE[t]!);
      const isPe = pe.length === 2 ? "(tgvx_type_pe32 or tgvx_type_pe64)" : TYPE_RULE[pe[0]]!;
      branches.push(`${isPe} and for any a in (pe.entry_point) : (${yaraBody(d, "a", false)})`);
    }
    if (!branches.length) return skip(r, "NEVER_MATCHES", "its bytes start before a COM file's entry point (offset 0)");
  }
  const needType = ft.length > 0 && !(d.anchor === "entry" && ft.every((t) => ENTRY_TYPES.includes(t)));
  for (const t of needType ? typeCond : []) types.add(t);
  const body = branches.length === 1 ? branches[0] : branches.map((b) => `(${b})`).join(" or\n    ");
  const condition = needType ? `${typeCond.length === 1 ? typeCond[0] : `(${typeCond.join(" or ")})`} and ${branches.length === 1 ? body : `(${body})`}` : body;
  for (const t of types) for (const i of TYPE_RULES[t]?.imports ?? []) imports.add(i);
  return { condition, types: [...types], imports: [...imports], ...(notes.length ? { approximate: notes.join("; ") } : {}) };
}

function exportYara(engine: Engine): ExportResult {
  const db = engine.db;
  const { views, deprecated } = rows(engine);
  const names = yaraNames(views);
  const skipped: ExportSkip[] = [];
  const exported: ExportedRule[] = [];
  const rules: string[] = [];
  const imports = new Set<string>();
  const used = new Set<string>();
  for (const v of views) {
    const s = commonSkip(v);
    if (s) {
      skipped.push(s);
      continue;
    }
    const p = yaraPlan(v);
    if ("code" in p) {
      skipped.push(p);
      continue;
    }
    const rule = names.get(v.id)!;
    for (const i of p.imports) imports.add(i);
    for (const t of p.types) used.add(t);
    rules.push(
      (p.approximate ? `// approximate: ${p.approximate}\n` : "") +
        `rule ${rule} {\n  meta:\n    tgvx_id = ${yaraString(idHex(v.id))}\n    tgvx_rev = ${v.rev}\n    tgvx_name = ${yaraString(v.name)}\n` +
        `  condition:\n    ${p.condition}\n}\n`,
    );
    exported.push({ id: v.id, rev: v.rev, name: v.name, rule, ...(p.approximate ? { approximate: p.approximate } : {}) });
  }
  // The private type rules the records use, each after the rules it refers to.
  const order: string[] = [];
  const visit = (t: string) => {
    if (order.includes(t)) return;
    for (const dep of TYPE_RULES[t].deps) visit(dep);
    order.push(t);
  };
  for (const t of Object.keys(TYPE_RULES)) if (used.has(t)) visit(t);
  const typeRules = order.map((t) => {
    const r = TYPE_RULES[t];
    return `private rule ${t} {\n${r.strings ? `  strings:\n    ${r.strings}\n` : ""}  condition:\n    ${r.condition}\n}\n`;
  });
  const header = [
    `// tgvx export --format yara: ${exported.length} of ${db.recordCount} records of the database with content SHA-256 ${db.info.sha256} (version ${db.info.dbVersion})`,
    "// A rule holds where tgvx detects: the first word at the anchor, both CRC-32 windows inside the file, the file types of type 4.",
    ...["hash", "math", "pe"].filter((i) => imports.has(i)).map((i) => `import "${i}"`),
    "",
  ].join("\n");
  skipped.sort((a, b) => a.id - b.id);
  return {
    format: "yara",
    text: exported.length ? [header, ...typeRules, ...rules].join("\n") : "",
    records: db.recordCount,
    exported,
    skipped,
    deprecated,
  };
}
