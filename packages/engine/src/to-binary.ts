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

/** Opaque byte strings stored once each, referred to by offset (found again by a hash of their bytes). */
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
    this.parts.push(b);
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

/** Names, distinct, sorted by bytes, front-coded in blocks (see NAME in the layout). */
function encodeNames(names: Iterable<string>): { bytes: Uint8Array; count: number; index: Map<string, number> } {
  const enc = new TextEncoder();
  const list = [...new Set(names)].map((n) => ({ n, b: enc.encode(n) }));
  for (const { n, b } of list) {
    if (b.length > L.MAX_NAME_BYTES || b.some((c) => c >= 0x80)) throw new RangeError(`record name "${n}" is not ASCII of at most ${L.MAX_NAME_BYTES} bytes`);
  }
  list.sort((x, y) => (x.n < y.n ? -1 : x.n > y.n ? 1 : 0)); // ASCII: code units order = byte order
  const blocks = Math.ceil(list.length / L.NAME_BLOCK);
  const parts: number[] = [];
  const offsets: number[] = [];
  list.forEach(({ b }, i) => {
    let shared = 0;
    if (i % L.NAME_BLOCK === 0) offsets.push(blocks * 4 + parts.length);
    else {
      const prev = list[i - 1].b;
      while (shared < b.length && shared < prev.length && b[shared] === prev[shared]) shared++;
    }
    parts.push(shared, b.length - shared);
    for (let k = shared; k < b.length; k++) parts.push(b[k]);
  });
  const out = new Uint8Array(blocks * 4 + parts.length);
  const v = new DataView(out.buffer);
  offsets.forEach((o, i) => v.setUint32(i * 4, o, true));
  out.set(parts, blocks * 4);
  return { bytes: out, count: list.length, index: new Map(list.map(({ n }, i) => [n, i])) };
}

/** Build the sections of a database image. */
function buildSections(img: DatabaseImage): Record<L.SectionName, { bytes: Uint8Array; count: number }> {
  const byId = [...img.records].sort((a, b) => cmp(a.id, b.id));
  for (let i = 1; i < byId.length; i++)
    if (byId[i].id === byId[i - 1].id) throw new RangeError(`duplicate record id ${byId[i].id}`);

  // Distinct windows and probes, found again by numbers (anchor and a signed 32-bit offset in one
  // exact number, then the length), not by strings made for every record.
  const anchorAt = (anchor: number, at: number) => anchor * 0x100000000 + (at >>> 0);
  type Win = { anchor: number; offset: number; length: number; index: number; uses: number };
  type Probe = { anchor: number; at: number; index: number };
  const wins = new Map<number, Map<number, Win>>();
  const probes = new Map<number, Probe>();
  // Per record (byId order, sorted into row order below): its two windows, once found; its key,
  // check window and that window's CRC once windows and probes are numbered.
  const keyed = byId.map((r) => {
    const entry = { r, wins: undefined as [Win, Win] | undefined, key: L.END_KEY, check: 0, checkCrc: 0 };
    if (!r.detect) return entry;
    const d = r.detect;
    const pair = d.windows.map((w) => {
      if (w.length > L.MAX_WINDOW_LENGTH) throw new RangeError(`record ${r.id}: window of ${w.length} bytes is longer than ${L.MAX_WINDOW_LENGTH}`);
      const k = anchorAt(d.anchor, w.offset);
      let byLength = wins.get(k);
      if (!byLength) wins.set(k, (byLength = new Map()));
      let win = byLength.get(w.length);
      if (!win) byLength.set(w.length, (win = { anchor: d.anchor, offset: w.offset, length: w.length, index: 0, uses: 0 }));
      return win;
    });
    const k = anchorAt(d.anchor, d.at);
    if (!probes.has(k)) probes.set(k, { anchor: d.anchor, at: d.at, index: 0 });
    entry.wins = [pair[0], pair[1]];
    return entry;
  });
  const probeList = [...probes.values()].sort((a, b) => cmp(a.anchor, b.anchor) || cmp(a.at, b.at));
  if (probeList.length > L.MAX_PROBES) throw new RangeError(`too many distinct (anchor, at) probes: ${probeList.length} > ${L.MAX_PROBES}`);
  probeList.forEach((p, i) => (p.index = i));

  // A deprecated record keeps its row (its id stays taken) but is no longer looked up.
  for (const k of keyed) {
    const d = k.r.detect;
    if (d && k.r.status !== DEPRECATED) k.key = ((probes.get(anchorAt(d.anchor, d.at))!.index << 16) | d.first) >>> 0;
  }

  // Windows are numbered by how many indexed records use them, most first, then shortest first.
  // A record's check window is its lower-numbered one: the one most likely hashed already for
  // the object at hand, or else the cheaper one. Most candidates fail on it.
  for (const { key, wins: pair } of keyed) if (key !== L.END_KEY) for (const win of pair!) win.uses++;
  const winList: Win[] = [];
  for (const byLength of wins.values()) for (const w of byLength.values()) winList.push(w);
  winList.sort((a, b) => cmp(b.uses, a.uses) || cmp(a.length, b.length) || cmp(a.anchor, b.anchor) || cmp(a.offset, b.offset));
  winList.forEach((w, i) => (w.index = i));
  for (const k of keyed) {
    if (k.key === L.END_KEY) continue;
    const second = L.checkIsWindow2(k.wins![0].index, k.wins![1].index) ? 1 : 0;
    k.check = k.wins![second].index;
    k.checkCrc = k.r.detect!.windows[second].crc >>> 0;
  }
  // A key's rows sorted by check window, then its CRC: the rows sharing a check window are one
  // group, whose window is hashed once and searched for its CRC. Rows outside the index by id.
  keyed.sort((a, b) => cmp(a.key, b.key) || cmp(a.check, b.check) || cmp(a.checkCrc, b.checkCrc) || cmp(a.r.id, b.r.id));
  const indexed = keyed.findIndex((k) => k.key === L.END_KEY);
  const indexedRows = indexed < 0 ? keyed.length : indexed;

  const strings = new StringTable();
  const scripts = new BlobTable();
  const names = encodeNames(byId.map((r) => r.name));
  // Shapes are fixed-size blobs: stored once each, their index is their offset / SHAPE_SIZE.
  const shapes = new BlobTable();
  const shapeOf = (r: RecordImage): number => {
    const b = new Uint8Array(L.SHAPE_SIZE);
    const sv = new DataView(b.buffer);
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
    return shapes.ref(b) / L.SHAPE_SIZE;
  };

  const recs = new Uint8Array(keyed.length * L.ROW_SIZE);
  const rv = new DataView(recs.buffer);
  const keyList: { key: number; row: number }[] = [];
  keyed.forEach(({ r, key, wins: pair }, row) => {
    const o = row * L.ROW_SIZE;
    rv.setUint32(o + L.R_ID, r.id, true);
    rv.setUint32(o + L.R_NAME, names.index.get(r.name)!, true);
    rv.setUint32(o + L.R_SHAPE, shapeOf(r), true);
    rv.setUint16(o + L.R_REV, r.rev, true);
    const d = r.detect;
    if (d) {
      rv.setUint16(o + L.R_FIRST, d.first, true);
      rv.setUint32(o + L.R_WIN1, pair![0].index, true);
      rv.setUint32(o + L.R_CRC1, d.windows[0].crc >>> 0, true);
      rv.setUint32(o + L.R_WIN2, pair![1].index, true);
      rv.setUint32(o + L.R_CRC2, d.windows[1].crc >>> 0, true);
    } else {
      rv.setUint32(o + L.R_WIN1, L.NONE, true);
      rv.setUint32(o + L.R_WIN2, L.NONE, true);
    }
    if (row < indexedRows && (row === 0 || keyed[row - 1].key !== key)) keyList.push({ key, row });
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
    RECS: { bytes: recs, count: keyed.length },
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
