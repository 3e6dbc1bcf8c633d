/**
 * Reads a tgvxdb: checks magic, declared length, digest, format version and every section and
 * cross-reference before anything is trusted, then serves records straight from the bytes (a
 * DataView; no per-record objects are made on load).
 */
import { decodeScript, ScriptFormatError, type ScriptOp } from "./clean-bytecode.js";
import { DatabaseError } from "./errors.js";
import { ANCHOR_NAMES, FILE_TYPE_NAMES, FileType, type AnchorName, type FileTypeName } from "./file-type.js";
import { sha256, toHex } from "./sha256.js";
import type { Stencil, StencilRule } from "./stencil.js";
import * as L from "./tgvxdb-layout.js";
import {
  ACTION_NAMES,
  ATTRIBUTE_NAMES,
  CATEGORY_NAMES,
  CONTEXT_NAMES,
  FALLBACK_NAMES,
  STATUS_NAMES,
  attributeNames,
  type AttributeName,
  type CategoryName,
  type RecordType,
  type StatusName,
} from "./vocabulary.js";

export interface SectionInfo {
  name: string;
  offset: number;
  length: number;
  count: number;
}

export interface DatabaseInfo {
  formatVersion: number;
  dbVersion: number;
  recordCount: number;
  /** Seconds since the epoch, 0 when the build was not stamped. */
  buildTime: number;
  /** Carries a signature block (a key id and a signature); whether it verifies is checked on `Engine.load`. */
  signed: boolean;
  /** The signing key's id (16 hex digits) when signed. */
  keyId?: string;
  fileLength: number;
  sha256: string;
  sections: SectionInfo[];
  windowCount: number;
  probeCount: number;
  keyCount: number;
  shapeCount: number;
  nameCount: number;
}

/** A record materialised for display, decompiling or reports (made on demand, never on load). */
export interface RecordView {
  row: number;
  id: number;
  rev: number;
  type: RecordType;
  status: StatusName;
  name: string;
  category: CategoryName;
  attributes: AttributeName[];
  detect?: {
    anchor: AnchorName;
    at: number;
    /** Two bytes, byte 0 first. */
    first: [number, number];
    filetypes: FileTypeName[];
    windows: [{ offset: number; length: number; crc: number }, { offset: number; length: number; crc: number }];
  };
  module?: string;
  args?: string;
  /** The cleaning script, decoded. */
  clean?: ScriptOp[];
}

const { ROW_WORDS, W_ID, W_CRC1, W_CRC2, W_WIN1, W_WIN2, W_NAME, W_SHAPE, W_REV_FIRST } = L;
const DETECTED_ROWS = 4096;

/**
 * The index keys in a hash table, for finding a key's run of rows in one read where a search of
 * the sorted keys waits on three or four (with a million records, reads from memory: 0.5-0.7 ms of
 * a 32 ms scan of the bench corpus). `slots`: [key, key number + 1] per slot, 0 + 0 when empty; a
 * key is in its first slot (`keySlot`) or the next ones, before an empty one; at most 71% full.
 * The multiplier is chosen at random for each table, so that no database can choose its keys to
 * collide and make building it take quadratic time. `keys`: the KEYS section as words, [key,
 * first row] per key and the end entry, so key k's rows are [keys[2k + 1], keys[2k + 3]).
 */
export interface KeyTable {
  readonly keys: Uint32Array;
  readonly slots: Uint32Array;
  readonly seed: number;
  readonly shift: number;
  /**
   * A filter over the keys, read before the table: most probes read a word no record has, and the
   * filter answers that from one read of a table small enough to stay cached. Each key sets two
   * bits (`keyBitsOf`) of one 32-bit word, word keyHash(key) >>> filterShift (false positives ~2%
   * at 8 bits per key): half the size of a one-bit filter at the same rate, because with a million
   * records it is read ~300 times per object and must stay in the CPU's cache.
   */
  readonly filter: Uint32Array;
  readonly filterShift: number;
}

/** The key filter's hash: the word index from the high bits, the two bit numbers from the low ten (`keyBitsOf`). */
function keyHash(key: number): number {
  const h = Math.imul(key ^ (key >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

/** The two bits a key sets in its filter word. */
function keyBitsOf(h: number): number {
  return (1 << (h & 31)) | (1 << ((h >>> 5) & 31));
}

/** Fill the key filter from the first `count` keys. Plain arguments, so that the engine optimizes its loop soon: it runs once per load, over every key. */
function filterKeys(keys: Uint32Array, count: number, filter: Uint32Array, shift: number): void {
  for (let k = 0; k < count; k++) {
    const h = keyHash(keys[2 * k]);
    filter[h >>> shift] |= keyBitsOf(h);
  }
}

/** A key's first slot in `KeyTable.slots`. */
export function keySlot(key: number, seed: number, shift: number): number {
  return Math.imul(key, seed) >>> shift;
}

/**
 * Keep, in place, the keys of `keys[0, n)` (and their `at` entries) the filter lets through;
 * returns how many. One pass of its own: the filter's reads do not depend on each other, so the
 * CPU waits for many at once (with a million records they are what a scan spends most on). Here
 * rather than in the engine, whose calls to another module's functions cost a load of the
 * function on every call (+0.8 ms of the bench's 30 ms million-record pass).
 */
export function filterKeyList(t: KeyTable, keys: Uint32Array, at: Int32Array, n: number): number {
  const filter = t.filter;
  const shift = t.filterShift;
  let passed = 0;
  for (let i = 0; i < n; i++) {
    const h = keyHash(keys[i]);
    const mask = keyBitsOf(h);
    if ((filter[h >>> shift] & mask) === mask) {
      keys[passed] = keys[i];
      at[passed++] = at[i];
    }
  }
  return passed;
}

/** Whether index key `key` may be in the table: false when no record has it; true also for ~2% of those no record has. */
function keyMayExist(t: KeyTable, key: number): boolean {
  const h = keyHash(key);
  const mask = keyBitsOf(h);
  return (t.filter[h >>> t.filterShift] & mask) === mask;
}

/** The number of index key `key` found by a binary search of the sorted keys (`Database.keyWords`), or -1 when no record has it. */
export function searchKey(keys: Uint32Array, count: number, key: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[2 * mid];
    if (k === key) return mid;
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The number of index key `key`, or -1 when no record has it. */
export function keyNumber(t: KeyTable, key: number): number {
  const slots = t.slots;
  const mask = (slots.length >>> 1) - 1;
  for (let s = keySlot(key, t.seed, t.shift); ; s = (s + 1) & mask) {
    const k = slots[2 * s + 1];
    if (k === 0) return -1;
    if (slots[2 * s] === key) return k - 1;
  }
}

/*
 * A key's rows are sorted by check window (a record's lower-numbered window, see
 * L.checkIsWindow2), then its CRC: rows sharing a check window are a group, whose window is hashed
 * once and whose rows with that CRC are found by a search. These read the rows as words
 * (`Database.rowWords`); the engine's scan and the stream scanner both group through them.
 */

/** Index of a row's first word in the rows as words. */
export function rowWord(row: number): number {
  return row * L.ROW_WORDS;
}

/** A row's check window. */
export function checkWindowOf(rowW: Uint32Array, row: number): number {
  const o = rowWord(row);
  return rowW[o + (L.checkIsWindow2(rowW[o + L.W_WIN1], rowW[o + L.W_WIN2]) ? L.W_WIN2 : L.W_WIN1)];
}

/** The CRC a row expects of its check window. */
function checkCrcOf(rowW: Uint32Array, row: number): number {
  const o = rowWord(row);
  return rowW[o + (L.checkIsWindow2(rowW[o + L.W_WIN1], rowW[o + L.W_WIN2]) ? L.W_CRC2 : L.W_CRC1)];
}

/** The end of row `lo`'s group within rows [lo, end): the first row after it with another check window, or `end`. Steps 1, 2, 4, ... then halving. */
export function groupEnd(rowW: Uint32Array, lo: number, end: number): number {
  const check = checkWindowOf(rowW, lo);
  let step = 1;
  while (lo + step < end && checkWindowOf(rowW, lo + step) === check) {
    lo += step;
    step *= 2;
  }
  let hi = Math.min(end, lo + step); // lo is in the group; hi is past it or the end
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (checkWindowOf(rowW, mid) === check) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The first row of group [lo, hi) whose check CRC is at least `crc`. */
export function firstWithCheckCrc(rowW: Uint32Array, crc: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (checkCrcOf(rowW, mid) < crc) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Fill `slots` from the first `count` keys. Plain arguments, so that the engine optimizes its loop soon: it runs once per load, over every key. */
function fillKeySlots(keys: Uint32Array, count: number, slots: Uint32Array, seed: number, shift: number): void {
  const mask = (slots.length >>> 1) - 1;
  for (let k = 0; k < count; k++) {
    const key = keys[2 * k];
    let s = keySlot(key, seed, shift);
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = key;
    slots[2 * s + 1] = k + 1;
  }
}
/** An ASCII letter in lower case; any other byte as it is. */
function asciiLower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}
/** Whether bytes[0, length) contain `want` (lower case), ASCII letters compared in either case. */
function containsAscii(bytes: Uint8Array, length: number, want: Uint8Array): boolean {
  outer: for (let i = 0; i + want.length <= length; i++) {
    for (let j = 0; j < want.length; j++) if (asciiLower(bytes[i + j]) !== want[j]) continue outer;
    return true;
  }
  return false;
}
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const decoder = new TextDecoder("utf-8", { fatal: false });
const latin1 = new TextDecoder("latin1");
/** Scratch of Database.name: where each entry of a block starts, and the name's bytes. */
const NAME_SCRATCH = { at: new Int32Array(L.NAME_BLOCK), bytes: new Uint8Array(L.MAX_NAME_BYTES) };

export class Database {
  /** @internal */ readonly view: DataView;
  /** @internal */ readonly recs: number;
  /** @internal */ readonly shapes: number;
  /** @internal */ readonly wins: number;
  /** @internal */ readonly probes: number;
  /** @internal */ readonly keys: number;
  /** @internal */ readonly nameTable: number;
  /** @internal */ readonly strs: number;
  /** @internal */ readonly scrp: number;
  /** @internal */ readonly scrpLen: number;
  readonly recordCount: number;
  readonly shapeCount: number;
  readonly windowCount: number;
  readonly probeCount: number;
  /** Index keys (without the end entry). */
  readonly keyCount: number;
  /** Rows the index can find: rows [0, indexedRows) are in key order. */
  readonly indexedRows: number;
  readonly nameCount: number;
  private readonly strLen: number;
  private readonly nameLen: number;
  private readonly stnc: SectionInfo | undefined;
  private stencilList: Stencil[] | undefined;
  private idIndex: Uint32Array | undefined;

  /** @internal Use `openDatabase`. */
  constructor(
    readonly bytes: Uint8Array,
    readonly info: DatabaseInfo,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const s = (n: string) => info.sections.find((x) => x.name === n)!;
    this.recs = s("RECS").offset;
    this.shapes = s("SHAP").offset;
    this.wins = s("WINS").offset;
    this.probes = s("PROB").offset;
    this.keys = s("KEYS").offset;
    this.nameTable = s("NAME").offset;
    this.nameLen = s("NAME").length;
    this.strs = s("STRS").offset;
    this.strLen = s("STRS").length;
    this.scrp = s("SCRP").offset;
    this.scrpLen = s("SCRP").length;
    this.recordCount = s("RECS").count;
    this.shapeCount = s("SHAP").count;
    this.windowCount = s("WINS").count;
    this.probeCount = s("PROB").count;
    this.keyCount = Math.max(0, s("KEYS").count - 1);
    this.indexedRows = s("KEYS").count ? this.view.getUint32(this.keys + this.keyCount * L.KEY_SIZE + 4, true) : 0;
    this.nameCount = s("NAME").count;
    this.stnc = info.sections.find((x) => x.name === "STNC");
  }

  private readonly wordViews = new Map<number, Uint32Array>();

  /**
   * @internal 32-bit words from `offset`, for passes over every row or key: typed-array reads
   * stay cheap in the interpreter, where a one-off pass on load runs (DataView calls do not). A
   * view when the bytes are aligned and the platform little-endian (the format's order), else a
   * decoded copy; made once per section, for the load checks and the scans alike.
   */
  words(offset: number, byteLength: number): Uint32Array {
    const kept = this.wordViews.get(offset);
    if (kept?.length === byteLength >>> 2) return kept;
    const at = this.bytes.byteOffset + offset;
    let out: Uint32Array;
    if (at % 4 === 0 && LITTLE_ENDIAN) out = new Uint32Array(this.bytes.buffer, at, byteLength >>> 2);
    else {
      out = new Uint32Array(byteLength >>> 2);
      for (let i = 0; i < out.length; i++) out[i] = this.view.getUint32(offset + i * 4, true);
    }
    this.wordViews.set(offset, out);
    return out;
  }

  /** The stencils shipped in the database (STNC), sorted by name; checked on open. */
  stencils(): Stencil[] {
    this.stencilList ??= this.stnc ? decodeStencils(this, this.stnc) : [];
    return this.stencilList;
  }

  /** @internal String at a ref (bounds were checked on open). */
  string(ref: number): string | undefined {
    if (ref === L.NONE) return undefined;
    const len = this.view.getUint32(this.strs + ref, true);
    const at = this.bytes.byteOffset + this.strs + ref + 4;
    return decoder.decode(new Uint8Array(this.bytes.buffer, at, len));
  }

  /** @internal Validates a string ref; returns an error text or undefined. */
  checkString(ref: number): string | undefined {
    if (ref === L.NONE) return undefined;
    if (ref + 4 > this.strLen) return `string ref ${ref} outside STRS (${this.strLen} bytes)`;
    const len = this.view.getUint32(this.strs + ref, true);
    if (ref + 4 + len > this.strLen) return `string at ${ref} of ${len} bytes runs past STRS`;
    return undefined;
  }

  rowOffset(row: number): number {
    return this.recs + row * L.ROW_SIZE;
  }

  /** @internal Byte offset of a row's shape. */
  shapeOffset(row: number): number {
    return this.shapes + this.view.getUint32(this.rowOffset(row) + L.R_SHAPE, true) * L.SHAPE_SIZE;
  }

  recordId(row: number): number {
    return this.view.getUint32(this.rowOffset(row) + L.R_ID, true);
  }

  recordRev(row: number): number {
    return this.view.getUint16(this.rowOffset(row) + L.R_REV, true);
  }

  recordType(row: number): RecordType {
    return this.view.getUint8(this.shapeOffset(row) + L.SH_TYPE) as RecordType;
  }

  recordCategory(row: number): CategoryName {
    return CATEGORY_NAMES[this.view.getUint8(this.shapeOffset(row) + L.SH_CATEGORY)];
  }

  /** The anchor a type 3/4 record measures from, or undefined for module records. */
  recordAnchor(row: number): AnchorName | undefined {
    const a = this.view.getUint8(this.shapeOffset(row) + L.SH_ANCHOR);
    return a === L.NO_DETECT ? undefined : ANCHOR_NAMES[a];
  }

  /** Bit set over ATTRIBUTE_NAMES. */
  recordAttributes(row: number): number {
    return this.view.getUint32(this.shapeOffset(row) + L.SH_ATTRIBUTES, true);
  }

  /** FileType bit set; 0 = any. */
  recordFiletypes(row: number): number {
    return this.view.getUint32(this.shapeOffset(row) + L.SH_FILETYPES, true);
  }

  recordModule(row: number): string | undefined {
    return this.string(this.view.getUint32(this.shapeOffset(row) + L.SH_MODULE, true));
  }

  recordArgs(row: number): string | undefined {
    return this.string(this.view.getUint32(this.shapeOffset(row) + L.SH_ARGS, true));
  }

  recordName(row: number): string {
    return this.name(this.view.getUint32(this.rowOffset(row) + L.R_NAME, true));
  }

  /**
   * @internal Name number `i` of NAME (checked on open). Its block's entries up to it are found,
   * then its bytes taken from the last entry back: each entry gives the bytes after the prefix it
   * shares with the one before, so one string is made instead of one per entry.
   */
  name(i: number): string {
    const b = this.bytes;
    const last = i % L.NAME_BLOCK;
    const at = NAME_SCRATCH.at;
    let p = this.nameTable + this.view.getUint32(this.nameTable + ((i / L.NAME_BLOCK) | 0) * 4, true);
    for (let e = 0; e <= last; e++) {
      at[e] = p;
      p += 2 + b[p + 1];
    }
    const out = NAME_SCRATCH.bytes;
    const length = b[at[last]] + b[at[last] + 1];
    let need = length; // bytes [0, need) not taken yet
    for (let e = last; e >= 0 && need > 0; e--) {
      const shared = b[at[e]];
      for (let j = shared, q = at[e] + 2; j < need; j++, q++) out[j] = b[q];
      need = Math.min(need, shared);
    }
    return String.fromCharCode.apply(null, out.subarray(0, length) as unknown as number[]);
  }

  /** Every distinct record name, in byte order, decoded in one pass. */
  names(): string[] {
    // Every name written out whole into one buffer, decoded at once (names are ASCII, a byte a
    // character), each then a substring of that: a million names in ~150 ms (most of it the
    // collector's, for a million strings), where making each name from its bytes took ~500.
    let whole = new Uint8Array(2 * this.nameLen + L.MAX_NAME_BYTES);
    const ends = new Uint32Array(this.nameCount);
    let at = 0;
    const name = new Uint8Array(L.MAX_NAME_BYTES);
    this.walkNames(name, (length, i) => {
      if (at + length > whole.length) {
        const grown = new Uint8Array(2 * whole.length);
        grown.set(whole.subarray(0, at));
        whole = grown;
      }
      for (let j = 0; j < length; j++) whole[at++] = name[j];
      ends[i] = at;
    });
    const text = latin1.decode(whole.subarray(0, at));
    const out: string[] = new Array(this.nameCount);
    for (let i = 0; i < this.nameCount; i++) out[i] = text.substring(i ? ends[i - 1] : 0, ends[i]);
    return out;
  }

  /**
   * The number of the first name, in NAME order, that contains `part` (ASCII, letters in either
   * case) and passes `test`, or -1. One pass over the section's bytes: only the names containing
   * `part` are made strings (a million names: ~40 ms, where `names()` takes ~150).
   */
  findName(part: string, test: (name: string) => boolean): number {
    const want = Uint8Array.from(part, (c) => asciiLower(c.charCodeAt(0)));
    const name = new Uint8Array(L.MAX_NAME_BYTES); // not NAME_SCRATCH: `test` may look names up
    return this.walkNames(name, (length) => containsAscii(name, length, want) && test(String.fromCharCode.apply(null, name.subarray(0, length) as unknown as number[])));
  }

  /**
   * Each name in NAME order written out whole into `name` (bytes [0, length), from the one
   * before: front coding) for `visit`, until it returns true; returns that name's number, or -1.
   */
  private walkNames(name: Uint8Array, visit: (length: number, index: number) => boolean | void): number {
    const b = this.bytes;
    for (let block = 0, i = 0; i < this.nameCount; block++)
      for (let e = 0, p = this.blockStart(block); e < L.NAME_BLOCK && i < this.nameCount; e++, i++, p += 2 + b[p + 1]) {
        const length = b[p] + b[p + 1];
        for (let j = b[p], q = p + 2; j < length; j++, q++) name[j] = b[q];
        if (visit(length, i)) return i;
      }
    return -1;
  }

  /** Where NAME block `block`'s first entry is. */
  private blockStart(block: number): number {
    return this.nameTable + this.view.getUint32(this.nameTable + block * 4, true);
  }

  /** The names of NAME block `block`, in order, appended to `out`: one pass over the block, each name from the one before. */
  private blockNames(block: number, out: string[]): void {
    const b = this.bytes;
    let p = this.blockStart(block);
    let s = "";
    for (let i = block * L.NAME_BLOCK; i < Math.min(this.nameCount, (block + 1) * L.NAME_BLOCK); i++) {
      s = s.slice(0, b[p]) + String.fromCharCode.apply(null, b.subarray(p + 2, p + 2 + b[p + 1]) as unknown as number[]);
      p += 2 + b[p + 1];
      out.push(s);
    }
  }

  /** The number of name `name` in NAME, or -1 (see `nameAtLeast`). */
  nameNumber(name: string): number {
    const i = this.nameAtLeast(name);
    return i < this.nameCount && this.name(i) === name ? i : -1;
  }

  /**
   * The number of the first name at or after `name` in byte order (names are ASCII), nameCount when
   * there is none: a binary search over the blocks' first names (each read without decoding
   * another), then along that one block.
   */
  nameAtLeast(name: string): number {
    let lo = 0;
    let hi = Math.ceil(this.nameCount / L.NAME_BLOCK) - 1;
    let block = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.name(mid * L.NAME_BLOCK) <= name) {
        block = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (block < 0) return 0;
    const names: string[] = [];
    this.blockNames(block, names);
    const e = names.findIndex((n) => n >= name);
    return e < 0 ? Math.min(this.nameCount, (block + 1) * L.NAME_BLOCK) : block * L.NAME_BLOCK + e;
  }

  /** The first row (in id order) carrying name `name`, or -1. */
  rowOfName(name: string): number {
    return this.rowWithName(this.nameNumber(name));
  }

  /** The first row (in id order) carrying name number `index` (its place in `names()`), or -1: one pass over the rows, in storage order. */
  rowWithName(index: number): number {
    if (index < 0) return -1;
    const rows = this.rowWords();
    let found = -1;
    let foundId = Infinity;
    for (let o = 0; o < rows.length; o += L.ROW_WORDS)
      if (rows[o + L.W_NAME] === index && rows[o + L.W_ID] < foundId) {
        found = o / L.ROW_WORDS;
        foundId = rows[o + L.W_ID];
      }
    return found;
  }

  /** Row numbers in id order (rows themselves are in index order); built on first use. */
  rowsById(): Uint32Array {
    return (this.idIndex ??= this.buildIdIndex());
  }

  private readonly detectedRows = new Map<number, number>();

  /**
   * @internal The engine notes the row of each record it detects: deciding and cleaning look
   * records up by id, and for the few a scan finds this spares sorting every id (~50 ms at a
   * million records). Up to DETECTED_ROWS ids; past that, the id index serves.
   */
  noteDetected(id: number, row: number): void {
    if (this.detectedRows.size < DETECTED_ROWS) this.detectedRows.set(id, row);
  }

  /** Row of a record id, or -1. */
  findRow(id: number): number {
    const known = this.detectedRows.get(id);
    if (known !== undefined) return known;
    const ix = this.rowsById();
    let lo = 0;
    let hi = ix.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.recordId(ix[mid]);
      if (v === id) return ix[mid];
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private buildIdIndex(): Uint32Array {
    return rowsSortedById(this.rowWords());
  }

  record(row: number): RecordView {
    const v = this.view;
    const o = this.rowOffset(row);
    const so = this.shapeOffset(row);
    const anchor = v.getUint8(so + L.SH_ANCHOR);
    const out: RecordView = {
      row,
      id: v.getUint32(o + L.R_ID, true),
      rev: v.getUint16(o + L.R_REV, true),
      type: v.getUint8(so + L.SH_TYPE) as RecordType,
      status: STATUS_NAMES[v.getUint8(so + L.SH_STATUS)],
      name: this.recordName(row),
      category: CATEGORY_NAMES[v.getUint8(so + L.SH_CATEGORY)],
      attributes: attributeNames(v.getUint32(so + L.SH_ATTRIBUTES, true)),
    };
    if (anchor !== L.NO_DETECT) {
      const ft = v.getUint32(so + L.SH_FILETYPES, true);
      const first = v.getUint16(o + L.R_FIRST, true);
      out.detect = {
        anchor: ANCHOR_NAMES[anchor],
        at: v.getInt32(so + L.SH_AT, true),
        first: [first & 0xff, first >>> 8],
        filetypes: FILE_TYPE_NAMES.filter((_, i) => (ft >>> i) & 1),
        windows: [this.recordWindow(v.getUint32(o + L.R_WIN1, true), v.getUint32(o + L.R_CRC1, true)), this.recordWindow(v.getUint32(o + L.R_WIN2, true), v.getUint32(o + L.R_CRC2, true))],
      };
    }
    const module = this.recordModule(row);
    const args = this.recordArgs(row);
    const clean = this.script(row);
    if (module !== undefined) out.module = module;
    if (args !== undefined) out.args = args;
    if (clean !== undefined) out.clean = clean;
    return out;
  }

  private recordWindow(i: number, crc: number): { offset: number; length: number; crc: number } {
    const { offset, length } = this.window(i);
    return { offset, length, crc };
  }

  /** @internal Window `i` of WINS: its anchor, offset and length. */
  window(i: number): { anchor: number; offset: number; length: number } {
    const w = this.view.getUint32(this.wins + i * L.WIN_SIZE, true);
    return { anchor: w & 0xff, offset: this.view.getInt32(this.wins + i * L.WIN_SIZE + 4, true), length: w >>> 8 };
  }

  /** @internal Byte offset of a row's cleaning script in the file, or -1. */
  scriptStart(row: number): number {
    const ref = this.view.getUint32(this.shapeOffset(row) + L.SH_CLEAN, true);
    return ref === L.NONE ? -1 : this.scrp + ref;
  }

  /** The cleaning script of a record row (checked on open), or undefined. */
  script(row: number): ScriptOp[] | undefined {
    const start = this.scriptStart(row);
    if (start < 0) return undefined;
    return decodeScript(this.bytes, start, this.scrp + this.scrpLen).ops;
  }

  /** Names of the modules the records need (types 1/2 detection, processing modules). */
  modules(): string[] {
    const names = new Set<string>();
    for (let sh = 0; sh < this.shapeCount; sh++) {
      const m = this.string(this.view.getUint32(this.shapes + sh * L.SHAPE_SIZE + L.SH_MODULE, true));
      if (m !== undefined) names.add(m);
    }
    return [...names].sort();
  }

  private moduleRowList: Uint32Array | undefined;

  /** Rows of the records that name a module (any type), in row order; found once, on first use. */
  moduleRows(): Uint32Array {
    if (!this.moduleRowList) {
      const rows: number[] = [];
      // Most databases name no module: their shapes say so without a walk over every row.
      const withModule = new Uint8Array(this.shapeCount);
      for (let sh = 0; sh < this.shapeCount; sh++) withModule[sh] = this.view.getUint32(this.shapes + sh * L.SHAPE_SIZE + L.SH_MODULE, true) !== L.NONE ? 1 : 0;
      if (withModule.includes(1))
        for (let r = 0; r < this.recordCount; r++) if (withModule[this.view.getUint32(this.rowOffset(r) + L.R_SHAPE, true)]) rows.push(r);
      this.moduleRowList = Uint32Array.from(rows);
    }
    return this.moduleRowList;
  }

  // stream scanner accessors
  // stream-scanner.ts reads the database only through these methods (and `record`, `probeCount`,
  // `windowCount`), so the row layout can change without touching it. Indices and rows are the
  // ones the database was checked with on open.

  /** Window `i` (0 <= i < windowCount): its Anchor value, its offset from the anchor and its length in bytes. */
  windowAt(i: number): { anchor: number; offset: number; length: number } {
    return this.window(i);
  }

  private probeColumns: { anchor: Uint8Array; at: Int32Array } | undefined;
  private keyIndex: KeyTable | undefined;

  /** @internal The KEYS section as words (see `words`): [key, first row] per key, sorted by key, and the end entry. */
  keyWords(): Uint32Array {
    return this.words(this.keys, (this.keyCount + 1) * L.KEY_SIZE);
  }

  /** @internal The index keys' filter and hash table, built on first use (the engine's second object scanned, `candidateRun`). */
  keyTable(): KeyTable {
    if (!this.keyIndex) {
      const keys = this.keyWords();
      const bits = Math.max(1, Math.ceil(Math.log2(this.keyCount * 1.4 + 1)));
      const filterBits = Math.min(26, Math.max(16, Math.ceil(Math.log2(this.keyCount * 8 + 1))));
      const t = {
        keys,
        slots: new Uint32Array(2 << bits),
        seed: (Math.random() * 0x100000000) | 1,
        shift: 32 - bits,
        filter: new Uint32Array(1 << (filterBits - 5)),
        filterShift: 37 - filterBits,
      };
      fillKeySlots(keys, this.keyCount, t.slots, t.seed, t.shift);
      filterKeys(keys, this.keyCount, t.filter, t.filterShift);
      this.keyIndex = t;
    }
    return this.keyIndex;
  }

  /** @internal Every probe's anchor and offset as two columns, read once (the load checks and the engine's scan use them). */
  probeTable(): { anchor: Uint8Array; at: Int32Array } {
    if (!this.probeColumns) {
      const anchor = new Uint8Array(this.probeCount);
      const at = new Int32Array(this.probeCount);
      for (let p = 0; p < this.probeCount; p++) {
        anchor[p] = this.view.getUint8(this.probes + p * L.PROBE_SIZE);
        at[p] = this.view.getInt32(this.probes + p * L.PROBE_SIZE + 4, true);
      }
      this.probeColumns = { anchor, at };
    }
    return this.probeColumns;
  }

  /** Probe `i` (0 <= i < probeCount): the Anchor value and the offset from it where a first word is read. */
  probeAt(i: number): { anchor: number; at: number } {
    const o = this.probes + i * L.PROBE_SIZE;
    return { anchor: this.view.getUint8(o), at: this.view.getInt32(o + 4, true) };
  }

  /**
   * The candidates for first word `word` (byte 0 in the low half) read at probe `probe`: out =
   * [first row, end row], a run of rows in groups (`groupOf`); returns their number (0: none).
   */
  candidateRun(probe: number, word: number, out: Uint32Array): number {
    const t = this.keyTable();
    const key = ((probe << 16) | (word & 0xffff)) >>> 0;
    const k = keyMayExist(t, key) ? keyNumber(t, key) : -1;
    out[0] = k < 0 ? 0 : t.keys[2 * k + 1];
    out[1] = k < 0 ? 0 : t.keys[2 * k + 3];
    return out[1] - out[0];
  }

  /**
   * The group of rows of a run sharing row `row`'s check window: out = [the window, the end of the
   * group within [row, end)]. A window is hashed once for its group; `firstWithCheckCrc` then finds its rows with that CRC.
   */
  groupOf(row: number, end: number, out: Uint32Array): void {
    const rowW = this.rowWords();
    out[0] = checkWindowOf(rowW, row);
    out[1] = groupEnd(rowW, row, end);
  }

  /** The first row of group [lo, hi) whose check CRC is at least `crc`: the group's rows expecting `crc` (`expectsCheckCrc`) start there. */
  firstWithCheckCrc(crc: number, lo: number, hi: number): number {
    return firstWithCheckCrc(this.rowWords(), crc, lo, hi);
  }

  /** Whether row `row` (of a group) still expects check CRC `crc`. */
  expectsCheckCrc(row: number, crc: number): boolean {
    return checkCrcOf(this.rowWords(), row) === crc;
  }

  /** A candidate's other window (not its check window) and the CRC-32 it must have: out = [window, crc]. */
  otherWindow(row: number, out: Uint32Array): void {
    const rowW = this.rowWords();
    const o = rowWord(row);
    const second = L.checkIsWindow2(rowW[o + L.W_WIN1], rowW[o + L.W_WIN2]);
    out[0] = rowW[o + (second ? L.W_WIN1 : L.W_WIN2)];
    out[1] = rowW[o + (second ? L.W_CRC1 : L.W_CRC2)];
  }

  /** @internal Every row as 32-bit words (see `words`), the indexed ones first. */
  rowWords(): Uint32Array {
    return this.words(this.recs, this.recordCount * L.ROW_SIZE);
  }

  private detectorCount: number | undefined;

  /** Live (not deprecated) type 1/2 rows: records only a detection module decides, on the whole object. Counted once. */
  moduleDetectorCount(): number {
    if (this.detectorCount === undefined) {
      let n = 0;
      for (let r = this.indexedRows; r < this.recordCount; r++) {
        const so = this.shapeOffset(r);
        const type = this.view.getUint8(so + L.SH_TYPE);
        if ((type === 1 || type === 2) && STATUS_NAMES[this.view.getUint8(so + L.SH_STATUS)] !== "deprecated") n++;
      }
      this.detectorCount = n;
    }
    return this.detectorCount;
  }

  private extents: readonly { lo: number; hi: number; used: boolean }[] | undefined;

  /**
   * Per Anchor value: the bytes any probe (2 bytes) or window measured from that anchor touches, as
   * offsets [lo, hi) from the anchor (lo = hi = 0 when no record uses the anchor). So the start
   * extent is hi of start, the end extent -lo of end, the entry span [lo, hi) of entry. Computed
   * once, on first use.
   */
  anchorExtents(): readonly { lo: number; hi: number; used: boolean }[] {
    if (!this.extents) {
      const ext = ANCHOR_NAMES.map(() => ({ lo: 0, hi: 0, used: false }));
      const add = (anchor: number, from: number, to: number) => {
        const e = ext[anchor];
        if (!e.used) Object.assign(e, { lo: from, hi: to, used: true });
        else Object.assign(e, { lo: Math.min(e.lo, from), hi: Math.max(e.hi, to) });
      };
      for (let i = 0; i < this.probeCount; i++) {
        const p = this.probeAt(i);
        add(p.anchor, p.at, p.at + 2);
      }
      for (let i = 0; i < this.windowCount; i++) {
        const w = this.windowAt(i);
        add(w.anchor, w.offset, w.offset + w.length);
      }
      this.extents = ext;
    }
    return this.extents;
  }
}

/** The SHA-256 a database's header claims (hex), read without verifying anything. */
export function storedDigest(bytes: Uint8Array): string {
  return toHex(bytes.subarray(L.H_DIGEST, L.H_DIGEST + 32));
}

function fail(code: ConstructorParameters<typeof DatabaseError>[0], msg: string): never {
  throw new DatabaseError(code, msg);
}

/**
 * Open and verify a tgvxdb. Throws `DatabaseError` (with a code) for anything that is not a
 * whole, intact database of a format this engine reads.
 */
export async function openDatabase(bytes: Uint8Array): Promise<Database> {
  if (bytes.length < L.HEADER_SIZE)
    fail("TOO_SHORT", `not a tgvxdb database: ${bytes.length} bytes is shorter than the ${L.HEADER_SIZE}-byte header`);
  for (let i = 0; i < L.MAGIC.length; i++)
    if (bytes[i] !== L.MAGIC[i]) fail("BAD_MAGIC", "not a tgvxdb database (bad magic); is this the right file?");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = v.getUint32(L.H_FILE_LENGTH, true);
  if (declared !== bytes.length)
    fail(
      "TRUNCATED",
      `database is ${bytes.length} bytes but its header declares ${declared}: the file is ${bytes.length < declared ? "truncated" : "corrupt or has trailing data"}; download or compile it again`,
    );
  // The digest is computed off this thread (Web Crypto) while the structure is checked here; the
  // checks read untrusted bytes safely either way, and a file that fails both is reported as
  // damaged (CHECKSUM_MISMATCH), not as malformed.
  const digesting = sha256(bytes.subarray(L.COVERED_FROM));
  const checkDigest = async () => {
    const digest = await digesting;
    const stored = bytes.subarray(L.H_DIGEST, L.H_DIGEST + 32);
    if (!digest.every((b, i) => b === stored[i]))
      fail(
        "CHECKSUM_MISMATCH",
        `database checksum mismatch: content SHA-256 is ${toHex(digest)} but the header says ${toHex(stored)}; the file is corrupt, download or compile it again`,
      );
    return toHex(digest);
  };
  let db: Database;
  try {
    db = openStructure(bytes, v);
  } catch (err) {
    await checkDigest();
    throw err;
  }
  db.info.sha256 = await checkDigest();
  return db;
}

/** Everything but the digest: header fields, sections, and every reference between them. */
function openStructure(bytes: Uint8Array, v: DataView): Database {
  // The signature block is outside the digest: it is checked against trusted keys on load
  // (signature.ts); here only that it is whole: a key id and a signature, or neither.
  const keyIdBytes = bytes.subarray(L.H_KEY_ID, L.H_KEY_ID + L.KEY_ID_SIZE);
  const signed = keyIdBytes.some((b) => b !== 0);
  const hasSignature = bytes.subarray(L.H_SIGNATURE, L.H_SIGNATURE + L.SIGNATURE_SIZE).some((b) => b !== 0);
  if (!signed && hasSignature)
    fail("CHECKSUM_MISMATCH", "database header is damaged: it carries signature bytes but no key id; download or compile it again");
  if (signed && !hasSignature)
    fail("CHECKSUM_MISMATCH", `database header is damaged: it names signing key ${toHex(keyIdBytes)} but carries no signature; download it again`);
  const format = v.getUint16(L.H_FORMAT_VERSION, true);
  if (format !== L.FORMAT_VERSION)
    fail("UNSUPPORTED_FORMAT", `database format version ${format}; this engine reads version ${L.FORMAT_VERSION}: update the engine or build the database for it`);
  if (v.getUint16(L.H_HEADER_SIZE, true) !== L.HEADER_SIZE)
    fail("MALFORMED", `header size ${v.getUint16(L.H_HEADER_SIZE, true)}, expected ${L.HEADER_SIZE}`);

  const count = v.getUint32(L.H_SECTION_COUNT, true);
  const table = v.getUint32(L.H_SECTION_TABLE, true);
  if (count > L.MAX_SECTIONS || table < L.HEADER_SIZE || table + count * L.SECTION_ENTRY_SIZE > bytes.length)
    fail("MALFORMED", `section table (${count} entries at ${table}) does not fit the ${bytes.length}-byte file`);
  const sections: SectionInfo[] = [];
  for (let i = 0; i < count; i++) {
    const e = table + i * L.SECTION_ENTRY_SIZE;
    const s = {
      name: L.tagName(v.getUint32(e, true)),
      offset: v.getUint32(e + 4, true),
      length: v.getUint32(e + 8, true),
      count: v.getUint32(e + 12, true),
    };
    if (s.offset % 8 || s.offset < table + count * L.SECTION_ENTRY_SIZE || s.offset + s.length > bytes.length)
      fail("MALFORMED", `section ${s.name} at ${s.offset} (+${s.length}) is misaligned or outside the ${bytes.length}-byte file`);
    if (sections.some((x) => x.name === s.name)) fail("MALFORMED", `section ${s.name} appears twice`);
    sections.push(s);
  }
  const sizes: Record<string, number> = { RECS: L.ROW_SIZE, SHAP: L.SHAPE_SIZE, WINS: L.WIN_SIZE, PROB: L.PROBE_SIZE, KEYS: L.KEY_SIZE };
  for (const name of L.SECTION_ORDER) {
    const s = sections.find((x) => x.name === name);
    if (!s && L.OPTIONAL_SECTIONS.has(name)) continue;
    if (!s) fail("MALFORMED", `required section ${name} is missing`);
    const size = sizes[name];
    if (size && s.length !== s.count * size)
      fail("MALFORMED", `section ${name} is ${s.length} bytes for ${s.count} items of ${size} bytes`);
  }
  const recordCount = v.getUint32(L.H_RECORD_COUNT, true);
  const buildTime = v.getUint32(L.H_BUILD_TIME_LO, true) + v.getUint32(L.H_BUILD_TIME_HI, true) * 0x100000000;
  const info: DatabaseInfo = {
    formatVersion: format,
    dbVersion: v.getUint32(L.H_DB_VERSION, true),
    recordCount,
    buildTime,
    signed,
    ...(signed ? { keyId: toHex(keyIdBytes) } : {}),
    fileLength: bytes.length,
    sha256: "", // set once the digest is in
    sections,
    windowCount: 0,
    probeCount: 0,
    keyCount: 0,
    shapeCount: 0,
    nameCount: 0,
  };
  const db = new Database(bytes, info);
  info.windowCount = db.windowCount;
  info.probeCount = db.probeCount;
  info.keyCount = db.keyCount;
  info.shapeCount = db.shapeCount;
  info.nameCount = db.nameCount;
  if (db.recordCount !== recordCount) fail("MALFORMED", `header says ${recordCount} records, RECS holds ${db.recordCount}`);
  checkCrossReferences(db);
  db.stencils();
  return db;
}

/** Every stencil and rule of STNC, with every code, bit set and string checked (MALFORMED otherwise). */
function decodeStencils(db: Database, section: SectionInfo): Stencil[] {
  const v = db.view;
  const count = section.count;
  const rulesAt = count * L.STENCIL_SIZE;
  if (rulesAt > section.length || (section.length - rulesAt) % L.RULE_SIZE)
    fail("MALFORMED", `section STNC is ${section.length} bytes: not ${count} stencil entries followed by whole rules`);
  const ruleTotal = (section.length - rulesAt) / L.RULE_SIZE;
  const str = (ref: number, where: string, optional = false): string => {
    if (ref === L.NONE && optional) return "";
    const err = ref === L.NONE ? "missing string" : db.checkString(ref);
    if (err) fail("MALFORMED", `${where}: ${err}`);
    return db.string(ref)!;
  };
  const action = (code: number, where: string, fallbackOnly: boolean) => {
    const name = ACTION_NAMES[code];
    if (!name || (fallbackOnly && !(FALLBACK_NAMES as readonly string[]).includes(name))) fail("MALFORMED", `${where}: action code ${code}`);
    return name;
  };
  const names = <T extends string>(list: readonly T[], b: number, where: string): T[] | undefined => {
    if (b >>> list.length) fail("MALFORMED", `${where}: unknown bits 0x${b.toString(16)}`);
    const out = list.filter((_, i) => (b >>> i) & 1);
    return out.length ? out : undefined;
  };
  const out: Stencil[] = [];
  let nextRule = 0;
  for (let i = 0; i < count; i++) {
    const o = section.offset + i * L.STENCIL_SIZE;
    const where = `stencil ${i}`;
    const name = str(v.getUint32(o + L.S_NAME, true), where);
    const first = v.getUint32(o + L.S_FIRST_RULE, true);
    const n = v.getUint16(o + L.S_RULE_COUNT, true);
    if (first !== nextRule || first + n > ruleTotal) fail("MALFORMED", `stencil ${name}: rules ${first}..${first + n} of ${ruleTotal} are not the next run`);
    nextRule = first + n;
    if (out.length && out[out.length - 1].name >= name) fail("MALFORMED", `stencil ${name}: stencils are not sorted by unique name`);
    const stencil: Stencil = { name, description: str(v.getUint32(o + L.S_DESCRIPTION, true), `stencil ${name}`, true), rules: [] };
    const fb = v.getUint8(o + L.S_FALLBACK);
    if (fb !== L.NO_ACTION) stencil.fallback = action(fb, `stencil ${name} fallback`, true) as Stencil["fallback"];
    const on = v.getUint16(o + L.S_CATEGORIES_ON, true);
    const off = v.getUint16(o + L.S_CATEGORIES_OFF, true);
    if (on & off) fail("MALFORMED", `stencil ${name}: a category is switched both on and off`);
    const categories: NonNullable<Stencil["categories"]> = {};
    for (const c of names(CATEGORY_NAMES, on, `stencil ${name} categories`) ?? []) categories[c] = true;
    for (const c of names(CATEGORY_NAMES, off, `stencil ${name} categories`) ?? []) categories[c] = false;
    if (Object.keys(categories).length) stencil.categories = categories;
    for (let r = first; r < first + n; r++) {
      const u = section.offset + rulesAt + r * L.RULE_SIZE;
      const rw = `stencil ${name} rule ${r - first}`;
      const when: StencilRule["when"] = {};
      const set = <K extends keyof StencilRule["when"]>(k: K, value: StencilRule["when"][K] | undefined) => {
        if (value !== undefined) when[k] = value;
      };
      set("attributes", names(ATTRIBUTE_NAMES, v.getUint32(u + L.U_ATTRIBUTES_ALL, true), rw));
      set("anyAttributes", names(ATTRIBUTE_NAMES, v.getUint32(u + L.U_ATTRIBUTES_ANY, true), rw));
      set("notAttributes", names(ATTRIBUTE_NAMES, v.getUint32(u + L.U_ATTRIBUTES_NONE, true), rw));
      set("categories", names(CATEGORY_NAMES, v.getUint16(u + L.U_CATEGORIES, true), rw));
      const ft = v.getUint32(u + L.U_FILETYPES, true);
      set("filetypes", names(FILE_TYPE_NAMES, ft, rw)?.filter((t) => ft & FileType[t]));
      set("in", names(CONTEXT_NAMES, v.getUint8(u + L.U_CONTEXTS), rw));
      const pat = str(v.getUint32(u + L.U_NAMES, true), rw, true);
      if (pat) set("names", pat.split(","));
      const rule: StencilRule = {
        name: str(v.getUint32(u + L.U_NAME, true), rw),
        when,
        action: action(v.getUint8(u + L.U_ACTION), rw, false),
        reason: str(v.getUint32(u + L.U_REASON, true), rw),
      };
      const rfb = v.getUint8(u + L.U_FALLBACK);
      if (rfb !== L.NO_ACTION) rule.fallback = action(rfb, `${rw} fallback`, true) as StencilRule["fallback"];
      stencil.rules.push(rule);
    }
    out.push(stencil);
  }
  if (nextRule !== ruleTotal) fail("MALFORMED", `section STNC holds ${ruleTotal} rules but its stencils name ${nextRule}`);
  return out;
}

/** Every reference inside the database points where it may, so scans never read out of bounds. One pass over the rows. */
function checkCrossReferences(db: Database): void {
  const v = db.view;
  const anchorCount = ANCHOR_NAMES.length;
  const winAnchor = new Uint8Array(db.windowCount);
  const badWindow = windowAnchors(db.words(db.wins, db.windowCount * L.WIN_SIZE), winAnchor, anchorCount);
  if (badWindow >= 0) fail("MALFORMED", `window ${badWindow} has an unknown anchor`);
  const { anchor: probeAnchor, at: probeAt } = db.probeTable();
  for (let i = 0; i < db.probeCount; i++) if (probeAnchor[i] >= anchorCount) fail("MALFORMED", `probe ${i} has an unknown anchor`);
  checkNames(db);
  const shapeAnchor = new Uint8Array(db.shapeCount);
  const shapeAt = new Int32Array(db.shapeCount);
  for (let sh = 0; sh < db.shapeCount; sh++) {
    const o = db.shapes + sh * L.SHAPE_SIZE;
    const where = `record shape ${sh}`;
    const type = v.getUint8(o + L.SH_TYPE);
    if (type < 1 || type > 4) fail("MALFORMED", `${where}: record type ${type}`);
    if (v.getUint8(o + L.SH_STATUS) >= STATUS_NAMES.length) fail("MALFORMED", `${where}: unknown status`);
    if (v.getUint8(o + L.SH_CATEGORY) >= CATEGORY_NAMES.length) fail("MALFORMED", `${where}: unknown category`);
    if (v.getUint32(o + L.SH_ATTRIBUTES, true) >>> ATTRIBUTE_NAMES.length) fail("MALFORMED", `${where}: unknown attribute bits`);
    if (v.getUint32(o + L.SH_FILETYPES, true) >>> FILE_TYPE_NAMES.length) fail("MALFORMED", `${where}: unknown file-type bits`);
    const anchor = v.getUint8(o + L.SH_ANCHOR);
    if ((type === 3 || type === 4) !== (anchor !== L.NO_DETECT)) fail("MALFORMED", `${where}: type ${type} with anchor ${anchor}`);
    if (anchor !== L.NO_DETECT && anchor >= ANCHOR_NAMES.length) fail("MALFORMED", `${where}: unknown anchor ${anchor}`);
    shapeAnchor[sh] = anchor;
    shapeAt[sh] = v.getInt32(o + L.SH_AT, true);
    for (const f of [L.SH_MODULE, L.SH_ARGS]) {
      const err = db.checkString(v.getUint32(o + f, true));
      if (err) fail("MALFORMED", `${where}: ${err}`);
    }
    const script = v.getUint32(o + L.SH_CLEAN, true);
    if (script !== L.NONE) {
      if (script >= db.scrpLen) fail("MALFORMED", `${where}: cleaning script offset ${script} outside SCRP (${db.scrpLen} bytes)`);
      try {
        decodeScript(db.bytes, db.scrp + script, db.scrp + db.scrpLen);
      } catch (err) {
        if (err instanceof ScriptFormatError) fail("MALFORMED", `${where}: cleaning script: ${err.message}`);
        throw err;
      }
    }
  }
  if (db.info.sections.find((s) => s.name === "KEYS")!.count < 1) fail("MALFORMED", "section KEYS lacks its end entry");
  if (db.nameCount > 0 && db.recordCount === 0) fail("MALFORMED", "names without records");
  if (db.indexedRows > db.recordCount) fail("MALFORMED", `index covers ${db.indexedRows} rows of ${db.recordCount}`);
  const rows = db.rowWords();
  const keys = db.keyWords();
  /** What is wrong with row r (key k, or -1 outside the index), for the message; the loops below only find it. */
  const explainRow = (r: number, k: number): never => {
    const o = r * ROW_WORDS;
    const where = `record row ${r} (id ${rows[o + W_ID]})`;
    const shape = rows[o + W_SHAPE];
    if (shape >= db.shapeCount) fail("MALFORMED", `${where}: shape outside SHAP`);
    if (k < 0 && r > db.indexedRows && rows[o + W_ID] <= rows[o - ROW_WORDS + W_ID]) fail("MALFORMED", `${where}: rows outside the index are not sorted by id`);
    if (k >= 0 && r > keys[2 * k + 1] && !rowFollows(rows, o)) fail("MALFORMED", `${where}: rows of index key ${k} are not sorted by check window, its CRC and id`);
    if (k >= 0 && (rows[o + W_REV_FIRST] >>> 16 !== (keys[2 * k] & 0xffff) || shapeAnchor[shape] !== probeAnchor[keys[2 * k] >>> 16] || shapeAt[shape] !== probeAt[keys[2 * k] >>> 16]))
      fail("MALFORMED", `${where} is not found under index key ${k}`);
    if (rows[o + W_NAME] >= db.nameCount) fail("MALFORMED", `${where}: name outside NAME`);
    const w = rows[o + W_WIN1] >= db.windowCount || winAnchor[rows[o + W_WIN1]] !== shapeAnchor[shape] ? rows[o + W_WIN1] : rows[o + W_WIN2];
    fail("MALFORMED", `${where}: window ${w} is missing or measured from another anchor`);
  };
  const { nameCount, windowCount, shapeCount, keyCount, probeCount, indexedRows } = db;
  const bad = checkIndex(keys, rows, keyCount, indexedRows, probeCount, nameCount, probeAnchor, probeAt, shapeAnchor, shapeAt, winAnchor);
  if (bad <= -2) {
    const k = -2 - bad;
    const [key, start, end] = [keys[2 * k], keys[2 * k + 1], keys[2 * k + 3]];
    if (key >>> 16 >= probeCount && key !== L.END_KEY) fail("MALFORMED", `index key ${k} names probe ${key >>> 16} of ${probeCount}`);
    if ((k === 0 && start !== 0) || start >= end || end > indexedRows) fail("MALFORMED", `index key ${k} has row run ${start}..${end} of ${indexedRows}`);
    fail("MALFORMED", `index key ${k} out of order`);
  }
  if (bad >= 0) {
    // Keys before the bad row's were found whole: its key is the last whose run starts at or before it.
    let k = 0;
    while (k + 1 < keyCount && keys[2 * (k + 1) + 1] <= bad) k++;
    explainRow(bad, k);
  }
  if (keys[2 * keyCount] !== L.END_KEY) fail("MALFORMED", `index key ${keyCount} out of order`);
  // Ids are unique (the compiler refuses duplicates); a crafted file with two equal ids stays
  // safe to scan, only ambiguous, so no sort is spent on load to prove it.
  for (let r = indexedRows, o = r * ROW_WORDS; r < db.recordCount; r++, o += ROW_WORDS) {
    const shape = rows[o + W_SHAPE];
    if (shape >= shapeCount || (r > indexedRows && rows[o + W_ID] <= rows[o - ROW_WORDS + W_ID]) || rows[o + W_NAME] >= nameCount) explainRow(r, -1);
    const anchor = shapeAnchor[shape];
    if (anchor === L.NO_DETECT) continue;
    const w1 = rows[o + W_WIN1];
    const w2 = rows[o + W_WIN2];
    if (w1 >= windowCount || winAnchor[w1] !== anchor || w2 >= windowCount || winAnchor[w2] !== anchor) explainRow(r, -1);
  }
}

/** Each window's anchor into `out`: -1, or the first window whose anchor is unknown. Plain arguments: see checkIndex. */
function windowAnchors(wins: Uint32Array, out: Uint8Array, anchorCount: number): number {
  for (let i = 0; i < out.length; i++) {
    const anchor = wins[i * L.WIN_WORDS] & 0xff; // anchor | length << 8
    if (anchor >= anchorCount) return i;
    out[i] = anchor;
  }
  return -1;
}

/** Whether the row at word `o` sorts after the one before it in a key's run: by check window (L.checkIsWindow2), its CRC, then id. */
function rowFollows(rows: Uint32Array, o: number): boolean {
  const p = o - ROW_WORDS;
  const second = L.checkIsWindow2(rows[o + W_WIN1], rows[o + W_WIN2]);
  const prevSecond = L.checkIsWindow2(rows[p + W_WIN1], rows[p + W_WIN2]);
  const w = rows[o + (second ? W_WIN2 : W_WIN1)];
  const pw = rows[p + (prevSecond ? W_WIN2 : W_WIN1)];
  if (w !== pw) return w > pw;
  const crc = rows[o + (second ? W_CRC2 : W_CRC1)];
  const pcrc = rows[p + (prevSecond ? W_CRC2 : W_CRC1)];
  if (crc !== pcrc) return crc > pcrc;
  return rows[o + W_ID] > rows[p + W_ID];
}

/**
 * The index keys in order, each a run of rows found under it, every row's references in bounds:
 * -1, or the first bad row, or -2 - k for a bad key k. A function of its own with plain
 * arguments, so that the engine optimizes its loop soon: it runs once per load, over every row.
 */
function checkIndex(
  keys: Uint32Array,
  rows: Uint32Array,
  keyCount: number,
  indexedRows: number,
  probeCount: number,
  nameCount: number,
  probeAnchor: Uint8Array,
  probeAt: Int32Array,
  shapeAnchor: Uint8Array,
  shapeAt: Int32Array,
  winAnchor: Uint8Array,
): number {
  const END = L.END_KEY;
  let prevKey = -1;
  for (let k = 0; k < keyCount; k++) {
    const key = keys[2 * k];
    const start = keys[2 * k + 1];
    const end = keys[2 * k + 3];
    const p = key >>> 16;
    if (key <= prevKey || key === END || p >= probeCount || (k === 0 && start !== 0) || start >= end || end > indexedRows) return -2 - k;
    prevKey = key;
    const first = key & 0xffff;
    const anchor = probeAnchor[p];
    const at = probeAt[p];
    // A probe's anchor is a real one, so a row whose shape matches it is a detecting one.
    for (let r = start, o = start * ROW_WORDS; r < end; r++, o += ROW_WORDS) {
      const shape = rows[o + W_SHAPE];
      const w1 = rows[o + W_WIN1];
      const w2 = rows[o + W_WIN2];
      // A shape or window past the end reads undefined, which is no anchor: out of bounds fails too.
      if (
        shapeAnchor[shape] !== anchor ||
        shapeAt[shape] !== at ||
        winAnchor[w1] !== anchor ||
        winAnchor[w2] !== anchor ||
        rows[o + W_REV_FIRST] >>> 16 !== first ||
        rows[o + W_NAME] >= nameCount ||
        (r > start && !rowFollows(rows, o))
      )
        return r;
    }
  }
  return -1;
}

/**
 * Row numbers in id order, from the RECS words. A radix sort of (id, row) pairs, 16 bits of the
 * id a pass: two sequential passes where a comparison sort of a million records took ~100 ms; and
 * stable, so equal ids keep row order. Plain arguments: see checkIndex.
 */
function rowsSortedById(rows: Uint32Array): Uint32Array {
  const n = rows.length / ROW_WORDS;
  let ids = new Uint32Array(n);
  let order = new Uint32Array(n);
  for (let r = 0; r < n; r++) {
    ids[r] = rows[r * ROW_WORDS + W_ID];
    order[r] = r;
  }
  let ids2 = new Uint32Array(n);
  let order2 = new Uint32Array(n);
  const count = new Uint32Array(0x10001);
  for (let shift = 0; shift < 32; shift += 16) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[((ids[i] >>> shift) & 0xffff) + 1]++;
    for (let d = 0; d < 0x10000; d++) count[d + 1] += count[d];
    for (let i = 0; i < n; i++) {
      const at = count[(ids[i] >>> shift) & 0xffff]++;
      ids2[at] = ids[i];
      order2[at] = order[i];
    }
    [ids, ids2, order, order2] = [ids2, ids, order2, order];
  }
  return order;
}

/** NAME: block offsets in order and inside the section, every entry's prefix and suffix in bounds. */
function checkNames(db: Database): void {
  const sec = db.info.sections.find((s) => s.name === "NAME")!;
  const blocks = Math.ceil(db.nameCount / L.NAME_BLOCK);
  if (blocks * 4 > sec.length) fail("MALFORMED", `section NAME is ${sec.length} bytes, too short for ${blocks} block offsets`);
  const blockStarts = db.words(sec.offset, blocks * 4);
  const bad = checkNameEntries(db.bytes, sec.offset, sec.offset + sec.length, db.nameCount, blockStarts, L.NAME_BLOCK, L.MAX_NAME_BYTES);
  if (bad === NAMES_TRAIL) fail("MALFORMED", "section NAME has bytes after its last name");
  if (bad >= 0) fail("MALFORMED", `name ${bad} is malformed: its block offset, length or bytes (printable ASCII) are wrong`);
}
const NAMES_TRAIL = -2;

/** -1 when every name is whole, NAMES_TRAIL for bytes after the last, else the first bad name. Plain arguments: see checkIndex. */
function checkNameEntries(b: Uint8Array, start: number, end: number, count: number, blockStarts: Uint32Array, block: number, maxBytes: number): number {
  let p = start + blockStarts.length * 4;
  let prevLen = 0;
  for (let i = 0; i < count; i++) {
    if (i % block === 0) {
      if (blockStarts[i / block] !== p - start) return i;
      prevLen = 0;
    }
    const shared = b[p];
    const len = b[p + 1];
    if (p + 2 > end || shared > prevLen || p + 2 + len > end || shared + len === 0 || shared + len > maxBytes) return i;
    for (let k = p + 2; k < p + 2 + len; k++) if (b[k] >= 0x80 || b[k] < 0x20) return i;
    prevLen = shared + len;
    p += 2 + len;
  }
  return p === end ? -1 : NAMES_TRAIL;
}
