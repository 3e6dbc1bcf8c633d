/**
 * Writes a tgvxdb from a database image. Everything derived (window table, probes, index,
 * string table) is built here, in a fixed order, so equal images give byte-identical files.
 */
import { sha256 } from "./sha256.js";
import { FileType } from "./file-type.js";
import type { Stencil } from "./stencil.js";
import * as L from "./tgvxdb-layout.js";
import { ACTION_NAMES, ATTRIBUTE_NAMES, CATEGORY_NAMES, CONTEXT_NAMES, STATUS_NAMES } from "./vocabulary.js";

const DEPRECATED = STATUS_NAMES.indexOf("deprecated");

export interface WindowImage {
  offset: number;
  length: number;
  crc: number;
}

export interface DetectImage {
  /** Anchor value (see `Anchor`). */
  anchor: number;
  at: number;
  /** First word: byte 0 in the low 8 bits. */
  first: number;
  /** FileType bit set; 0 = any. */
  filetypes: number;
  windows: readonly [WindowImage, WindowImage];
}

export interface RecordImage {
  id: number;
  rev: number;
  type: 1 | 2 | 3 | 4;
  /** Index in STATUS_NAMES. */
  status: number;
  name: string;
  /** Index in CATEGORY_NAMES. */
  category: number;
  /** Bit set over ATTRIBUTE_NAMES. */
  attributes: number;
  detect?: DetectImage;
  module?: string;
  /** Canonical JSON. */
  args?: string;
  /** Encoded cleaning script (`encodeScript`). */
  clean?: Uint8Array;
}

export interface DatabaseImage {
  dbVersion: number;
  /** Seconds since the epoch; omitted = 0, so builds stay reproducible. */
  buildTime?: number;
  records: readonly RecordImage[];
  /** Stencils shipped with the database (STNC section); written sorted by name. */
  stencils?: readonly Stencil[];
}

/**
 * Opaque byte strings stored once each, referred to by offset (found again by a hash of their
 * bytes). A new one is copied in, so a caller may fill one buffer again for every lookup.
 */
class BlobTable {
  private readonly byHash = new Map<number, number[]>();
  private readonly parts: Uint8Array[] = [];
  private readonly offsets: number[] = [];
  private size = 0;

  get count(): number {
    return this.parts.length;
  }

  ref(b: Uint8Array | undefined): number {
    if (b === undefined) return L.NONE;
    let h = 0x811c9dc5; // FNV-1a
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
    let same = this.byHash.get(h);
    if (same) {
      for (const i of same) if (equalBytes(this.parts[i], b)) return this.offsets[i];
    } else this.byHash.set(h, (same = []));
    const at = this.size;
    same.push(this.parts.length);
    this.parts.push(b.slice());
    this.offsets.push(at);
    this.size += b.length;
    return at;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let p = 0;
    for (const part of this.parts) {
      out.set(part, p);
      p += part.length;
    }
    return out;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Strings as u32 byte length + UTF-8, each stored once. Found again by the string itself: two
 * strings have the same UTF-8 exactly when they are equal once lone surrogates are replaced by
 * U+FFFD, as the encoder does.
 */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private buf = new Uint8Array(1 << 16);
  private size = 0;
  private readonly enc = new TextEncoder();

  ref(s: string | undefined): number {
    if (s === undefined) return L.NONE;
    let ascii = true;
    for (let i = 0; i < s.length; i++)
      if (s.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    const key = ascii || (s as unknown as WellFormed).isWellFormed() ? s : (s as unknown as WellFormed).toWellFormed();
    const known = this.offsets.get(key);
    if (known !== undefined) return known;
    const at = this.size;
    if (at + 4 + 3 * key.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(2 * this.buf.length, at + 4 + 3 * key.length));
      grown.set(this.buf.subarray(0, at));
      this.buf = grown;
    }
    const buf = this.buf;
    let p = at + 4;
    if (ascii) for (let i = 0; i < key.length; i++) buf[p++] = key.charCodeAt(i);
    else p += this.enc.encodeInto(key, buf.subarray(at + 4)).written;
    const n = p - at - 4;
    buf[at] = n & 0xff;
    buf[at + 1] = (n >>> 8) & 0xff;
    buf[at + 2] = (n >>> 16) & 0xff;
    buf[at + 3] = n >>> 24;
    this.size = p;
    this.offsets.set(key, at);
    return at;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.size);
  }
}

/** ES2024 string methods (Node 20, current browsers), not in the TypeScript library this package targets. */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Names, distinct, sorted by bytes, front-coded in blocks (see NAME in the layout), and the number
 * of each of `names` among them. Names are ASCII, so a code unit is a byte and the strings' order
 * is the bytes'. Sorting their positions finds the equal ones without a million-entry hash table.
 */
function encodeNames(names: readonly string[]): { bytes: Uint8Array; count: number; index: Uint32Array } {
  const order: number[] = [];
  for (let i = 0; i < names.length; i++) order.push(i);
  order.sort((x, y) => (names[x] < names[y] ? -1 : names[x] > names[y] ? 1 : 0));
  let count = 0;
  let size = 0;
  order.forEach((i, o) => {
    const n = names[i];
    if (o > 0 && n === names[order[o - 1]]) return;
    let ascii = n.length <= L.MAX_NAME_BYTES;
    for (let k = 0; ascii && k < n.length; k++) ascii = n.charCodeAt(k) < 0x80;
    if (!ascii) throw new RangeError(`record name "${n}" is not ASCII of at most ${L.MAX_NAME_BYTES} bytes`);
    count++;
    size += 2 + n.length;
  });
  const blocks = Math.ceil(count / L.NAME_BLOCK);
  const out = new Uint8Array(blocks * 4 + size);
  const v = new DataView(out.buffer);
  const index = new Uint32Array(names.length);
  let p = blocks * 4;
  let at = -1;
  let prev = "";
  for (const i of order) {
    const n = names[i];
    if (at < 0 || n !== prev) {
      at++;
      let shared = 0;
      if (at % L.NAME_BLOCK === 0) v.setUint32((at / L.NAME_BLOCK) * 4, p, true);
      else while (shared < n.length && shared < prev.length && n.charCodeAt(shared) === prev.charCodeAt(shared)) shared++;
      out[p++] = shared;
      out[p++] = n.length - shared;
      for (let k = shared; k < n.length; k++) out[p++] = n.charCodeAt(k);
      prev = n;
    }
    index[i] = at;
  }
  return { bytes: out.subarray(0, p), count, index };
}

/** Build the sections of a database image. */
function buildSections(img: DatabaseImage): Record<L.SectionName, { bytes: Uint8Array; count: number }> {
  const byId = [...img.records].sort((a, b) => cmp(a.id, b.id));
  for (let i = 1; i < byId.length; i++)
    if (byId[i].id === byId[i - 1].id) throw new RangeError(`duplicate record id ${byId[i].id}`);

  // Distinct windows and probes, found again by numbers (a window by its offset, then by its
  // anchor and length in one integer; a probe by its anchor and signed 32-bit offset in one exact
  // number), not by strings made for every record.
  type Win = { anchor: number; offset: number; length: number; index: number; uses: number };
  type Probe = { anchor: number; at: number; index: number };
  const wins = new Map<number, Map<number, Win>>();
  const probes = new Map<number, Probe>();
  const windowOf = (r: RecordImage, w: WindowImage): Win => {
    if (w.length > L.MAX_WINDOW_LENGTH) throw new RangeError(`record ${r.id}: window of ${w.length} bytes is longer than ${L.MAX_WINDOW_LENGTH}`);
    const anchor = r.detect!.anchor;
    let atOffset = wins.get(w.offset);
    if (!atOffset) wins.set(w.offset, (atOffset = new Map()));
    const k = anchor * (L.MAX_WINDOW_LENGTH + 1) + w.length;
    let win = atOffset.get(k);
    if (!win) atOffset.set(k, (win = { anchor, offset: w.offset, length: w.length, index: 0, uses: 0 }));
    return win;
  };
  const probeOf = (d: DetectImage): Probe => {
    const k = d.anchor * 0x100000000 + (d.at >>> 0);
    let probe = probes.get(k);
    if (!probe) probes.set(k, (probe = { anchor: d.anchor, at: d.at, index: 0 }));
    return probe;
  };
  const names = encodeNames(byId.map((r) => r.name));
  // Per record, by its position in byId: its probe and windows, then its key, check window and
  // that window's CRC once windows and probes are numbered. Kept in arrays, not an object per
  // record: with a million records, walking and sorting them is what encoding spends most on.
  const n = byId.length;
  const probeOfRecord: (Probe | undefined)[] = [];
  const win1: (Win | undefined)[] = [];
  const win2: (Win | undefined)[] = [];
  for (const r of byId) {
    const d = r.detect;
    probeOfRecord.push(d && probeOf(d));
    win1.push(d && windowOf(r, d.windows[0]));
    win2.push(d && windowOf(r, d.windows[1]));
  }
  const probeList = [...probes.values()].sort((a, b) => cmp(a.anchor, b.anchor) || cmp(a.at, b.at));
  if (probeList.length > L.MAX_PROBES) throw new RangeError(`too many distinct (anchor, at) probes: ${probeList.length} > ${L.MAX_PROBES}`);
  probeList.forEach((p, i) => (p.index = i));

  // A deprecated record keeps its row (its id stays taken) but is no longer looked up.
  const key = new Uint32Array(n).fill(L.END_KEY);
  byId.forEach((r, i) => {
    const probe = probeOfRecord[i];
    if (!probe || r.status === DEPRECATED) return;
    key[i] = ((probe.index << 16) | r.detect!.first) >>> 0;
    win1[i]!.uses++;
    win2[i]!.uses++;
  });

  // Windows are numbered by how many indexed records use them, most first, then shortest first.
  // A record's check window is its lower-numbered one: the one most likely hashed already for
  // the object at hand, or else the cheaper one. Most candidates fail on it.
  const winList: Win[] = [];
  for (const atOffset of wins.values()) for (const w of atOffset.values()) winList.push(w);
  winList.sort((a, b) => cmp(b.uses, a.uses) || cmp(a.length, b.length) || cmp(a.anchor, b.anchor) || cmp(a.offset, b.offset));
  winList.forEach((w, i) => (w.index = i));
  const check = new Uint32Array(n);
  const checkCrc = new Uint32Array(n);
  byId.forEach((r, i) => {
    if (key[i] === L.END_KEY) return;
    const second = L.checkIsWindow2(win1[i]!.index, win2[i]!.index) ? 1 : 0;
    check[i] = (second ? win2[i]! : win1[i]!).index;
    checkCrc[i] = r.detect!.windows[second].crc >>> 0;
  });
  // Rows: a key's rows sorted by check window, then its CRC, so the rows sharing a check window
  // are one group, whose window is hashed once and searched for its CRC. Rows outside the index
  // last. Ties stay in id order (the sort is stable).
  const order = Array.from(byId, (_, i) => i);
  order.sort((a, b) => key[a] - key[b] || check[a] - check[b] || checkCrc[a] - checkCrc[b]);
  let indexedRows = n;
  while (indexedRows > 0 && key[order[indexedRows - 1]] === L.END_KEY) indexedRows--;

  const strings = new StringTable();
  const scripts = new BlobTable();
  // Shapes are fixed-size blobs: stored once each, their index is their offset / SHAPE_SIZE.
  const shapes = new BlobTable();
  const shapeBytes = new Uint8Array(L.SHAPE_SIZE);
  const sv = new DataView(shapeBytes.buffer);
  const shapeOf = (r: RecordImage): number => {
    sv.setUint8(L.SH_TYPE, r.type);
    sv.setUint8(L.SH_STATUS, r.status);
    sv.setUint8(L.SH_CATEGORY, r.category);
    sv.setUint8(L.SH_ANCHOR, r.detect ? r.detect.anchor : L.NO_DETECT);
    sv.setUint32(L.SH_ATTRIBUTES, r.attributes >>> 0, true);
    sv.setUint32(L.SH_FILETYPES, (r.detect?.filetypes ?? 0) >>> 0, true);
    sv.setInt32(L.SH_AT, r.detect?.at ?? 0, true);
    sv.setUint32(L.SH_MODULE, strings.ref(r.module), true);
    sv.setUint32(L.SH_ARGS, strings.ref(r.args), true);
    sv.setUint32(L.SH_CLEAN, scripts.ref(r.clean), true);
    return shapes.ref(shapeBytes) / L.SHAPE_SIZE;
  };

  const recs = new Uint8Array(n * L.ROW_SIZE);
  const rv = new DataView(recs.buffer);
  const keyList: { key: number; row: number }[] = [];
  order.forEach((i, row) => {
    const r = byId[i];
    const o = row * L.ROW_SIZE;
    rv.setUint32(o + L.R_ID, r.id, true);
    rv.setUint32(o + L.R_NAME, names.index[i], true);
    rv.setUint32(o + L.R_SHAPE, shapeOf(r), true);
    rv.setUint16(o + L.R_REV, r.rev, true);
    const d = r.detect;
    if (d) {
      rv.setUint16(o + L.R_FIRST, d.first, true);
      rv.setUint32(o + L.R_WIN1, win1[i]!.index, true);
      rv.setUint32(o + L.R_CRC1, d.windows[0].crc >>> 0, true);
      rv.setUint32(o + L.R_WIN2, win2[i]!.index, true);
      rv.setUint32(o + L.R_CRC2, d.windows[1].crc >>> 0, true);
    } else {
      rv.setUint32(o + L.R_WIN1, L.NONE, true);
      rv.setUint32(o + L.R_WIN2, L.NONE, true);
    }
    if (row < indexedRows && (row === 0 || key[order[row - 1]] !== key[i])) keyList.push({ key: key[i], row });
  });
  keyList.push({ key: L.END_KEY, row: indexedRows });

  const winBytes = new Uint8Array(winList.length * L.WIN_SIZE);
  const wv = new DataView(winBytes.buffer);
  winList.forEach((w, i) => {
    wv.setUint32(i * L.WIN_SIZE, (w.anchor | (w.length << 8)) >>> 0, true);
    wv.setInt32(i * L.WIN_SIZE + 4, w.offset, true);
  });

  const probeBytes = new Uint8Array(probeList.length * L.PROBE_SIZE);
  const pv = new DataView(probeBytes.buffer);
  probeList.forEach((p, i) => {
    pv.setUint8(i * L.PROBE_SIZE, p.anchor);
    pv.setInt32(i * L.PROBE_SIZE + 4, p.at, true);
  });

  const keyBytes = new Uint8Array(keyList.length * L.KEY_SIZE);
  const kv = new DataView(keyBytes.buffer);
  keyList.forEach((k, i) => {
    kv.setUint32(i * L.KEY_SIZE, k.key, true);
    kv.setUint32(i * L.KEY_SIZE + 4, k.row, true);
  });

  const stencils = encodeStencils(img.stencils ?? [], strings);
  return {
    RECS: { bytes: recs, count: n },
    SHAP: { bytes: shapes.bytes(), count: shapes.count },
    WINS: { bytes: winBytes, count: winList.length },
    PROB: { bytes: probeBytes, count: probeList.length },
    KEYS: { bytes: keyBytes, count: keyList.length },
    NAME: { bytes: names.bytes, count: names.count },
    STRS: { bytes: strings.bytes(), count: 0 },
    SCRP: { bytes: scripts.bytes(), count: scripts.count },
    STNC: stencils,
  };
}

/** Bit set of `names` over `list` (bit = index). */
function bits<T extends string>(list: readonly T[], names: readonly T[] | undefined): number {
  let b = 0;
  for (const n of names ?? []) {
    const i = list.indexOf(n);
    if (i < 0) throw new RangeError(`unknown name "${n}" (one of: ${list.join(", ")})`);
    b |= 1 << i;
  }
  return b >>> 0;
}

function actionCode(a: string | undefined): number {
  if (a === undefined) return L.NO_ACTION;
  const i = (ACTION_NAMES as readonly string[]).indexOf(a);
  if (i < 0) throw new RangeError(`unknown action "${a}"`);
  return i;
}

/** The STNC section: stencil entries sorted by name, then their rules in order (see the layout). */
function encodeStencils(list: readonly Stencil[], strings: StringTable): { bytes: Uint8Array; count: number } {
  const sorted = [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) if (sorted[i].name === sorted[i - 1].name) throw new RangeError(`duplicate stencil "${sorted[i].name}"`);
  const ruleCount = sorted.reduce((n, s) => n + s.rules.length, 0);
  const rulesAt = sorted.length * L.STENCIL_SIZE;
  const out = new Uint8Array(rulesAt + ruleCount * L.RULE_SIZE);
  const v = new DataView(out.buffer);
  let rule = 0;
  sorted.forEach((s, i) => {
    if (s.rules.length > 0xffff) throw new RangeError(`stencil "${s.name}" has more than 65535 rules`);
    const o = i * L.STENCIL_SIZE;
    const on = CATEGORY_NAMES.filter((c) => s.categories?.[c] === true);
    const off = CATEGORY_NAMES.filter((c) => s.categories?.[c] === false);
    v.setUint32(o + L.S_NAME, strings.ref(s.name), true);
    v.setUint32(o + L.S_DESCRIPTION, strings.ref(s.description), true);
    v.setUint32(o + L.S_FIRST_RULE, rule, true);
    v.setUint16(o + L.S_RULE_COUNT, s.rules.length, true);
    v.setUint8(o + L.S_FALLBACK, actionCode(s.fallback));
    v.setUint16(o + L.S_CATEGORIES_ON, bits(CATEGORY_NAMES, on), true);
    v.setUint16(o + L.S_CATEGORIES_OFF, bits(CATEGORY_NAMES, off), true);
    for (const r of s.rules) {
      const u = rulesAt + rule++ * L.RULE_SIZE;
      const w = r.when;
      v.setUint32(u + L.U_NAME, strings.ref(r.name), true);
      v.setUint32(u + L.U_REASON, strings.ref(r.reason), true);
      v.setUint32(u + L.U_ATTRIBUTES_ALL, bits(ATTRIBUTE_NAMES, w.attributes), true);
      v.setUint32(u + L.U_ATTRIBUTES_ANY, bits(ATTRIBUTE_NAMES, w.anyAttributes), true);
      v.setUint32(u + L.U_ATTRIBUTES_NONE, bits(ATTRIBUTE_NAMES, w.notAttributes), true);
      v.setUint32(u + L.U_FILETYPES, (w.filetypes ?? []).reduce((b, t) => b | FileType[t], 0) >>> 0, true);
      v.setUint32(u + L.U_NAMES, w.names?.length ? strings.ref(w.names.join(",")) : L.NONE, true);
      v.setUint16(u + L.U_CATEGORIES, bits(CATEGORY_NAMES, w.categories), true);
      v.setUint8(u + L.U_CONTEXTS, bits(CONTEXT_NAMES, w.in));
      v.setUint8(u + L.U_ACTION, actionCode(r.action));
      v.setUint8(u + L.U_FALLBACK, actionCode(r.fallback));
    }
  });
  return { bytes: out, count: sorted.length };
}

/** Encode a database image as tgvxdb bytes (unsigned; signing fills the signature field). */
export async function encodeDatabase(img: DatabaseImage): Promise<Uint8Array> {
  const sections = buildSections(img);
  const written = L.SECTION_ORDER.filter((name) => !(L.OPTIONAL_SECTIONS.has(name) && sections[name].count === 0));
  const tableSize = written.length * L.SECTION_ENTRY_SIZE;
  let at = L.align8(L.HEADER_SIZE + tableSize);
  const placed = written.map((name) => {
    const s = sections[name];
    const p = { name, offset: at, ...s };
    at = L.align8(at + s.bytes.length);
    return p;
  });
  const out = new Uint8Array(at);
  const v = new DataView(out.buffer);
  out.set(L.MAGIC, 0);
  v.setUint16(L.H_FORMAT_VERSION, L.FORMAT_VERSION, true);
  v.setUint16(L.H_HEADER_SIZE, L.HEADER_SIZE, true);
  v.setUint32(L.H_FLAGS, 0, true);
  v.setUint32(L.H_DB_VERSION, img.dbVersion >>> 0, true);
  v.setUint32(L.H_RECORD_COUNT, sections.RECS.count, true);
  const t = img.buildTime ?? 0;
  v.setUint32(L.H_BUILD_TIME_LO, t % 0x100000000, true);
  v.setUint32(L.H_BUILD_TIME_HI, Math.floor(t / 0x100000000), true);
  v.setUint32(L.H_FILE_LENGTH, out.length, true);
  v.setUint32(L.H_SECTION_COUNT, placed.length, true);
  v.setUint32(L.H_SECTION_TABLE, L.HEADER_SIZE, true);
  placed.forEach((s, i) => {
    const e = L.HEADER_SIZE + i * L.SECTION_ENTRY_SIZE;
    v.setUint32(e, L.Section[s.name], true);
    v.setUint32(e + 4, s.offset, true);
    v.setUint32(e + 8, s.bytes.length, true);
    v.setUint32(e + 12, s.count, true);
    out.set(s.bytes, s.offset);
  });
  out.set(await sha256(out.subarray(L.COVERED_FROM)), L.H_DIGEST);
  return out;
}
