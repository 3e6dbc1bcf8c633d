/**
 * The scanning engine: a verified database plus the scratch memory a scan needs, reused from
 * object to object so the hot path allocates only for what it reports.
 */
import { DatabaseError } from "./errors.js";
import { Anchor, ANCHOR_NAMES, analyzeObjectInto, fileTypeNames, type AnchorName, type FileTypeName, type ObjectWarning } from "./file-type.js";
import { crc32 } from "./crc32.js";
import { CleanError, runScript, type CleanErrorCode, type ScriptOutcome } from "./clean-vm.js";
import { containerOf } from "./containers/choose.js";
import type { ExtractContext } from "./containers/container.js";
import { gzipMembers } from "./containers/gzip.js";
import { Budget, DEFAULT_LIMITS, LIMIT_NAMES, LimitReached, type LimitKind, type ScanLimits } from "./containers/limits.js";
import { mailPlaces, rewriteMail } from "./containers/mail-rewrite.js";
import { rewriteTar, tarEntries } from "./containers/tar.js";
import { gzipSync } from "fflate";
import { readZipDirectory, readZipMember } from "./containers/zip.js";
import { rewriteZip, ZipRewriteError, type MemberChange } from "./containers/zip-rewrite.js";
import { checkWindowOf, firstWithCheckCrc, filterKeyList, groupEnd, keyNumber, keySlot, openDatabase, rowWord, searchKey, type Database, type DatabaseInfo, type KeyTable } from "./from-binary.js";
import { processObject, type ProcessOptions, type ProcessResult } from "./process-object.js";
import { StreamScanner, type StreamScanOptions } from "./stream-scanner.js";
import { Policy, type Decision, type DecisionContext, type DetectionRef, type PolicyOptions } from "./resolve-action.js";
import type { Stencil } from "./stencil.js";
import { checkDatabaseTrust, type DatabaseTrust, type TrustOptions } from "./signature.js";
import { bindModules, type ModuleBindings } from "./modules/bind.js";
import { describeModuleFailure, ModuleCall, ModuleLimitReached, ModuleRegistry, type ModuleMatch } from "./modules/module.js";
import * as L from "./tgvxdb-layout.js";
import { CATEGORY_NAMES, type CategoryName, type RecordType } from "./vocabulary.js";

/**
 * How a database is accepted: by default only when signed by one of `trustedKeys`
 * (`allowUnsigned` is the development opt-out), intact, new enough, and with its modules present.
 */
export interface LoadOptions extends TrustOptions {
  /** Refuse a database whose version is not above this one (VERSION_NOT_NEWER): updates only move forward. */
  newerThan?: number;
  /**
   * The detection and processing modules this engine provides (default: `builtInModules()`,
   * imported only when the database names a module; add your own with
   * `builtInModules().register(module)`). A database whose records need a module outside it, or
   * whose args a module rejects, is refused rather than silently half-used.
   */
  modules?: ModuleRegistry;
}

export interface ScanOptions {
  /** Name or path of the object; used for type recognition (".com") and in reports. */
  name?: string;
  /** Stop at the first detection (RedundantScan=No). Default false: report every match. */
  firstOnly?: boolean;
  /** Look inside archives: zip (also appended to executables), gzip, tar, bzip2 (INI Archives/Packed). Default true. */
  archives?: boolean;
  /** Look inside compressed streams and self-extractors: gzip, bzip2, a zip appended to an executable (INI Packed). Default: as `archives`. */
  packed?: boolean;
  /** Look inside e-mail and mbox files, decoding attachments (INI MailBases/MailPlain). Default true. */
  mail?: boolean;
  /** Look inside mbox mailboxes (INI MailBases). Default: as `mail`. */
  mailboxes?: boolean;
  /** Limits for this scan; the rest keep their defaults (`DEFAULT_LIMITS`). */
  limits?: Partial<ScanLimits>;
  /** Told of every object entered and left, with its path inside the top object. */
  receiver?: ScanReceiver;
  /** Per-record work counters to add this scan's work to (the regression harness shows slow records with them). */
  profile?: ScanProfile;
}

/**
 * Per-record work, indexed by record row (database order), summed over every object scanned with
 * it. The caller allocates the arrays (`recordCount` long) and may reuse them across scans.
 */
export interface ScanProfile {
  /** Times the record was a candidate (its anchor and first word matched). */
  candidates: Uint32Array;
  /**
   * CRC windows hashed for the record; a window an earlier candidate of the same object already
   * hashed is not counted again. Records of one key sharing a check window are checked as a group
   * (see `checkIsWindow2` in the layout): hashing it, and finding the rows with its CRC, counts for
   * the group's first row; rows with another CRC are not looked at and cost nothing.
   */
  crcs: Uint32Array;
  /** Milliseconds spent checking the record (file-type test and CRC windows; a group's search, as above). */
  ms: Float64Array;
}

export interface ScanReceiver {
  /** `bytes` is the object itself (a view: copy what you keep). */
  enter?(path: readonly string[], types: FileTypeName[], bytes: Uint8Array): void;
  leave?(path: readonly string[], detections: number): void;
}

/** A limit hit on one branch: that branch was not fully scanned and is reported under `name`. */
export interface LimitHit {
  /** Path of the container whose contents were cut short. */
  path: string[];
  kind: LimitKind;
  name: string;
  message: string;
}

export interface PathWarning extends ObjectWarning {
  /** Path of the object the warning is about ([] for the top object). */
  path: string[];
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
  /** Object offset of the record's anchor. */
  anchorOffset: number;
  /** Where the object is inside the top object: member names from the outside in ([] for the top object itself). */
  path: string[];
}

export interface ScanStats {
  /** Records checked further: those whose (anchor, first word) matched, and every type 1/2 record's module call. */
  candidates: number;
  /** CRC windows actually hashed (each distinct window at most once per object). */
  crcs: number;
  /** Bytes hashed. */
  crcBytes: number;
}

export interface ScanResult {
  /** A record matched somewhere in the object. */
  infected: boolean;
  /**
   * clean: everything was scanned and nothing found; infected: a record matched; suspicious: a
   * limit was hit (a bomb, too deep, too big), so part was not scanned; incomplete: members that
   * could not be opened (encrypted, unsupported). Only "clean" means clean.
   */
  verdict: "clean" | "infected" | "suspicious" | "incomplete";
  detections: Detection[];
  limits: LimitHit[];
  /** Members that could not be scanned, with why. */
  skipped: { path: string[]; reason: string }[];
  /** File types of the top object; empty = unknown. */
  types: FileTypeName[];
  warnings: PathWarning[];
  /** Objects scanned: the top object and every member inside it. */
  objects: number;
  stats: ScanStats;
}

const OUTSIDE = -1;
const RECENT = 1024;
/** An object carrying more infections than this is not cleaned (nested infections are rare; loops are not). */
const MAX_CLEAN_ROUNDS = 8;

export interface CleanOptions {
  name?: string;
  /** Largest cleaned object allowed (default: twice the input plus 64 KiB). */
  maxOutput?: number;
  /** Detections to act on; the others are left as found (a policy ignores them). Default: all. */
  only?: (d: Detection) => boolean;
  /** Limits for the scans and module calls of this cleaning; the rest keep their defaults. */
  limits?: Partial<ScanLimits>;
}

export type CleanResultCode = CleanErrorCode | "NO_SCRIPT" | "MODULE_FAILED" | "MODULE_REFUSED" | "DAMAGED_RESULT" | "STILL_INFECTED" | "NOT_FULLY_SCANNED" | "PACKAGE_NOT_SUPPORTED" | "MEMBER_NOT_CLEANED";

export interface CleanStep {
  record: string;
  id: number;
  /** module: the record's processing module ran (then its script, if it has one). */
  action: "script" | "module" | "remove" | "none";
  error?: CleanResultCode;
}

export interface CleanResult {
  /**
   * clean: nothing found; cleaned: `output` is the disinfected object; removed: the record says the
   * whole object is the threat; failed: cleaning was refused (`reason`), keep the original;
   * no-action: found, but the record has no script (the caller's fallback action applies).
   */
  status: "clean" | "cleaned" | "removed" | "failed" | "no-action";
  detections: Detection[];
  steps: CleanStep[];
  output?: Uint8Array;
  reason?: string;
  code?: CleanResultCode;
  /** For a package cleaned inside: what happened to which member. */
  members?: { path: string[]; action: "cleaned" | "removed" }[];
}

export class Engine {
  private readonly anchors = new Int32Array(ANCHOR_NAMES.length);
  /**
   * The CRC of each window an object needs is computed once per object. An object meets a few
   * dozen distinct windows through many candidates: they are kept in `recent`, [window, object,
   * CRC] in RECENT slots by window number, small enough for the CPU's fastest cache. A window
   * that loses its slot to another of the same object moves to `windowMemo` ([object, CRC] per
   * window, 16 bytes each: too big to stay cached with a million records), which is read only
   * for an object that has moved one there (`spilled`).
   */
  private readonly recent = new Float64Array(3 * RECENT).fill(-1);
  private readonly windowMemo: Float64Array;
  private spilled = 0;
  /** The index keys as words: [key, first row] per key and the end entry (Database.keyWords). */
  private readonly keys: Uint32Array;
  /**
   * The keys' filter and hash table (Database.keyTable), built for the second object scanned:
   * an engine that scans one file (a `tgvx scan` of it) finds its few keys by binary search
   * instead (`searchKey`), and does not pay for building them (cold, ~6 ms of loading 100,000
   * records, ~20 ms of a million).
   */
  private keyTable: KeyTable | undefined;
  /** Per probe: its anchor and offset (Database.probeTable). */
  private readonly probeAnchor: Uint8Array;
  private readonly probeAt: Int32Array;
  /**
   * Scratch of one object's probes: their keys (probe << 16 | word) and where they read, then the
   * ones the filter lets through, then the ones found: key numbers and their probes.
   */
  private readonly probeKey: Uint32Array;
  private readonly probePos: Int32Array;
  private readonly probeProbe: Uint32Array;
  /** File types per record shape, read once: the candidate loop's only shape field. */
  private readonly filetypes: Uint32Array;
  /**
   * The indexed rows and the windows as 32-bit words: typed-array reads cost less than DataView
   * calls on the candidate loop, which a million records make the scan's largest part (1.4 ms of
   * a 31 ms pass over the bench corpus). Views over the database's bytes (copies only when they are
   * not 4-byte aligned), so loading stays zero-copy.
   */
  private readonly rowWords: Uint32Array;
  private readonly winWords: Uint32Array;
  /** The sum of the reads made only to bring keys and rows into cache: kept so they are not optimized away. */
  private warm = 0;
  /** Counts scanned objects (a double: it never wraps). */
  private generation = 0;

  private constructor(
    readonly db: Database,
    /** How the database was trusted: signature verified, or accepted unsigned/unchecked under `allowUnsigned`. */
    readonly trust: DatabaseTrust,
    /** The modules this engine provides (`LoadOptions.modules`). */
    readonly modules: ModuleRegistry,
    private readonly bound: ModuleBindings,
  ) {
    this.windowMemo = new Float64Array(2 * db.windowCount);
    this.keys = db.keyWords();
    this.rowWords = db.rowWords();
    this.winWords = db.words(db.wins, db.windowCount * L.WIN_SIZE);
    ({ anchor: this.probeAnchor, at: this.probeAt } = db.probeTable());
    this.probeKey = new Uint32Array(db.probeCount);
    this.probePos = new Int32Array(db.probeCount);
    this.probeProbe = new Uint32Array(db.probeCount);
    this.filetypes = new Uint32Array(db.shapeCount);
    for (let sh = 0; sh < db.shapeCount; sh++) this.filetypes[sh] = db.view.getUint32(db.shapes + sh * L.SHAPE_SIZE + L.SH_FILETYPES, true);
  }

  /**
   * Verify and load a database: intact (length, digest, structure), signed by a trusted key (or
   * allowed unsigned), newer than `newerThan`, modules present. Throws `DatabaseError`.
   */
  static async load(bytes: Uint8Array, options: LoadOptions = {}): Promise<Engine> {
    const db = await openDatabase(bytes);
    const trust = await checkDatabaseTrust(db, options);
    if (options.newerThan !== undefined && db.info.dbVersion <= options.newerThan)
      throw new DatabaseError(
        "VERSION_NOT_NEWER",
        `database version ${db.info.dbVersion} is not newer than the version in use (${options.newerThan}): updates only move forward; keep the current database`,
      );
    // Before the registry, `modules` was a list of names; a name alone cannot detect anything.
    if (options.modules !== undefined && !(options.modules instanceof ModuleRegistry))
      throw new TypeError("LoadOptions.modules is a ModuleRegistry: pass builtInModules() with your modules registered, not a list of names");
    // The built-in modules import zod (~55 ms): only a database that names a module pays for them.
    const registry = options.modules ?? (db.modules().length ? (await import("./modules/built-in.js")).builtInModules() : new ModuleRegistry());
    return new Engine(db, trust, registry, bindModules(db, registry));
  }

  get info(): DatabaseInfo {
    return this.db.info;
  }

  /** The stencils shipped in the database, by name. */
  get stencils(): readonly Stencil[] {
    return this.db.stencils();
  }

  /**
   * Resolve the control layers once: the stencil chosen, the user's INI control, the debug switch.
   * Throws `PolicyError` for a stencil the database does not have; see `policy.warnings`.
   */
  policy(options: PolicyOptions = {}): Policy {
    return new Policy(this.db, { ...options, modules: options.modules ?? this.modules.list().filter((m) => m.process).map((m) => m.name) });
  }

  /** What is done with one detection, and why (a trace through the five layers). */
  decide(detection: DetectionRef, context: DecisionContext = {}, policy: Policy = this.policy()): Decision {
    return policy.decide(detection, context);
  }

  /**
   * Scan, decide every finding through the layers, and with `kill` carry the decisions out in
   * memory (the input is never modified): see `ProcessResult.disposition` and `output`.
   */
  process(bytes: Uint8Array, options: ProcessOptions = {}): ProcessResult {
    return processObject(this, bytes, options);
  }

  /**
   * A scanner for one stream fed in chunks (`write`, then `end`), holding at most
   * `retainedBound` bytes whatever the stream's length: type 3/4 records of the stream itself,
   * "infected" as soon as one is proven; type 1/2 records, and the members of a container, only
   * when the stream was short enough to be kept whole. See stream-scanner.ts.
   */
  streamScanner(options: StreamScanOptions = {}): StreamScanner {
    // Type 1/2 records and containers need the whole object: they go through `scan` when the stream was kept whole.
    return new StreamScanner(this.db, options, (bytes, o) => this.scan(bytes, o));
  }

  /**
   * Scan an object and, unless switched off, everything inside it: archive members and mail
   * attachments, recursively, within the limits. Never throws on malformed input.
   */
  scan(bytes: Uint8Array, options: ScanOptions = {}): ScanResult {
    const budget = new Budget({ ...DEFAULT_LIMITS, ...options.limits });
    const out: ScanResult = {
      infected: false,
      verdict: "clean",
      detections: [],
      limits: [],
      skipped: [],
      types: [],
      warnings: [],
      objects: 0,
      stats: { candidates: 0, crcs: 0, crcBytes: 0 },
    };
    const state = { stop: false };
    this.scanTree(bytes, options.name, [], 0, options, budget, out, state);
    out.infected = out.detections.length > 0;
    out.verdict = out.infected ? "infected" : out.limits.length ? "suspicious" : out.skipped.length ? "incomplete" : "clean";
    return out;
  }

  private scanTree(
    bytes: Uint8Array,
    name: string | undefined,
    path: string[],
    depth: number,
    options: ScanOptions,
    budget: Budget,
    out: ScanResult,
    state: { stop: boolean },
  ): void {
    const own = this.scanObject(bytes, name, path, !!options.firstOnly, options.profile, budget.limits);
    out.objects++;
    if (depth === 0) out.types = own.types;
    out.stats.candidates += own.stats.candidates;
    out.stats.crcs += own.stats.crcs;
    out.stats.crcBytes += own.stats.crcBytes;
    for (const w of own.warnings) out.warnings.push({ ...w, path });
    out.detections.push(...own.detections);
    options.receiver?.enter?.(path, own.types, bytes);
    if (own.detections.length && options.firstOnly) state.stop = true;
    const extract = state.stop ? undefined : containerOf((t) => own.types.includes(t), bytes, options)?.extract;
    if (extract) {
      if (depth >= budget.limits.maxDepth) {
        out.limits.push({ path, kind: "depth", name: LIMIT_NAMES.depth, message: `containers nested deeper than ${budget.limits.maxDepth}` });
      } else {
        const ctx: ExtractContext = {
          budget,
          warn: (code, message) => out.warnings.push({ code, message, path }),
          skip: (member, reason) => out.skipped.push({ path: [...path, member], reason }),
        };
        try {
          for (const m of extract(bytes, name ?? "", ctx)) {
            this.scanTree(m.bytes, m.name, [...path, m.name], depth + 1, options, budget, out, state);
            if (state.stop) break;
          }
        } catch (err) {
          if (!(err instanceof LimitReached)) throw err;
          out.limits.push({ path, kind: err.kind, name: LIMIT_NAMES[err.kind], message: err.message });
          // Size, file-count and time budgets are for the whole top object: nothing more can be opened.
          if (err.kind === "scan-size" || err.kind === "files" || err.kind === "time") state.stop = true;
        }
      }
    }
    options.receiver?.leave?.(path, own.detections.length);
  }

  /** Signature scan of one object (no recursion). */
  private scanObject(bytes: Uint8Array, name: string | undefined, path: string[], firstOnly: boolean, profile: ScanProfile | undefined, limits: ScanLimits = DEFAULT_LIMITS): { types: FileTypeName[]; detections: Detection[]; warnings: ObjectWarning[]; stats: ScanStats } {
    const db = this.db;
    const v = db.view;
    const size = bytes.length;
    const warnings: ObjectWarning[] = [];
    const anchors = this.anchors;
    const types = analyzeObjectInto(bytes, name, anchors, warnings);
    const stats: ScanStats = { candidates: 0, crcs: 0, crcBytes: 0 };
    const detections: Detection[] = [];
    this.generation++;
    // Passes over the probes: the words they read, then the filter, then the index. The
    // filter's reads do not depend on each other, so a pass of them alone lets the CPU wait for
    // many at once; with a million records they are what a scan spends most on.
    const probeKey = this.probeKey;
    const probePos = this.probePos;
    const rowW = this.rowWords;
    const probeProbe = this.probeProbe;
    let n = 0;
    for (let p = 0; p < db.probeCount; p++) {
      const a = anchors[this.probeAnchor[p]];
      const pos = a + this.probeAt[p];
      if (a < 0 || pos < 0 || pos + 2 > size) continue;
      probeKey[n] = ((p << 16) | bytes[pos] | (bytes[pos + 1] << 8)) >>> 0;
      probePos[n++] = pos;
    }
    const keys = this.keys;
    let warm = 0;
    let found = 0; // from here probeKey[i] holds the number of the key found, not the key
    const table = this.generation > 1 ? (this.keyTable ??= db.keyTable()) : undefined;
    let passed = n;
    if (table) {
      passed = filterKeyList(table, probeKey, probePos, n);
      // The index in passes too: each probe's first slot in the key table, the lookups, then each
      // key's first row. With a million records the table and rows are far out of cache: reads
      // that do not wait on each other are in flight together, and the later passes find them cached.
      const { slots, seed, shift: slotShift } = table;
      for (let i = 0; i < passed; i++) warm += slots[2 * keySlot(probeKey[i], seed, slotShift)];
    }
    for (let i = 0; i < passed; i++) {
      const k = table ? keyNumber(table, probeKey[i]) : searchKey(keys, db.keyCount, probeKey[i]);
      if (k < 0) continue;
      probeProbe[found] = probeKey[i] >>> 16;
      probeKey[found] = k;
      probePos[found++] = probePos[i];
    }
    for (let i = 0; i < found; i++) warm += rowW[rowWord(keys[2 * probeKey[i] + 1])];
    this.warm = warm;
    probes: for (let i = 0; i < found; i++) {
      const k = probeKey[i];
      const pos = probePos[i];
      const anchor = this.probeAnchor[probeProbe[i]];
      const a = anchors[anchor];
      // Rows are stored in index order: a key's candidates are the rows up to the next key's first.
      const start = keys[2 * k + 1];
      const end = keys[2 * k + 3];
      stats.candidates += end - start;
      if (profile) for (let row = start; row < end; row++) profile.candidates[row]++;
      // A key's rows are sorted by check window (a record's lower-numbered window, see
      // L.checkIsWindow2: windows are numbered by how many records use them, so it is the one
      // most likely hashed for this object already), then its CRC. Rows sharing a check window
      // are a group: the window is hashed once and only the rows with its CRC are looked at.
      for (let row = start; row < end; ) {
        const check = checkWindowOf(rowW, row);
        let next = row + 1;
        let from = row;
        let groupCrc = OUTSIDE;
        const grouped = next < end && checkWindowOf(rowW, next) === check;
        if (grouped) {
          const t0 = profile ? performance.now() : 0;
          const crcs0 = stats.crcs;
          next = groupEnd(rowW, next, end);
          groupCrc = this.windowCrc(check, bytes, stats);
          from = groupCrc === OUTSIDE ? next : firstWithCheckCrc(rowW, groupCrc, row, next);
          if (profile) {
            profile.crcs[row] += stats.crcs - crcs0;
            profile.ms[row] += performance.now() - t0;
          }
        }
        for (let r = from; r < next; r++) {
          const rw = rowWord(r);
          const second = L.checkIsWindow2(rowW[rw + L.W_WIN1], rowW[rw + L.W_WIN2]);
          const ca = rowW[rw + (second ? L.W_CRC2 : L.W_CRC1)]; // the check window's CRC
          const wb = rowW[rw + (second ? L.W_WIN1 : L.W_WIN2)]; // the other window
          const cb = rowW[rw + (second ? L.W_CRC1 : L.W_CRC2)];
          if (grouped && ca !== groupCrc) break; // past the group's rows with its CRC
          const t0 = profile ? performance.now() : 0;
          const crcs0 = stats.crcs;
          const ft = this.filetypes[rowW[rw + L.W_SHAPE]];
          const hit =
            (ft === 0 || (ft & types) !== 0) &&
            // The other window already hashed for this object and wrong: no need to hash the check window.
            this.knownCrc(wb, cb) &&
            this.windowCrc(check, bytes, stats) === ca &&
            this.windowCrc(wb, bytes, stats) === cb;
          if (profile) {
            profile.crcs[r] += stats.crcs - crcs0;
            profile.ms[r] += performance.now() - t0;
          }
          if (!hit) continue;
          const ro = db.rowOffset(r);
          const id = v.getUint32(ro + L.R_ID, true);
          db.noteDetected(id, r);
          detections.push({
            id,
            rev: v.getUint16(ro + L.R_REV, true),
            name: db.recordName(r),
            type: db.recordType(r),
            category: db.recordCategory(r),
            anchor: ANCHOR_NAMES[anchor],
            offset: pos,
            anchorOffset: a,
            path,
          });
          if (firstOnly) break probes;
        }
        row = next;
      }
    }
    if (this.bound.detectors.length && !(firstOnly && detections.length))
      this.detectWithModules(bytes, name, fileTypeNames(types), path, firstOnly, profile, limits, detections, warnings, stats);
    detections.sort((x, y) => x.id - y.id);
    return { detections, types: fileTypeNames(types), warnings, stats };
  }

  /**
   * Record types 1 and 2: every live one's module looks at the object (there is no index to pick
   * candidates: a module decides for itself, within its budget). Whatever a module throws, or a
   * budget it runs out of, becomes a warning naming it; the scan goes on without that record.
   */
  private detectWithModules(
    bytes: Uint8Array,
    name: string | undefined,
    types: FileTypeName[],
    path: string[],
    firstOnly: boolean,
    profile: ScanProfile | undefined,
    limits: ScanLimits,
    detections: Detection[],
    warnings: ObjectWarning[],
    stats: ScanStats,
  ): void {
    const anchors = Int32Array.from(this.anchors); // a module must not see or change the engine's scratch
    for (const b of this.bound.detectors) {
      const t0 = profile ? performance.now() : 0;
      const call = new ModuleCall(bytes, name, types, anchors, limits, b.record);
      let match: ModuleMatch | undefined;
      stats.candidates++; // a module call is its record's candidate check
      try {
        match = b.module.detect!(call, b.args, call) ?? undefined;
      } catch (err) {
        const code = err instanceof ModuleLimitReached ? "MODULE_LIMIT" : "MODULE_ERROR";
        warnings.push({ code, message: `${describeModuleFailure(b.module, b.record, err)}; it was stopped and the object scanned without it` });
      }
      if (profile) {
        profile.candidates[b.row]++;
        profile.ms[b.row] += performance.now() - t0;
      }
      if (!match) continue;
      const anchor = match.anchor ?? "start";
      const anchorOffset = Object.hasOwn(Anchor, anchor) ? anchors[Anchor[anchor]] : -1;
      if (!Number.isInteger(match.at) || match.at < 0 || match.at >= bytes.length || anchorOffset < 0) {
        warnings.push({ code: "MODULE_ERROR", message: `module ${b.module.name} ${b.module.version} (record ${b.record}) reported a place the object does not have (at ${match.at}, anchor ${anchor}); ignored` });
        continue;
      }
      const rec = this.db.record(b.row);
      this.db.noteDetected(rec.id, b.row);
      detections.push({ id: rec.id, rev: rec.rev, name: rec.name, type: rec.type, category: rec.category, anchor, offset: match.at, anchorOffset, path });
      if (firstOnly) return;
    }
  }

  /**
   * Clean an object in memory: scan, run the detected record's script on a copy, scan the result,
   * and repeat while something is still found (an object may carry several infections). The input
   * is never modified. The result is "cleaned" only when the output scans clean and its structure
   * is no worse than the input's (no new header warnings).
   */
  clean(bytes: Uint8Array, options: CleanOptions = {}): CleanResult {
    const maxOutput = options.maxOutput ?? bytes.length * 2 + 65536;
    const first = this.scan(bytes, { name: options.name, archives: false, mail: false, limits: options.limits });
    const steps: CleanStep[] = [];
    if (!first.infected) {
      const full = this.scan(bytes, { name: options.name, limits: options.limits });
      return full.verdict === "clean" ? { status: "clean", detections: [], steps } : this.cleanPackage(bytes, options, full);
    }
    const refuse = (reason: string, code: CleanResultCode): CleanResult => ({ status: "failed", detections: first.detections, steps, reason, code });
    const keep = options.only ?? (() => true);
    let current = bytes;
    let scan = first;
    for (let round = 0; scan.detections.some(keep); round++) {
      if (round === MAX_CLEAN_ROUNDS)
        return refuse(`still detected as ${scan.detections.map((d) => d.name).join(", ")} after ${MAX_CLEAN_ROUNDS} cleaning rounds`, "STILL_INFECTED");
      // Infections stack: the outermost one must go first, and only its script will fit. Try each
      // detection in turn; the first whose result is sound wins the round.
      let failure: { reason: string; code: CleanResultCode } | undefined;
      let next: { output: Uint8Array; scan: ScanResult } | undefined;
      for (const d of scan.detections) {
        if (!keep(d)) continue;
        const outcome = this.cleanDetection(d, current, options, maxOutput);
        if ("error" in outcome) {
          steps.push({ record: d.name, id: d.id, action: outcome.action, ...(outcome.action === "none" ? {} : { error: outcome.error }) });
          failure ??= { reason: outcome.reason, code: outcome.error };
          continue;
        }
        if (outcome.removed) {
          steps.push({ record: d.name, id: d.id, action: "remove" });
          return { status: "removed", detections: first.detections, steps };
        }
        const before = new Set(scan.warnings.map((w) => w.code));
        const after = this.scan(outcome.output, { name: options.name, archives: false, mail: false, limits: options.limits });
        const damage = after.warnings.filter((w) => !before.has(w.code));
        if (damage.length) {
          steps.push({ record: d.name, id: d.id, action: outcome.action, error: "DAMAGED_RESULT" });
          failure ??= {
            reason: `cleaning ${d.name} would leave a damaged file (${damage.map((w) => `${w.code}: ${w.message}`).join("; ")}); the stored original data is probably corrupt`,
            code: "DAMAGED_RESULT",
          };
          continue;
        }
        if (after.detections.some((x) => x.id === d.id && x.anchorOffset === d.anchorOffset)) {
          steps.push({ record: d.name, id: d.id, action: outcome.action, error: "STILL_INFECTED" });
          failure ??= { reason: `${d.name} is still detected at the same place after its ${outcome.action} ran`, code: "STILL_INFECTED" };
          continue;
        }
        steps.push({ record: d.name, id: d.id, action: outcome.action });
        next = { output: outcome.output, scan: after };
        break;
      }
      if (!next) {
        const f = failure!;
        return f.code === "NO_SCRIPT" && steps.every((s) => s.action === "none")
          ? { status: "no-action", detections: first.detections, steps, reason: f.reason, code: f.code }
          : refuse(f.reason, f.code);
      }
      current = next.output;
      scan = next.scan;
    }
    return { status: "cleaned", detections: first.detections, steps, output: current };
  }

  /**
   * One detection's cleaning on `current`: the record's processing module first (when it names one
   * that processes), then its script on the module's output (when it has one). With neither, there
   * is nothing to run (NO_SCRIPT: the caller's fallback applies).
   */
  private cleanDetection(
    d: Detection,
    current: Uint8Array,
    options: CleanOptions,
    maxOutput: number,
  ): { removed: true } | { removed: false; output: Uint8Array; action: "script" | "module" } | { error: CleanResultCode; reason: string; action: "none" | "script" | "module" } {
    const row = this.db.findRow(d.id);
    const script = this.db.script(row);
    const bound = this.bound.byRow.get(row);
    const processor = bound?.module.process ? bound : undefined;
    if (!script && !processor)
      return { error: "NO_SCRIPT", action: "none", reason: `${d.name} has no cleaning script${bound ? ` and its module ${bound.module.name} does not clean` : ""}` };
    let input = current;
    if (processor) {
      const m = processor.module;
      const anchors = new Int32Array(ANCHOR_NAMES.length);
      const types = fileTypeNames(analyzeObjectInto(current, options.name, anchors, []));
      const found = { anchor: d.anchor, anchorOffset: d.anchorOffset, offset: d.offset };
      const call = new ModuleCall(current, options.name, types, anchors, { ...DEFAULT_LIMITS, ...options.limits }, processor.record, found);
      let r;
      try {
        r = m.process!(call, processor.args, call);
      } catch (err) {
        return { error: "MODULE_FAILED", action: "module", reason: `cleaning ${d.name} failed: ${describeModuleFailure(m, processor.record, err)}` };
      }
      // A module is foreign code: its answer is checked, never trusted to have the right shape.
      const answer = typeof r === "object" && r !== null ? r : undefined;
      if (answer && "remove" in answer && answer.remove === true) return { removed: true };
      if (answer && "refuse" in answer) return { error: "MODULE_REFUSED", action: "module", reason: `cleaning ${d.name} refused by module ${m.name}: ${String(answer.refuse)}` };
      if (!answer || !("output" in answer) || !(answer.output instanceof Uint8Array))
        return { error: "MODULE_FAILED", action: "module", reason: `cleaning ${d.name} failed: module ${m.name} ${m.version} returned neither output, remove nor refuse` };
      if (answer.output.length > maxOutput)
        return { error: "OUTPUT_TOO_LARGE", action: "module", reason: `cleaning ${d.name} failed: module ${m.name} made ${answer.output.length} bytes, more than the ${maxOutput} allowed` };
      // The output must be the module's own bytes, never a view of the object it was given.
      const output = answer.output.buffer === current.buffer ? new Uint8Array(answer.output) : answer.output;
      if (!script) return { removed: false, output, action: "module" };
      input = output;
    }
    let outcome: ScriptOutcome;
    try {
      outcome = runScript(script!, input, { anchor: d.anchorOffset, code: d.offset, entry: this.entryOf(input, options.name) }, { maxOutput });
    } catch (err) {
      if (!(err instanceof CleanError)) throw err;
      return { error: err.code, action: "script", reason: `cleaning ${d.name} failed: ${err.message}` };
    }
    return outcome.removed ? outcome : { removed: false, output: outcome.output, action: processor ? "module" : "script" };
  }

  /**
   * Clean inside a package: members that carry something are cleaned (or removed) and the package
   * rebuilt with every other member byte-identical. A record that spreads as packages (sfx,
   * archive-spreader) makes the package itself the threat.
   */
  private cleanPackage(bytes: Uint8Array, options: CleanOptions, full: ScanResult): CleanResult {
    const steps: CleanStep[] = [];
    const detections = full.detections;
    const noAction = (reason: string, code: CleanResultCode): CleanResult => ({ status: "no-action", detections, steps, reason, code });
    if (full.limits.length)
      return noAction(`not fully scanned (${full.limits.map((l) => `${l.name} at ${l.path.join("/") || "top"}`).join("; ")}); it cannot be cleaned`, "NOT_FULLY_SCANNED");
    for (const d of detections) {
      const attrs = this.db.record(this.db.findRow(d.id)).attributes;
      if (attrs.includes("sfx") || attrs.includes("archive-spreader")) {
        steps.push({ record: d.name, id: d.id, action: "remove" });
        return { status: "removed", detections, steps, reason: `${d.name} spreads as packages: the whole package is the threat` };
      }
    }
    const pkg = this.openPackage(bytes, full.types, options.name ?? "");
    if (typeof pkg === "string") {
      const where = detections.map((d) => d.path.join("/")).join(", ");
      return noAction(`found inside ${where}; ${pkg}`, "PACKAGE_NOT_SUPPORTED");
    }
    const changes = new Map<number, MemberChange>();
    const members: NonNullable<CleanResult["members"]> = [];
    for (const [i, m] of pkg.members.entries()) {
      const data = m.read();
      if (typeof data === "string") continue;
      const r = this.clean(data, { name: m.name, maxOutput: options.maxOutput });
      steps.push(...r.steps.map((s) => ({ ...s, record: `${m.name}: ${s.record}` })));
      if (r.status === "clean") continue;
      if (r.status === "cleaned") {
        changes.set(i, { kind: "replace", bytes: r.output! });
        members.push({ path: [m.name], action: "cleaned" });
        for (const sub of r.members ?? []) members.push({ path: [m.name, ...sub.path], action: sub.action });
      } else if (r.status === "removed") {
        changes.set(i, { kind: "drop" });
        members.push({ path: [m.name], action: "removed" });
      } else return { status: "failed", detections, steps, reason: `member ${m.name}: ${r.reason}`, code: "MEMBER_NOT_CLEANED" };
    }
    // A single-stream package (gzip) whose content is removed is itself removed.
    if (pkg.members.length === 1 && changes.get(0)?.kind === "drop" && !pkg.canDrop)
      return { status: "removed", detections, steps, members, reason: `its only content ${pkg.members[0].name} is the threat` };
    let output: Uint8Array;
    try {
      output = pkg.rebuild(changes);
    } catch (err) {
      if (!(err instanceof ZipRewriteError)) throw err;
      return noAction(err.message, "PACKAGE_NOT_SUPPORTED");
    }
    const after = this.scan(output, { name: options.name });
    if (after.verdict !== "clean")
      return { status: "failed", detections, steps, reason: `the rebuilt package still scans ${after.verdict}`, code: "STILL_INFECTED" };
    return { status: "cleaned", detections, steps, output, members };
  }

  /**
   * @internal The members of a package this engine can rebuild, or why it cannot. E-mail is
   * rewritten only when a policy asks (`process`, `withMail`): whether an attachment is stripped or
   * the message discarded is the stencil's decision, not the record's.
   */
  openPackage(
    bytes: Uint8Array,
    types: FileTypeName[],
    name: string,
    withMail = false,
  ): string | { members: { name: string; read(): Uint8Array | string }[]; rebuild(changes: ReadonlyMap<number, MemberChange>): Uint8Array; canDrop: boolean } {
    const budget = new Budget({ ...DEFAULT_LIMITS });
    if (types.includes("tar")) {
      const entries = tarEntries(bytes);
      return {
        members: entries.map((e) => ({ name: e.name, read: () => bytes.subarray(e.data, e.data + e.size) })),
        rebuild: (changes) => rewriteTar(bytes, changes),
        canDrop: true,
      };
    }
    if (types.includes("gzip")) {
      const member = [...gzipMembers(bytes, name, { budget, warn: () => {}, skip: () => {} })][0];
      if (!member) return "the gzip data is corrupt";
      const fname = (bytes[3] & 8) !== 0;
      const mtime = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24);
      return {
        members: [{ name: member.name, read: () => member.bytes }],
        // Recompressed: the content is exact, the compressed bytes are fflate's.
        rebuild: (changes) => {
          const c = changes.get(0);
          return c?.kind === "replace" ? gzipSync(c.bytes, { level: 9, mtime: mtime >>> 0, ...(fname ? { filename: member.name } : {}) }) : bytes;
        },
        canDrop: false,
      };
    }
    if (types.includes("bzip2")) return "cleaning inside bzip2 files is not supported (no bzip2 compressor in the engine)";
    if (types.includes("zip")) {
      let dir;
      try {
        dir = readZipDirectory(bytes);
      } catch (err) {
        return `the archive cannot be rebuilt: ${(err as Error).message}`;
      }
      return {
        members: dir.entries.map((e) => ({ name: e.name, read: () => readZipMember(bytes, e, budget) })),
        rebuild: (changes) => rewriteZip(bytes, changes),
        canDrop: true,
      };
    }
    if (withMail && types.includes("mail")) {
      const members = mailPlaces(bytes);
      return { members: members.map((m) => ({ name: m.name, read: () => m.bytes })), rebuild: (changes) => rewriteMail(bytes, changes), canDrop: true };
    }
    return `cleaning inside ${types.join("+") || "this kind of"} files is not supported yet`;
  }

  private entryOf(bytes: Uint8Array, name: string | undefined): number {
    const anchors = new Int32Array(ANCHOR_NAMES.length);
    analyzeObjectInto(bytes, name, anchors, []);
    return anchors[2];
  }

  /** False when window `w`'s CRC in this object is known and is not `crc`; true when it is `crc` or not known yet. */
  private knownCrc(w: number, crc: number): boolean {
    const slot = 3 * (w & (RECENT - 1));
    const recent = this.recent;
    return !(recent[slot] === w && recent[slot + 1] === this.generation && recent[slot + 2] !== crc);
  }

  /** CRC of window `w` in this object (`anchors` and `generation` are the current object's), hashed at most once per object. */
  private windowCrc(w: number, bytes: Uint8Array, stats: ScanStats): number {
    const recent = this.recent;
    const memo = this.windowMemo;
    const gen = this.generation;
    const slot = 3 * (w & (RECENT - 1));
    if (recent[slot + 1] === gen) {
      if (recent[slot] === w) return recent[slot + 2];
      // Another window of this object holds the slot: it moves to the memo.
      memo[2 * recent[slot]] = gen;
      memo[2 * recent[slot] + 1] = recent[slot + 2];
      this.spilled = gen;
    }
    let crc = OUTSIDE;
    if (this.spilled === gen && memo[2 * w] === gen) crc = memo[2 * w + 1];
    else {
      const ww = this.winWords;
      const shape = ww[w * L.WIN_WORDS];
      const a = this.anchors[shape & 0xff];
      const pos = a + (ww[w * L.WIN_WORDS + 1] | 0);
      const len = shape >>> 8;
      if (a >= 0 && pos >= 0 && pos + len <= bytes.length) {
        crc = crc32(bytes, pos, pos + len);
        stats.crcs++;
        stats.crcBytes += len;
      }
    }
    recent[slot] = w;
    recent[slot + 1] = gen;
    recent[slot + 2] = crc;
    return crc;
  }
}
