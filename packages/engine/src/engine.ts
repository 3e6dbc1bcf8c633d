/**
 * The scanning engine: a verified database plus the scratch memory a scan needs, reused from
 * object to object so the hot path allocates only for what it reports.
 */
import { DatabaseError } from "./errors.js";
import { ANCHOR_NAMES, analyzeObjectInto, fileTypeNames, type AnchorName, type FileTypeName, type ObjectWarning } from "./file-type.js";
import { crc32 } from "./crc32.js";
import { openDatabase, type Database, type DatabaseInfo } from "./from-binary.js";
import * as L from "./tgvxdb-layout.js";
import { CATEGORY_NAMES, type CategoryName, type RecordType } from "./vocabulary.js";

export interface LoadOptions {
  /**
   * Module names this engine provides (detection and processing modules). A database whose
   * records need a module outside this set is refused rather than silently half-used.
   */
  modules?: readonly string[];
}

export interface ScanOptions {
  /** Name or path of the object; used for type recognition (".com") and in reports. */
  name?: string;
  /** Stop at the first detection (RedundantScan=No). Default false: report every match. */
  firstOnly?: boolean;
}

export interface Detection {
  id: number;
  rev: number;
  name: string;
  type: RecordType;
  category: CategoryName;
  anchor: AnchorName;
  /** Object offset of the first word that selected the record. */
  offset: number;
}

export interface ScanStats {
  /** Records whose (anchor, first word) matched and were checked further. */
  candidates: number;
  /** CRC windows actually hashed (each distinct window at most once per object). */
  crcs: number;
  /** Bytes hashed. */
  crcBytes: number;
}

export interface ScanResult {
  infected: boolean;
  detections: Detection[];
  /** File types recognised; empty = unknown. */
  types: FileTypeName[];
  warnings: ObjectWarning[];
  stats: ScanStats;
}

const OUTSIDE = -1;

export class Engine {
  private readonly anchors = new Int32Array(ANCHOR_NAMES.length);
  private readonly crcs: Float64Array;
  private readonly stamps: Uint32Array;
  private generation = 0;

  private constructor(readonly db: Database) {
    this.crcs = new Float64Array(db.windowCount);
    this.stamps = new Uint32Array(db.windowCount);
  }

  /** Verify and load a database. Throws `DatabaseError` when it cannot be used. */
  static async load(bytes: Uint8Array, options: LoadOptions = {}): Promise<Engine> {
    const db = await openDatabase(bytes);
    const have = new Set(options.modules ?? []);
    const missing = db.modules().filter((m) => !have.has(m));
    if (missing.length)
      throw new DatabaseError(
        "MISSING_MODULE",
        `database needs module${missing.length > 1 ? "s" : ""} ${missing.join(", ")} that this engine does not provide; update the engine`,
      );
    return new Engine(db);
  }

  get info(): DatabaseInfo {
    return this.db.info;
  }

  scan(bytes: Uint8Array, options: ScanOptions = {}): ScanResult {
    const db = this.db;
    const v = db.view;
    const size = bytes.length;
    const warnings: ObjectWarning[] = [];
    const anchors = this.anchors;
    const types = analyzeObjectInto(bytes, options.name, anchors, warnings);
    const stats: ScanStats = { candidates: 0, crcs: 0, crcBytes: 0 };
    const detections: Detection[] = [];
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
    const gen = this.generation;

    const windowCrc = (w: number): number => {
      if (this.stamps[w] === gen) return this.crcs[w];
      const o = db.wins + w * L.WIN_SIZE;
      const a = anchors[v.getUint8(o)];
      const pos = a + v.getInt32(o + 4, true);
      const len = v.getUint32(o + 8, true);
      let crc = OUTSIDE;
      if (a >= 0 && pos >= 0 && pos + len <= size) {
        crc = crc32(bytes, pos, pos + len);
        stats.crcs++;
        stats.crcBytes += len;
      }
      this.stamps[w] = gen;
      this.crcs[w] = crc;
      return crc;
    };

    probes: for (let p = 0; p < db.probeCount; p++) {
      const po = db.probes + p * L.PROBE_SIZE;
      const anchor = v.getUint8(po);
      const a = anchors[anchor];
      if (a < 0) continue;
      const pos = a + v.getInt32(po + 4, true);
      if (pos < 0 || pos + 2 > size) continue;
      const key = ((p << 16) | bytes[pos] | (bytes[pos + 1] << 8)) >>> 0;
      const k = this.findKey(key);
      if (k < 0) continue;
      const start = v.getUint32(db.keys + k * L.KEY_SIZE + 4, true);
      const end = k + 1 < db.keyCount ? v.getUint32(db.keys + (k + 1) * L.KEY_SIZE + 4, true) : db.candCount;
      for (let c = start; c < end; c++) {
        const row = v.getUint32(db.cand + 4 * c, true);
        const ro = db.rowOffset(row);
        stats.candidates++;
        const ft = v.getUint32(ro + L.R_FILETYPES, true);
        if (ft !== 0 && (ft & types) === 0) continue;
        const c1 = windowCrc(v.getUint32(ro + L.R_WIN1, true));
        if (c1 !== v.getUint32(ro + L.R_CRC1, true)) continue;
        const c2 = windowCrc(v.getUint32(ro + L.R_WIN2, true));
        if (c2 !== v.getUint32(ro + L.R_CRC2, true)) continue;
        detections.push({
          id: v.getUint32(ro + L.R_ID, true),
          rev: v.getUint16(ro + L.R_REV, true),
          name: db.recordName(row),
          type: v.getUint8(ro + L.R_TYPE) as RecordType,
          category: CATEGORY_NAMES[v.getUint8(ro + L.R_CATEGORY)],
          anchor: ANCHOR_NAMES[anchor],
          offset: pos,
        });
        if (options.firstOnly) break probes;
      }
    }
    detections.sort((x, y) => x.id - y.id);
    return { infected: detections.length > 0, detections, types: fileTypeNames(types), warnings, stats };
  }

  private findKey(key: number): number {
    const v = this.db.view;
    const base = this.db.keys;
    let lo = 0;
    let hi = this.db.keyCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = v.getUint32(base + mid * L.KEY_SIZE, true);
      if (k === key) return mid;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
