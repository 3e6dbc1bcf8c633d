/**
 * Object recognition: which type flags a scanned object carries and where its anchors are.
 *
 * Runs on untrusted bytes and never throws on them: malformed or truncated headers become
 * warnings, every read is bounds-checked, and every loop is bounded by a constant
 * (4 KiB text window, 64 KiB + 22 ZIP tail window, 96 PE sections), never by a header field.
 *
 * Browser-safe: no Node API, only Uint8Array / DataView. All multi-byte fields are little-endian
 * and all positions are file offsets.
 */

/** Type flags of an object; several may be set at once (pe32 + zip, text + mail, com + text). */
export const FileType = {
  com: 1 << 0,
  mz: 1 << 1,
  ne: 1 << 2,
  pe32: 1 << 3,
  pe64: 1 << 4,
  zip: 1 << 5,
  gzip: 1 << 6,
  tar: 1 << 7,
  mail: 1 << 8,
  boot: 1 << 9,
  text: 1 << 10,
  bzip2: 1 << 11,
} as const;
export type FileTypeName = keyof typeof FileType;

/** Type names in bit order (index i is bit 1 << i). */
export const FILE_TYPE_NAMES: readonly FileTypeName[] = Object.freeze([
  "com",
  "mz",
  "ne",
  "pe32",
  "pe64",
  "zip",
  "gzip",
  "tar",
  "mail",
  "boot",
  "text",
  "bzip2",
] as FileTypeName[]);

/** Names of the flags set in `flags`, in bit order; [] means "unknown". */
export function fileTypeNames(flags: number): FileTypeName[] {
  const out: FileTypeName[] = [];
  for (const n of FILE_TYPE_NAMES) if ((flags & FileType[n]) !== 0) out.push(n);
  return out;
}

/** The bit set for a list of type names (inverse of fileTypeNames). */
export function fileTypeBits(names: readonly FileTypeName[]): number {
  let bits = 0;
  for (const n of names) bits |= FileType[n];
  return bits;
}

/** Where a feature code is measured from. */
export const Anchor = { start: 0, end: 1, entry: 2, jump: 3 } as const;
export type AnchorName = keyof typeof Anchor;
/** Anchor names; index = Anchor value. */
export const ANCHOR_NAMES: readonly AnchorName[] = Object.freeze(["start", "end", "entry", "jump"] as AnchorName[]);
/** Value of an anchor that is undefined for the object (no entry point, no initial jump). */
export const NO_ANCHOR = -1;

export interface ObjectWarning {
  /** SCREAMING_SNAKE code, e.g. TRUNCATED_MZ_HEADER, BAD_PE_HEADER, ENTRY_OUT_OF_RANGE. */
  code: string;
  message: string;
  /** File offset of the field or structure the warning is about. */
  offset?: number;
}

export interface ObjectInfo {
  /** FileType bit set, 0 = unknown. */
  types: number;
  /** Length 4, indexed by Anchor; NO_ANCHOR when undefined for this object. */
  anchors: Int32Array;
  warnings: ObjectWarning[];
}

/** Limits (constants, never taken from the input). */
const MAX_PE_SECTIONS = 96;
const COM_MAX_SIZE = 0xff00;
const ZIP_EOCD_WINDOW = 65_557; // 22-byte EOCD record + 65,535-byte maximum comment
const TEXT_WINDOW = 4096;
const PE_SECTION_ENTRY = 40;
const NE_SEGMENT_ENTRY = 8;

const A_START = 0;
const A_END = 1;
const A_ENTRY = 2;
const A_JUMP = 3;

/** Recognize `bytes` (optionally named, for the ".com" rule) and compute its anchors. */
export function analyzeObject(bytes: Uint8Array, name?: string): ObjectInfo {
  const anchors = new Int32Array(4);
  const warnings: ObjectWarning[] = [];
  const types = analyzeObjectInto(bytes, name, anchors, warnings);
  return { types, anchors, warnings };
}

/**
 * Same as analyzeObject, writing into caller-owned storage so the scan hot path allocates
 * nothing when there are no warnings. All four anchors are overwritten; warnings are
 * appended (empty the array yourself when reusing it). Returns the FileType bit set.
 * Throws RangeError only on API misuse (anchors shorter than 4), never because of the bytes.
 */
export function analyzeObjectInto(
  bytes: Uint8Array,
  name: string | undefined,
  anchors: Int32Array,
  warnings: ObjectWarning[],
): number {
  if (anchors.length < 4) throw new RangeError("analyzeObjectInto: anchors must have length >= 4");
  return analyze(bytes, bytes.length, bytes, name, anchors, warnings);
}

/**
 * Stream scanning: analyzeObjectInto for an object of `size` bytes (Infinity while it is still
 * arriving) of which only the first bytes, `head`, are at hand, and optionally its last bytes,
 * `tail`. Every read stays inside `head`; `size` decides the END anchor (NO_ANCHOR while unknown),
 * the COM and boot size rules and whether the entry point and jump target lie inside the object.
 * A zip is recognized by its first bytes, or by its end record when `tail` is given (the last
 * 65,557 bytes of the object at least, or all of it).
 *
 * Exact (the same result as analyzeObjectInto on the whole object) when `head` holds at least
 * STREAM_HEAD_MIN bytes and at least headerExtent(head) bytes, or is the whole object. With a
 * shorter head, only the MZ/NE/PE flags and the entry anchor are exact, and only once `head` holds
 * headerExtent(head) bytes.
 */
export function analyzeHeadInto(
  head: Uint8Array,
  size: number,
  tail: Uint8Array | undefined,
  name: string | undefined,
  anchors: Int32Array,
  warnings: ObjectWarning[],
): number {
  if (anchors.length < 4) throw new RangeError("analyzeHeadInto: anchors must have length >= 4");
  return analyze(head, size, tail, name, anchors, warnings);
}

/** A head this long decides every size-independent flag (text window, tar, COM size limit): see analyzeHeadInto. */
export const STREAM_HEAD_MIN = 0x10000;

/**
 * How many bytes from the start the MZ/NE/PE analysis reads, judged from `bytes` (the first bytes of
 * an object): 0 for an object that is not MZ-family. When the answer exceeds bytes.length, call again
 * with more bytes (a field read further on may move it again). Follows analyzeMz / analyzePe /
 * analyzeNe field by field.
 */
export function headerExtent(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < 2) return 2;
  const mzFamily = (bytes[0] === 0x4d && bytes[1] === 0x5a) || (bytes[0] === 0x5a && bytes[1] === 0x4d);
  if (!mzFamily) return 0;
  if (n < 0x40) return 0x40;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = dv.getUint32(0x3c, true);
  let need = Math.max(0x40, at + 4);
  if (n < need) return need;
  if (bytes[at] === 0x50 && bytes[at + 1] === 0x45 && bytes[at + 2] === 0 && bytes[at + 3] === 0) {
    const opt = at + 24;
    need = Math.max(need, opt + 64);
    if (n < need) return need;
    const sections = Math.min(dv.getUint16(at + 6, true), MAX_PE_SECTIONS);
    return Math.max(need, opt + dv.getUint16(at + 20, true) + sections * PE_SECTION_ENTRY);
  }
  if (bytes[at] === 0x4e && bytes[at + 1] === 0x45) {
    need = Math.max(need, at + 0x34);
    if (n < need) return need;
    const cs = dv.getUint16(at + 0x16, true);
    if (cs === 0 || cs > dv.getUint16(at + 0x1c, true)) return need;
    return Math.max(need, at + dv.getUint16(at + 0x22, true) + cs * NE_SEGMENT_ENTRY);
  }
  return need;
}

/** `size`: bytes available from the start (reads); `total`: the object's length (size rules, anchor ranges). */
function analyze(
  bytes: Uint8Array,
  total: number,
  tail: Uint8Array | undefined,
  name: string | undefined,
  anchors: Int32Array,
  warnings: ObjectWarning[],
): number {
  const size = bytes.length;
  anchors[A_START] = 0;
  anchors[A_END] = total <= 0x7fffffff ? total : NO_ANCHOR;
  anchors[A_ENTRY] = NO_ANCHOR;
  anchors[A_JUMP] = NO_ANCHOR;
  if (total === 0 || size === 0) return 0;

  let types = 0;
  const b0 = bytes[0];
  const b1 = size >= 2 ? bytes[1] : -1;
  const mzFamily = (b0 === 0x4d && b1 === 0x5a) || (b0 === 0x5a && b1 === 0x4d); // "MZ" / "ZM"

  if (mzFamily) {
    types |= analyzeMz(bytes, size, total, anchors, warnings);
  } else {
    if (total <= COM_MAX_SIZE && (b0 === 0xe9 || b0 === 0xeb || hasComExtension(name))) {
      types |= FileType.com;
      anchors[A_ENTRY] = 0;
      comJump(bytes, size, total, anchors, warnings);
    }
    if (total >= 512 && total % 512 === 0 && size >= 512 && bytes[510] === 0x55 && bytes[511] === 0xaa) types |= FileType.boot;
  }

  if (isZipStart(bytes, size) || (tail !== undefined && hasZipEndRecord(tail, tail.length))) types |= FileType.zip;
  if (size >= 3 && b0 === 0x1f && b1 === 0x8b && bytes[2] === 0x08) types |= FileType.gzip;
  if (isTar(bytes, size)) types |= FileType.tar;
  // "BZh" + block size digit, then a block ("1AY&SY") or the end-of-stream marker of an empty stream
  if (size >= 10 && b0 === 0x42 && b1 === 0x5a && bytes[2] === 0x68 && bytes[3] >= 0x31 && bytes[3] <= 0x39 &&
      ((bytes[4] === 0x31 && bytes[5] === 0x41 && bytes[6] === 0x59) || (bytes[4] === 0x17 && bytes[5] === 0x72 && bytes[6] === 0x45)))
    types |= FileType.bzip2;
  if (isText(bytes, size)) {
    types |= FileType.text;
    if (isMail(bytes, size)) types |= FileType.mail;
  }
  return types;
}

// ---------------------------------------------------------------------------------------------
// helpers

function warn(warnings: ObjectWarning[], code: string, message: string, offset?: number): void {
  warnings.push(offset === undefined ? { code, message } : { code, message, offset });
}

/** Store `value` in anchors[which] if it lies inside the object, else warn and leave NO_ANCHOR. */
function setAnchor(
  anchors: Int32Array,
  which: number,
  value: number,
  size: number,
  warnings: ObjectWarning[],
  fieldOffset: number,
): void {
  if (value >= 0 && value < size) {
    anchors[which] = value;
    return;
  }
  const what = which === A_ENTRY ? "entry point" : "initial jump target";
  warn(
    warnings,
    which === A_ENTRY ? "ENTRY_OUT_OF_RANGE" : "JUMP_OUT_OF_RANGE",
    `${what} ${value} is outside the object (size ${size})`,
    fieldOffset,
  );
}

function hasComExtension(name: string | undefined): boolean {
  if (name === undefined) return false;
  const n = name.length;
  return (
    n >= 4 &&
    name.charCodeAt(n - 4) === 0x2e && // .
    (name.charCodeAt(n - 3) | 0x20) === 0x63 && // c
    (name.charCodeAt(n - 2) | 0x20) === 0x6f && // o
    (name.charCodeAt(n - 1) | 0x20) === 0x6d // m
  );
}

// ---------------------------------------------------------------------------------------------
// COM

function comJump(bytes: Uint8Array, size: number, total: number, anchors: Int32Array, warnings: ObjectWarning[]): void {
  const b0 = bytes[0];
  if (b0 === 0xe9 && size >= 3) {
    const rel = ((bytes[1] | (bytes[2] << 8)) << 16) >> 16; // s16
    setAnchor(anchors, A_JUMP, (3 + rel) & 0xffff, total, warnings, 0);
  } else if (b0 === 0xeb && size >= 2) {
    const rel = (bytes[1] << 24) >> 24; // s8
    setAnchor(anchors, A_JUMP, 2 + rel, total, warnings, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// MZ / NE / PE

/**
 * Returns the MZ-family flag (mz, ne, pe32 or pe64) and sets the entry anchor. Reads are bounded by
 * `size` (the bytes at hand), the entry point's range by `total` (the object's length).
 */
function analyzeMz(bytes: Uint8Array, size: number, total: number, anchors: Int32Array, warnings: ObjectWarning[]): number {
  if (size < 0x1c) {
    warn(warnings, "TRUNCATED_MZ_HEADER", `MZ header needs 28 bytes, object has ${size}`, 0);
    return FileType.mz;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size >= 0x40) {
    const lfanew = dv.getUint32(0x3c, true);
    if (
      lfanew + 4 <= size &&
      bytes[lfanew] === 0x50 &&
      bytes[lfanew + 1] === 0x45 &&
      bytes[lfanew + 2] === 0 &&
      bytes[lfanew + 3] === 0
    ) {
      const t = analyzePe(dv, size, total, lfanew, anchors, warnings);
      if (t !== 0) return t;
    } else if (lfanew + 2 <= size && bytes[lfanew] === 0x4e && bytes[lfanew + 1] === 0x45) {
      const t = analyzeNe(dv, size, total, lfanew, anchors, warnings);
      if (t !== 0) return t;
    }
  }
  // Plain DOS executable (or a PE/NE whose header was bad).
  const hdrParas = dv.getUint16(0x08, true);
  const ip = dv.getUint16(0x14, true);
  const cs = dv.getUint16(0x16, true);
  setAnchor(anchors, A_ENTRY, hdrParas * 16 + ((cs * 16 + ip) & 0xfffff), total, warnings, 0x14);
  return FileType.mz;
}

/** PE at `pe` ("PE\0\0" already checked). Returns pe32/pe64, or 0 to fall back to plain MZ. */
function analyzePe(dv: DataView, size: number, total: number, pe: number, anchors: Int32Array, warnings: ObjectWarning[]): number {
  const coff = pe + 4;
  const opt = pe + 24;
  if (opt + 64 > size) {
    warn(warnings, "BAD_PE_HEADER", "PE header truncated (COFF + optional header fields up to SizeOfHeaders)", pe);
    return 0;
  }
  const magic = dv.getUint16(opt, true);
  let type: number;
  if (magic === 0x10b) type = FileType.pe32;
  else if (magic === 0x20b) type = FileType.pe64;
  else {
    warn(warnings, "BAD_PE_HEADER", `unknown optional header magic 0x${magic.toString(16)}`, opt);
    return 0;
  }
  const numberOfSections = dv.getUint16(coff + 2, true);
  const sizeOfOptionalHeader = dv.getUint16(coff + 16, true);
  const rva = dv.getUint32(opt + 16, true);
  const sizeOfHeaders = dv.getUint32(opt + 60, true);

  const table = opt + sizeOfOptionalHeader;
  if (table + numberOfSections * PE_SECTION_ENTRY > total) {
    warn(
      warnings,
      "TRUNCATED_SECTION_TABLE",
      `section table of ${numberOfSections} entries runs past the end of the object; only whole entries are examined`,
      table,
    );
  }
  if (numberOfSections > MAX_PE_SECTIONS) {
    warn(
      warnings,
      "TOO_MANY_SECTIONS",
      `${numberOfSections} sections declared; only the first ${MAX_PE_SECTIONS} are examined`,
      coff + 2,
    );
  }
  const whole = table <= size ? Math.floor((size - table) / PE_SECTION_ENTRY) : 0;
  const n = Math.min(numberOfSections, MAX_PE_SECTIONS, whole);

  if (rva < sizeOfHeaders) {
    setAnchor(anchors, A_ENTRY, rva, total, warnings, opt + 16);
    return type;
  }
  for (let i = 0; i < n; i++) {
    const s = table + i * PE_SECTION_ENTRY;
    const virtualSize = dv.getUint32(s + 8, true);
    const virtualAddress = dv.getUint32(s + 12, true);
    const sizeOfRawData = dv.getUint32(s + 16, true);
    if (virtualAddress <= rva && rva < virtualAddress + Math.max(virtualSize, sizeOfRawData)) {
      const pointerToRawData = dv.getUint32(s + 20, true);
      setAnchor(anchors, A_ENTRY, pointerToRawData + (rva - virtualAddress), total, warnings, opt + 16);
      return type;
    }
  }
  warn(
    warnings,
    "ENTRY_OUT_OF_RANGE",
    `entry point RVA 0x${rva.toString(16)} is not inside the headers or any examined section`,
    opt + 16,
  );
  return type;
}

/** NE at `ne` ("NE" already checked). Returns ne, or 0 to fall back to plain MZ. */
function analyzeNe(dv: DataView, size: number, total: number, ne: number, anchors: Int32Array, warnings: ObjectWarning[]): number {
  if (ne + 0x34 > size) {
    warn(warnings, "BAD_NE_HEADER", "NE header truncated (fields up to the alignment shift at +0x32)", ne);
    return 0;
  }
  const ip = dv.getUint16(ne + 0x14, true);
  const cs = dv.getUint16(ne + 0x16, true);
  const segmentCount = dv.getUint16(ne + 0x1c, true);
  const segmentTable = ne + dv.getUint16(ne + 0x22, true);
  const rawShift = dv.getUint16(ne + 0x32, true);
  const shift = rawShift === 0 ? 9 : rawShift;
  if (cs === 0 || cs > segmentCount) {
    warn(warnings, "BAD_NE_HEADER", `entry segment ${cs} is not in 1..${segmentCount}`, ne + 0x16);
    return FileType.ne;
  }
  const seg = segmentTable + (cs - 1) * NE_SEGMENT_ENTRY;
  if (seg + NE_SEGMENT_ENTRY > size) {
    warn(warnings, "BAD_NE_HEADER", `segment table entry ${cs} runs past the end of the object`, seg);
    return FileType.ne;
  }
  const sector = dv.getUint16(seg, true);
  // Plain arithmetic (no 32-bit wrap); the shift is clamped so 0 * 2^shift never becomes NaN.
  const base = sector === 0 ? 0 : sector * 2 ** Math.min(shift, 64);
  setAnchor(anchors, A_ENTRY, base + ip, total, warnings, ne + 0x14);
  return FileType.ne;
}

// ---------------------------------------------------------------------------------------------
// containers

function isZipStart(bytes: Uint8Array, size: number): boolean {
  return size >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/** End-of-central-directory signature within the last 65,557 bytes of `bytes`, searched backwards. */
function hasZipEndRecord(bytes: Uint8Array, size: number): boolean {
  if (size < 4) return false;
  const low = size > ZIP_EOCD_WINDOW ? size - ZIP_EOCD_WINDOW : 0;
  // lastIndexOf runs natively: a JS loop over 64 KiB per file was a third of scan time.
  for (let i = bytes.lastIndexOf(0x50, size - 4); i >= low; i = i > 0 ? bytes.lastIndexOf(0x50, i - 1) : -1) {
    if (bytes[i + 1] === 0x4b && bytes[i + 2] === 5 && bytes[i + 3] === 6) return true;
  }
  return false;
}

function isTar(bytes: Uint8Array, size: number): boolean {
  if (size < 512) return false;
  if (bytes[257] !== 0x75 || bytes[258] !== 0x73 || bytes[259] !== 0x74 || bytes[260] !== 0x61 || bytes[261] !== 0x72) {
    return false; // "ustar"
  }
  if (bytes[262] === 0) return true; // POSIX "ustar\0"
  return bytes[262] === 0x20 && bytes[263] === 0x20 && bytes[264] === 0; // GNU "ustar  \0"
}

// ---------------------------------------------------------------------------------------------
// text / mail

function isText(bytes: Uint8Array, size: number): boolean {
  const n = size < TEXT_WINDOW ? size : TEXT_WINDOW;
  if (n === 0) return false;
  let good = 0;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === 0) return false;
    if ((c >= 0x20 && c <= 0x7e) || c === 0x09 || c === 0x0a || c === 0x0d || c >= 0x80) good++;
  }
  return good * 20 >= n * 19; // at least 95%
}

/** Header names that make a header block an e-mail (lower case; letters and '-' only). */
const MAIL_HEADER_NAMES = [
  "from",
  "to",
  "subject",
  "date",
  "received",
  "return-path",
  "message-id",
  "mime-version",
  "content-type",
];

function isKnownMailHeader(bytes: Uint8Array, start: number, end: number): boolean {
  const len = end - start;
  for (const h of MAIL_HEADER_NAMES) {
    if (h.length !== len) continue;
    let i = 0;
    // |0x20 lower-cases ASCII letters and leaves '-' alone; header-name bytes are 33..126.
    while (i < len && (bytes[start + i] | 0x20) === h.charCodeAt(i)) i++;
    if (i === len) return true;
  }
  return false;
}

function isMail(bytes: Uint8Array, size: number): boolean {
  // mbox: the first line starts with "From ".
  if (
    size >= 5 &&
    bytes[0] === 0x46 &&
    bytes[1] === 0x72 &&
    bytes[2] === 0x6f &&
    bytes[3] === 0x6d &&
    bytes[4] === 0x20
  ) {
    return true;
  }
  // RFC 5322 header block: lines up to the first empty line (within the first 4096 bytes).
  const limit = size < TEXT_WINDOW ? size : TEXT_WINDOW;
  let pos = 0;
  let headerLines = 0;
  let known = false;
  while (pos < limit) {
    let eol = pos;
    while (eol < limit && bytes[eol] !== 0x0a) eol++;
    if (eol === limit && limit < size) break; // a line cut by the window is not judged
    let end = eol;
    if (end > pos && bytes[end - 1] === 0x0d) end--;
    if (end === pos) break; // empty line: end of the header block
    const c = bytes[pos];
    if (c === 0x20 || c === 0x09) {
      if (headerLines === 0) return false; // a continuation needs a field to continue
      headerLines++;
    } else {
      let j = pos;
      while (j < end) {
        const d = bytes[j];
        if (d < 33 || d > 126 || d === 0x3a) break;
        j++;
      }
      if (j === pos || j >= end || bytes[j] !== 0x3a) return false; // not "Name: value"
      if (!known && isKnownMailHeader(bytes, pos, j)) known = true;
      headerLines++;
    }
    pos = eol + 1;
  }
  return headerLines >= 2 && known;
}
