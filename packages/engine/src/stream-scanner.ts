/**
 * The stream scanner: type 3/4 detection over a stream fed in chunks (a download passing a proxy,
 * a file crossing a firewall), with memory bounded by what the database needs, not by the stream.
 *
 *   const s = engine.streamScanner({ name: "setup.exe" });
 *   for await (const chunk of body) if (s.write(chunk)) return block();   // infected: stop early
 *   const result = s.end();                                              // the final verdict
 *
 * What it keeps (`retainedBound`, fixed per database):
 *   - the head: the first max(64 KiB, largest start-anchored extent) bytes. Start-anchored records
 *     are decided from it as soon as their bytes have arrived; it also serves type recognition
 *     (MZ/NE/PE/COM headers, text, tar, ...) and COM files whole (at most 0xFF00 bytes);
 *   - the tail: the last max(65,557, largest end-anchored extent) bytes, a ring buffer; end-anchored
 *     records and the zip end record are checked on `end()`;
 *   - the entry region: once the MZ/NE/PE header has arrived the entry point is known, and the bytes
 *     entry-anchored records read around it, [entry + lo, entry + hi), are copied as they pass;
 *   - 4 bytes at an MZ e_lfanew that points past the head (old DOS programs carry garbage there):
 *     without a PE/NE signature the object is a plain DOS executable, whose header the head holds.
 *
 * The verdict "infected" comes from `write` as soon as one record is proven (its anchor, its first
 * word, both windows and, for type 4, the file-type flags it needs are final); `end()` gives the
 * result in the shape of `Engine.scan`'s, with the same type 3/4 detections of the top object.
 *
 * What needs the whole object is done on `end()` when the whole stream fit in the head, through
 * `Engine.scan`: type 1/2 records (detection modules), and containers `Engine.scan` would open
 * (archive members and attachments, within its limits: a stream like an e-mail attachment or a
 * small zip download gets the verdict a file would). On a longer stream they are listed in
 * `skipped` as not run or not unpacked. A header that points past the kept head (an MZ e_lfanew
 * beyond it) leaves the type and entry point unknown: the records that needed them are listed as
 * not checked. In every such case the verdict is "incomplete", never "clean". No receiver or
 * profile.
 *
 * A source of known length that can be read in any order (a file) need not pass whole:
 * `nextNeeded(total)` names the next position the records need bytes from and `skipTo` passes
 * over what lies before it, so only the head, the entry region, the far signature and the tail
 * are read, for the result writing every byte gives.
 *
 * The database is read only through Database's stream scanner accessors (from-binary.ts).
 */
import { containerOf } from "./containers/choose.js";
import { crc32 } from "./crc32.js";
import type { Detection, LimitHit, PathWarning, ScanOptions, ScanResult, ScanStats } from "./engine.js";
import {
  ANCHOR_NAMES,
  Anchor,
  FILE_TYPE_NAMES,
  FileType,
  STREAM_HEAD_MIN,
  analyzeHeadInto,
  analyzeObjectInto,
  fileTypeNames,
  headerExtent,
  type FileTypeName,
  type ObjectWarning,
} from "./file-type.js";
import type { Database } from "./from-binary.js";

/**
 * As for `Engine.scan`. `archives`, `packed`, `mail` and `mailboxes` say which containers are
 * opened when the whole stream fit in the head (else the result lists them in `skipped`).
 */
export type StreamScanOptions = Pick<ScanOptions, "name" | "firstOnly" | "archives" | "packed" | "mail" | "mailboxes">;

/** An early verdict: a record was proven before the stream ended. */
export interface StreamVerdict {
  verdict: "infected";
  /** Detections so far, by id. */
  detections: readonly Detection[];
  /** Bytes written when the first detection was proven. */
  at: number;
}

export interface StreamInfo {
  /** Bytes the stream carried. */
  bytes: number;
  /** Most bytes held at once (head, tail ring, entry region). */
  retainedBytes: number;
  /** What the database allows the scanner to hold; `retainedBytes` never exceeds it. */
  retainedBound: number;
  /** Bytes written when "infected" was first known; absent when not infected. */
  infectedAt?: number;
}

/**
 * `Engine.scan`'s result for the stream (its members too, when the whole stream was kept and is a
 * container), plus the stream's figures.
 */
export interface StreamScanResult extends ScanResult {
  /**
   * clean: every record was checked and none matched; incomplete: see `skipped`; suspicious: a
   * limit was hit inside a container the stream held (see `limits`).
   */
  stream: StreamInfo;
}

/** The per-database layout of what a stream scanner keeps, computed once per database. */
interface StreamPlan {
  headCap: number;
  tailCap: number;
  /** Offsets from each anchor that its probes and windows touch: [lo, hi). */
  lo: Int32Array;
  hi: Int32Array;
  used: boolean[];
  entrySpan: number;
  bound: number;
  /** Per anchor: probe indices and their offsets, sorted by offset. */
  probes: Int32Array[];
  ats: Int32Array[];
}

/** The zip end record lies in the last 65,557 bytes (22-byte record + 65,535-byte comment). */
const ZIP_TAIL = 65_557;
/** Bytes of a PE/NE signature read at e_lfanew. */
const FAR_SIGNATURE = 4;
const TEXT_WINDOW = 4096;
const COM_MAX_SIZE = 0xff00;
const MZ_BITS = FileType.mz | FileType.ne | FileType.pe32 | FileType.pe64;
const SMALL_BITS = FileType.text | FileType.mail | FileType.gzip | FileType.tar | FileType.bzip2;
const ALL_BITS = (1 << FILE_TYPE_NAMES.length) - 1;
const A_START = Anchor.start;
const A_END = Anchor.end;
const A_ENTRY = Anchor.entry;
const UNKNOWN = -2;
const OUTSIDE = -1;
const WAIT = -2;
const MISS = 0;
const HIT = 1;
const OPTION_KEYS = new Set(["name", "firstOnly", "archives", "packed", "mail", "mailboxes"]);

const plans = new WeakMap<Database, StreamPlan>();

function planFor(db: Database): StreamPlan {
  let plan = plans.get(db);
  if (plan) return plan;
  const ext = db.anchorExtents();
  const n = ANCHOR_NAMES.length;
  const lo = Int32Array.from(ext, (e) => e.lo);
  const hi = Int32Array.from(ext, (e) => e.hi);
  const used = ext.map((e) => e.used);
  const headCap = Math.max(STREAM_HEAD_MIN, hi[A_START]);
  const tailCap = Math.max(ZIP_TAIL, -lo[A_END]);
  const entrySpan = used[A_ENTRY] ? hi[A_ENTRY] - lo[A_ENTRY] : 0;
  const byAnchor: { p: number; at: number }[][] = Array.from({ length: n }, () => []);
  for (let p = 0; p < db.probeCount; p++) {
    const { anchor, at } = db.probeAt(p);
    byAnchor[anchor].push({ p, at });
  }
  for (const list of byAnchor) list.sort((x, y) => x.at - y.at || x.p - y.p);
  plan = {
    headCap,
    tailCap,
    lo,
    hi,
    used,
    entrySpan,
    bound: headCap + tailCap + entrySpan + FAR_SIGNATURE,
    probes: byAnchor.map((l) => Int32Array.from(l, (x) => x.p)),
    ats: byAnchor.map((l) => Int32Array.from(l, (x) => x.at)),
  };
  plans.set(db, plan);
  return plan;
}

function checkOptions(options: StreamScanOptions): void {
  if (options === null || typeof options !== "object") throw new TypeError("streamScanner: options must be an object");
  for (const k of Object.keys(options))
    if (!OPTION_KEYS.has(k))
      throw new TypeError(`streamScanner: unknown option "${k}" (known: ${[...OPTION_KEYS].join(", ")}; limits, receiver and profile do not apply to streams)`);
  if (options.name !== undefined && typeof options.name !== "string") throw new TypeError("streamScanner: name must be a string");
  for (const k of ["firstOnly", "archives", "packed", "mail", "mailboxes"] as const)
    if (options[k] !== undefined && typeof options[k] !== "boolean") throw new TypeError(`streamScanner: ${k} must be a boolean`);
}

/**
 * One stream, written in chunks and ended once. Not reusable; make one per stream
 * (`Engine.streamScanner`). Chunks are copied as needed: the caller may reuse its buffers.
 */
export class StreamScanner {
  private readonly plan: StreamPlan;
  private readonly name: string | undefined;
  private readonly firstOnly: boolean;
  private head = new Uint8Array(0);
  private received = 0;
  private ring: Uint8Array | undefined;
  private ringPos = 0;
  private ringFill = 0;
  private region: Uint8Array | undefined;
  private regionBase = 0;
  /** An MZ e_lfanew past the head: the 4 signature bytes there, caught as they pass (no PE/NE signature: a plain DOS header). */
  private far = -1;
  private farSig: Uint8Array | undefined;
  /** undefined while the far signature is not in; then whether it is a PE/NE one (whose header the head lacks). */
  private farHeader: boolean | undefined;
  private ended = false;
  /** The end of the last `skipTo` gap: the tail ring holds only bytes after it. */
  private skippedTo = 0;
  /** Per anchor: its position in the stream, NO_ANCHOR (-1) when the object has none, UNKNOWN while not known. */
  private readonly apos = new Float64Array(ANCHOR_NAMES.length).fill(UNKNOWN);
  /** Per anchor: the buffer its probes and windows are read from, and the stream position of its byte 0. */
  private readonly src: (Uint8Array | undefined)[] = ANCHOR_NAMES.map(() => undefined);
  private readonly srcBase = new Float64Array(ANCHOR_NAMES.length);
  private readonly cursor = new Int32Array(ANCHOR_NAMES.length);
  /** File-type flags known to be set / known at all (the others may still change). */
  private yes = 0;
  private known = 0;
  private mzDone = false;
  private smallDone = false;
  private typesChanged = false;
  /**
   * Candidates waiting for bytes or types: (first row, end row, anchor, word position) quadruples,
   * each a run of one key's rows: the whole key, one group, or one row (see `decideRun`).
   * `waiting` takes what still waits on each evaluation, then the two swap.
   */
  private pending: number[] = [];
  private waiting: number[] = [];
  private readonly crcs = new Map<number, number>();
  /** Scratch of the database accessors: [first row, end row], [window, group end], [window, CRC]. */
  private readonly run = new Uint32Array(2);
  private readonly group = new Uint32Array(2);
  private readonly other = new Uint32Array(2);
  private wake = 0;
  private needBytes = Infinity;
  private readonly found: Detection[] = [];
  private readonly stats: ScanStats = { candidates: 0, crcs: 0, crcBytes: 0 };
  private stopped = false;
  private infectedAt: number | undefined;
  private peak = 0;
  private early: StreamVerdict | undefined;
  private result: StreamScanResult | undefined;

  /**
   * @internal Use `Engine.streamScanner`. `wholeScan` is Engine.scan: type 1/2 records and
   * containers go through it when the stream was kept whole.
   */
  constructor(
    private readonly db: Database,
    private readonly options: StreamScanOptions = {},
    private readonly wholeScan?: (bytes: Uint8Array, options: ScanOptions) => ScanResult,
  ) {
    checkOptions(options);
    this.plan = planFor(db);
    this.name = options.name;
    this.firstOnly = !!options.firstOnly;
    this.apos[A_START] = 0;
    this.src[A_START] = this.head;
  }

  /** The stream position: bytes written so far, and passed over with `skipTo`. */
  get bytesWritten(): number {
    return this.received;
  }

  /**
   * For a stream whose length is known and whose bytes can be read in any order (a file, a
   * download with range requests): the next position whose bytes the records need, at or after
   * `bytesWritten` (which it returns while it needs the bytes at hand), or `total` when the scanner
   * needs no more. Only the head, the entry region, the 4 bytes at a far e_lfanew and the last
   * `tailCap` bytes are ever needed: a reader that `skipTo`s this position and writes from there
   * gets the result writing every byte would give, whatever the length.
   */
  nextNeeded(total: number): number {
    if (!Number.isSafeInteger(total) || total < this.received) throw new RangeError(`StreamScanner.nextNeeded: total ${total} is not a length at or past the ${this.received} bytes written`);
    const r = this.received;
    if (r < this.plan.headCap) return r;
    let next = Math.max(r, total - this.plan.tailCap);
    if (this.farSig && this.farHeader === undefined && r < this.far + FAR_SIGNATURE) next = Math.min(next, Math.max(r, this.far));
    if (this.region && r < this.regionBase + this.region.length) next = Math.min(next, Math.max(r, this.regionBase));
    return Math.min(next, total);
  }

  /**
   * Pass over the bytes up to stream position `position` without writing them: only where
   * `nextNeeded` says nothing before it is needed (the head is written; no entry region or far
   * signature lies in between). The bytes after the last skip must then run to the stream's end
   * and hold its last `tailCap` bytes, or `end()` throws.
   */
  skipTo(position: number): void {
    if (this.result) throw new Error("StreamScanner.skipTo after end(): make a new scanner for the next stream");
    const r = this.received;
    if (!Number.isSafeInteger(position) || position < r) throw new RangeError(`StreamScanner.skipTo: ${position} is not a position at or past the ${r} bytes written`);
    if (position === r) return;
    const overlaps = (base: number, len: number) => base < position && r < base + len;
    if (r < this.plan.headCap) throw new Error(`StreamScanner.skipTo: the first ${this.plan.headCap} bytes (the head) must be written, not skipped`);
    if (this.region && overlaps(this.regionBase, this.region.length)) throw new Error(`StreamScanner.skipTo: bytes ${this.regionBase}-${this.regionBase + this.region.length} (the entry region) are needed`);
    if (this.farSig && this.farHeader === undefined && overlaps(this.far, FAR_SIGNATURE)) throw new Error(`StreamScanner.skipTo: bytes ${this.far}-${this.far + FAR_SIGNATURE} (the PE/NE signature) are needed`);
    this.received = position;
    // What the tail ring holds is older than the gap: only bytes written from here on are the tail.
    this.ringPos = this.ringFill = 0;
    this.skippedTo = position;
  }

  /** Bytes the scanner holds now (head, tail ring, entry region). */
  get retainedBytes(): number {
    return this.head.length + (this.ring?.length ?? 0) + (this.region?.length ?? 0) + (this.farSig?.length ?? 0);
  }

  /** The most it will ever hold with this database, whatever the stream's length. */
  get retainedBound(): number {
    return this.plan.bound;
  }

  /** "pending" until a record is proven or the stream ends. */
  get verdict(): "pending" | StreamScanResult["verdict"] {
    return this.result ? this.result.verdict : this.found.length ? "infected" : "pending";
  }

  /**
   * Feed the next bytes of the stream. Returns the verdict once a record is proven ("infected",
   * with the detections so far), undefined while nothing is proven yet.
   */
  write(chunk: Uint8Array): StreamVerdict | undefined {
    if (this.result) throw new Error("StreamScanner.write after end(): make a new scanner for the next stream");
    if (!(chunk instanceof Uint8Array)) throw new TypeError("StreamScanner.write: chunk must be a Uint8Array");
    const n = chunk.length;
    const cap = this.plan.headCap;
    let off = 0;
    if (this.received < cap && n > 0) {
      off = Math.min(n, cap - this.received);
      this.growHead(this.received + off);
      this.head.set(off === n ? chunk : chunk.subarray(0, off), this.received);
      this.capture(chunk, 0, off);
      this.received += off;
      this.refreshTypes();
    }
    if (this.farPending()) this.resolveFar();
    while (off < n) {
      // Split at the end of a far signature: the entry point it settles may lie in the same chunk.
      const stop = this.farSig && this.farHeader === undefined ? this.far + FAR_SIGNATURE - this.received + off : n;
      const to = stop > off && stop < n ? stop : n;
      this.ring ??= new Uint8Array(this.plan.tailCap);
      this.capture(chunk, off, to);
      this.toRing(chunk, off, to);
      this.received += to - off;
      off = to;
      if (this.farPending()) this.resolveFar();
    }
    if (!this.stopped && (this.typesChanged || this.received >= this.wake)) this.evaluate();
    this.peak = Math.max(this.peak, this.retainedBytes);
    return this.earlyVerdict();
  }

  /** The stream is over: check what needed its end, and return the result (the same one if called again). */
  end(): StreamScanResult {
    if (this.result) return this.result;
    const total = this.received;
    if (this.skippedTo > 0 && this.ringFill < Math.min(this.plan.tailCap, total - this.plan.headCap))
      throw new Error(`StreamScanner.end: the last ${this.plan.tailCap} bytes were not all written after skipTo(${this.skippedTo}) (see nextNeeded)`);
    this.ended = true;
    if (this.farSig && this.farHeader === undefined) this.resolveFar();
    const plan = this.plan;
    const cap = plan.headCap;
    const anchors = new Int32Array(ANCHOR_NAMES.length);
    const warnings: ObjectWarning[] = [];
    const skipped: { path: string[]; reason: string }[] = [];
    let types: number;
    let known = ALL_BITS;
    const buffers: { bytes: Uint8Array; base: number }[] = [];
    if (total <= cap) {
      const whole = this.head.subarray(0, total);
      types = analyzeObjectInto(whole, this.name, anchors, warnings);
      buffers.push({ bytes: whole, base: 0 });
    } else {
      const tail = this.linearTail();
      types = analyzeHeadInto(this.head, total, tail.bytes, this.name, anchors, warnings);
      if (headerExtent(this.head) > cap && this.farHeader !== false) {
        // The header reaches past the head: what the analysis said of it may be an artefact of the cut.
        types &= ~MZ_BITS;
        known &= ~MZ_BITS;
        anchors[A_ENTRY] = UNKNOWN;
        warnings.length = 0;
      }
      buffers.push({ bytes: this.head, base: 0 }, tail);
      if (this.region) buffers.push({ bytes: this.region, base: this.regionBase });
    }
    const provisional = this.apos[A_ENTRY];
    if (provisional >= 0 && provisional !== anchors[A_ENTRY]) {
      // Only "out of the object after all" can happen (same header bytes): its candidates cannot match.
      this.dropPending(A_ENTRY);
      this.crcs.clear();
      this.cursor[A_ENTRY] = 0;
    }
    let uncheckedAnchors = 0;
    // Stream positions are plain numbers: a stream may pass 2 GiB, where the analysis' Int32 END anchor stops.
    const finals = Float64Array.from(anchors);
    finals[A_END] = total;
    for (let a = 0; a < ANCHOR_NAMES.length; a++) {
      const at = finals[a];
      this.apos[a] = at;
      this.src[a] = undefined;
      if (at < 0) continue;
      // The bytes this anchor's records read: [at + lo, at + hi) inside the object.
      const from = Math.max(0, at + plan.lo[a]);
      const to = Math.min(total, at + plan.hi[a]);
      const b = !plan.used[a] || to <= from ? buffers[0] : buffers.find((x) => x.base <= from && to <= x.base + x.bytes.length);
      if (b) {
        this.src[a] = b.bytes;
        this.srcBase[a] = b.base;
      } else {
        this.apos[a] = UNKNOWN;
        uncheckedAnchors += this.plan.probes[a].length;
      }
    }
    this.yes = types;
    this.known = known;
    this.typesChanged = true;
    if (!this.stopped) this.evaluate();
    let waiting = 0;
    for (let i = 0; i < this.pending.length; i += 4) waiting += this.pending[i + 1] - this.pending[i];
    const entryProbes = anchors[A_ENTRY] === UNKNOWN && !this.stopped ? plan.probes[A_ENTRY].length - this.cursor[A_ENTRY] : 0;
    if (anchors[A_ENTRY] === UNKNOWN)
      skipped.push({
        path: [],
        reason: `the MZ header reaches past the first ${cap} bytes the stream scanner keeps: file type and entry point unknown; ${entryProbes} entry-point probes and ${waiting} executable-only candidates not checked`,
      });
    else if (uncheckedAnchors || waiting)
      skipped.push({ path: [], reason: `${uncheckedAnchors} probes and ${waiting} candidates not checked: their bytes were not kept by the stream scanner` });
    // Type 1/2 records (a module decides on the whole object) and containers: only a short stream
    // is left whole, and then Engine.scan does both; its type 3/4 findings of the stream itself are
    // the ones found above.
    let objectWarnings: PathWarning[] = warnings.map((w) => ({ ...w, path: [] }));
    const limits: LimitHit[] = [];
    let objects = 1;
    const detectors = this.stopped ? 0 : this.db.moduleDetectorCount();
    const unpack = this.stopped ? undefined : containerOf((t) => (types & FileType[t]) !== 0, this.head, this.options)?.kind;
    if ((detectors || unpack) && total <= cap && this.wholeScan) {
      const o = this.options;
      const r = this.wholeScan(this.head.subarray(0, total), {
        name: this.name,
        firstOnly: this.firstOnly,
        ...(unpack ? { archives: o.archives, packed: o.packed, mail: o.mail, mailboxes: o.mailboxes } : { archives: false, mail: false }),
      });
      for (const d of r.detections) if (d.path.length > 0 || (d.type !== 3 && d.type !== 4)) this.found.push(d);
      objectWarnings = r.warnings; // the same analysis, plus what the modules and the members said
      skipped.push(...r.skipped);
      limits.push(...r.limits);
      objects = r.objects;
    } else {
      if (detectors)
        skipped.push({
          path: [],
          reason: `${detectors} type 1/2 record${detectors > 1 ? "s" : ""} (detection modules) need the whole object: not run on a stream longer than ${cap} bytes`,
        });
      if (unpack)
        skipped.push({
          path: [],
          reason: `not unpacked: ${unpack} longer than ${cap} bytes (a stream scanner opens only a container the whole of which it kept; scan the whole object with Engine.scan)`,
        });
    }

    const detections = [...this.found].sort((x, y) => x.id - y.id);
    const infected = detections.length > 0;
    if (infected) this.infectedAt ??= total;
    this.peak = Math.max(this.peak, this.retainedBytes);
    this.result = {
      infected,
      verdict: infected ? "infected" : limits.length ? "suspicious" : skipped.length ? "incomplete" : "clean",
      detections,
      limits,
      skipped,
      types: fileTypeNames(types),
      warnings: objectWarnings,
      objects,
      stats: { ...this.stats },
      stream: {
        bytes: total,
        retainedBytes: this.peak,
        retainedBound: plan.bound,
        ...(this.infectedAt !== undefined ? { infectedAt: this.infectedAt } : {}),
      },
    };
    // What was kept is no longer needed.
    this.head = new Uint8Array(0);
    this.ring = this.region = undefined;
    this.src.fill(undefined);
    this.pending = [];
    this.waiting = [];
    this.crcs.clear();
    return this.result;
  }

  // ------------------------------------------------------------------------------------------
  // bytes

  private growHead(need: number): void {
    if (need <= this.head.length) return;
    const size = Math.min(this.plan.headCap, Math.max(need, this.head.length * 2, 4096));
    const grown = new Uint8Array(size);
    grown.set(this.head.subarray(0, this.received));
    this.head = grown;
    this.src[A_START] = grown;
    if (this.src[A_ENTRY] !== undefined && this.region === undefined) this.src[A_ENTRY] = grown;
  }

  /** Copy what falls in the entry region (and the far signature) from chunk[from, to), which starts at stream position `received`. */
  private capture(chunk: Uint8Array, from: number, to: number): void {
    if (this.region) this.copyInto(this.region, this.regionBase, chunk, from, to);
    if (this.farSig) this.copyInto(this.farSig, this.far, chunk, from, to);
  }

  private copyInto(buf: Uint8Array, base: number, chunk: Uint8Array, from: number, to: number): void {
    const p = this.received - from;
    const s = Math.max(this.received, base);
    const e = Math.min(p + to, base + buf.length);
    if (e > s) buf.set(chunk.subarray(s - p, e - p), s - base);
  }

  private toRing(chunk: Uint8Array, from: number, to: number): void {
    const ring = this.ring!;
    const t = ring.length;
    const len = to - from;
    if (len >= t) {
      ring.set(chunk.subarray(to - t, to), 0);
      this.ringPos = 0;
      this.ringFill = t;
      return;
    }
    const first = Math.min(len, t - this.ringPos);
    ring.set(chunk.subarray(from, from + first), this.ringPos);
    if (len > first) ring.set(chunk.subarray(from + first, to), 0);
    this.ringPos = (this.ringPos + len) % t;
    this.ringFill = Math.min(t, this.ringFill + len);
  }

  /** The last min(tailCap, total) bytes in order, in the ring's own memory (called once, on end). */
  private linearTail(): { bytes: Uint8Array; base: number } {
    const ring = this.ring!;
    const t = ring.length;
    const k = this.ringFill;
    const at = this.ringPos;
    if (k === t && at !== 0) {
      // Rotate left by ringPos in place, through a copy of the shorter side: memory moves (three
      // reversals, which V8 runs byte by byte, took 6% of streaming the bench corpus).
      if (at <= t - at) {
        const front = ring.slice(0, at);
        ring.copyWithin(0, at);
        ring.set(front, t - at);
      } else {
        const back = ring.slice(at);
        ring.copyWithin(t - at, 0, at);
        ring.set(back, 0);
      }
    }
    const total = this.received;
    const len = Math.min(t, total);
    const pre = len - k; // older bytes still in the head
    if (pre > 0) {
      ring.copyWithin(pre, 0, k);
      ring.set(this.head.subarray(this.plan.headCap - pre, this.plan.headCap), 0);
    }
    return { bytes: ring.subarray(0, len), base: total - len };
  }

  // ------------------------------------------------------------------------------------------
  // types and anchors while the head arrives

  /** Settle the file-type flags and the entry point that the head received so far decides. */
  private refreshTypes(): void {
    const r = this.received;
    const head = this.head.subarray(0, r);
    const before = this.known | (this.yes << 16);
    if (!this.mzDone && r >= 2) {
      const mz = (head[0] === 0x4d && head[1] === 0x5a) || (head[0] === 0x5a && head[1] === 0x4d);
      if (!mz) {
        this.known |= MZ_BITS;
        this.mzDone = true;
      } else {
        const need = headerExtent(head);
        if (need <= r) {
          // Only the MZ-family flags and the entry point of this analysis are final (see analyzeHeadInto).
          const anchors = new Int32Array(ANCHOR_NAMES.length);
          const t = analyzeHeadInto(head, Infinity, undefined, this.name, anchors, []);
          this.yes |= t & MZ_BITS;
          this.known |= MZ_BITS | FileType.com | FileType.boot; // an MZ file is never COM or a boot sector
          this.setEntry(anchors[A_ENTRY]);
          this.mzDone = true;
        } else if (need > this.plan.headCap) {
          // Never decided from the head. When e_lfanew itself points past it, only the signature
          // there is missing: catch it as it passes (resolveFar); else the header is lost (see end()).
          this.mzDone = true;
          const at = r >= 0x40 ? new DataView(head.buffer, head.byteOffset, r).getUint32(0x3c, true) : -1;
          if (at + FAR_SIGNATURE > this.plan.headCap) {
            this.far = at;
            this.farSig = new Uint8Array(FAR_SIGNATURE);
            if (at < r) this.farSig.set(head.subarray(at, r));
          }
        }
      }
    }
    if (r >= 1 && !(head[0] === 0xe9 || head[0] === 0xeb || (this.name !== undefined && /\.com$/i.test(this.name)))) this.known |= FileType.com;
    if (r > COM_MAX_SIZE) this.known |= FileType.com;
    if (r >= 512 && !(head[510] === 0x55 && head[511] === 0xaa)) this.known |= FileType.boot;
    if (r >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) {
      this.yes |= FileType.zip;
      this.known |= FileType.zip;
    }
    if (!this.smallDone && r > TEXT_WINDOW) {
      // More than the text window: text, mail, gzip, tar and bzip2 no longer depend on the size.
      const t = analyzeHeadInto(head, Infinity, undefined, this.name, new Int32Array(ANCHOR_NAMES.length), []);
      this.yes |= t & SMALL_BITS;
      this.known |= SMALL_BITS;
      this.smallDone = true;
    }
    if ((this.known | (this.yes << 16)) !== before) this.typesChanged = true;
  }

  private farPending(): boolean {
    return this.farSig !== undefined && this.farHeader === undefined && this.received >= this.far + FAR_SIGNATURE;
  }

  /**
   * The far signature is in (or the stream ended before it): a PE/NE one needs a header the head
   * lacks; anything else makes the object a plain DOS executable, whose header the head holds.
   */
  private resolveFar(): void {
    const sig = this.farSig!;
    const have = Math.max(0, Math.min(FAR_SIGNATURE, this.received - this.far));
    const pe = have >= 4 && sig[0] === 0x50 && sig[1] === 0x45 && sig[2] === 0 && sig[3] === 0;
    const ne = have >= 2 && sig[0] === 0x4e && sig[1] === 0x45;
    this.farHeader = pe || ne;
    if (this.farHeader || this.ended) return; // end() analyzes the whole head itself
    const anchors = new Int32Array(ANCHOR_NAMES.length);
    const t = analyzeHeadInto(this.head.subarray(0, Math.min(this.received, this.plan.headCap)), Infinity, undefined, this.name, anchors, []);
    this.yes |= t & MZ_BITS;
    this.known |= MZ_BITS | FileType.com | FileType.boot;
    this.typesChanged = true;
    this.setEntry(anchors[A_ENTRY]);
  }

  /** The entry point is known (from a complete header): keep the bytes entry-anchored records read. */
  private setEntry(entry: number): void {
    this.apos[A_ENTRY] = entry;
    if (entry < 0) return;
    const plan = this.plan;
    const from = Math.max(0, entry + plan.lo[A_ENTRY]);
    const to = entry + plan.hi[A_ENTRY];
    // Known late (a far signature): bytes it needs may have passed beyond the head. Then no source:
    // entry-anchored records are listed as not checked on end().
    if (Math.max(from, plan.headCap) < Math.min(to, this.received)) return;
    if (!plan.used[A_ENTRY] || to <= plan.headCap) {
      // Inside the head, which is kept anyway.
      this.src[A_ENTRY] = this.head;
      this.srcBase[A_ENTRY] = 0;
      return;
    }
    const region = new Uint8Array(Math.max(0, to - from));
    const have = Math.min(to, this.received);
    if (have > from) region.set(this.head.subarray(from, have), 0);
    this.region = region;
    this.regionBase = from;
    this.src[A_ENTRY] = region;
    this.srcBase[A_ENTRY] = from;
  }

  // ------------------------------------------------------------------------------------------
  // detection

  /** Read every probe whose bytes are in, and decide every candidate that can be decided. */
  private evaluate(): void {
    const db = this.db;
    const plan = this.plan;
    const avail = this.received;
    const ended = this.ended;
    let need = Infinity;
    this.typesChanged = false;
    for (let a = 0; a < ANCHOR_NAMES.length; a++) {
      const at = this.apos[a];
      const probes = plan.probes[a];
      if (at < 0 || this.cursor[a] >= probes.length) continue;
      // Before the end an anchor counts only once it lies inside what has arrived (it is then inside the object).
      if (!ended && at >= avail) {
        need = Math.min(need, at + 1);
        continue;
      }
      const buf = this.src[a];
      if (!buf) continue;
      const base = this.srcBase[a];
      const ats = plan.ats[a];
      let c = this.cursor[a];
      for (; c < probes.length; c++) {
        const pos = at + ats[c];
        if (pos < 0) continue;
        if (pos + 2 > avail) {
          if (!ended) need = Math.min(need, pos + 2);
          else c = probes.length;
          break;
        }
        const rows = db.candidateRun(probes[c], buf[pos - base] | (buf[pos - base + 1] << 8), this.run);
        if (rows) this.pending.push(this.run[0], this.run[1], a, pos);
        this.stats.candidates += rows;
      }
      this.cursor[a] = c;
    }
    this.needBytes = Infinity;
    const p = this.pending;
    const waiting = this.waiting;
    for (let i = 0; i < p.length && !this.stopped; i += 4) this.decideRun(p[i], p[i + 1], p[i + 2], p[i + 3], waiting);
    if (this.stopped) waiting.length = 0;
    p.length = 0;
    this.pending = waiting;
    this.waiting = p;
    this.wake = this.stopped ? Infinity : Math.min(need, this.needBytes);
  }

  /**
   * Decide the candidates in rows [from, to) of one key, read at `pos` from `anchor`: a group's
   * check window is hashed once, and only its rows expecting that CRC are looked at. What waits
   * (for bytes: needBytes is lowered; for types: a type change wakes it) goes to `waiting`.
   */
  private decideRun(from: number, to: number, anchor: number, pos: number, waiting: number[]): void {
    if (this.apos[anchor] === UNKNOWN) {
      waiting.push(from, to, anchor, pos); // its bytes were not kept: reported as not checked
      return;
    }
    const db = this.db;
    const g = this.group;
    for (let row = from; row < to; ) {
      db.groupOf(row, to, g);
      const next = g[1];
      const crc = this.windowCrc(g[0], anchor);
      if (crc === WAIT) waiting.push(row, next, anchor, pos);
      else if (crc !== OUTSIDE)
        for (let r = db.firstWithCheckCrc(crc, row, next); r < next && db.expectsCheckCrc(r, crc); r++) {
          const verdict = this.decideRow(r, anchor);
          if (verdict === WAIT) waiting.push(r, r + 1, anchor, pos);
          else if (verdict === HIT) {
            this.report(r, anchor, pos);
            if (this.firstOnly) {
              this.stopped = true;
              return;
            }
          }
        }
      row = next;
    }
  }

  /** HIT, MISS or WAIT for a candidate whose check window has the CRC it expects: its file types, then its other window. */
  private decideRow(row: number, anchor: number): number {
    const ft = this.db.recordFiletypes(row);
    if (ft !== 0 && (ft & this.yes) === 0) return (ft & ~this.known) !== 0 ? WAIT : MISS;
    const w = this.other;
    this.db.otherWindow(row, w);
    const expected = w[1];
    const crc = this.windowCrc(w[0], anchor);
    return crc === WAIT ? WAIT : crc === expected ? HIT : MISS;
  }

  /** CRC-32 of a window (once per window per stream), OUTSIDE when it is not inside the object, WAIT while its bytes are coming. */
  private windowCrc(w: number, anchor: number): number {
    const cached = this.crcs.get(w);
    if (cached !== undefined) return cached;
    const at = this.apos[anchor];
    const { offset, length } = this.db.windowAt(w);
    const pos = at + offset;
    let crc = OUTSIDE;
    if (at >= 0 && pos >= 0) {
      const end = pos + length;
      if (end > this.received) {
        if (!this.ended) {
          this.needBytes = Math.min(this.needBytes, end);
          return WAIT;
        }
      } else {
        const base = this.srcBase[anchor];
        crc = crc32(this.src[anchor]!, pos - base, end - base);
        this.stats.crcs++;
        this.stats.crcBytes += length;
      }
    }
    this.crcs.set(w, crc);
    return crc;
  }

  private report(row: number, anchor: number, pos: number): void {
    const r = this.db.record(row);
    this.found.push({
      id: r.id,
      rev: r.rev,
      name: r.name,
      type: r.type,
      category: r.category,
      anchor: ANCHOR_NAMES[anchor],
      offset: pos,
      anchorOffset: this.apos[anchor],
      path: [],
    });
    this.infectedAt ??= this.received;
  }

  private dropPending(anchor: number): void {
    const p = this.pending;
    let keep = 0;
    for (let i = 0; i < p.length; i += 4) {
      if (p[i + 2] === anchor) continue;
      p[keep++] = p[i];
      p[keep++] = p[i + 1];
      p[keep++] = p[i + 2];
      p[keep++] = p[i + 3];
    }
    p.length = keep;
  }

  private earlyVerdict(): StreamVerdict | undefined {
    if (!this.found.length) return undefined;
    if (this.early?.detections.length !== this.found.length)
      this.early = { verdict: "infected", detections: [...this.found].sort((x, y) => x.id - y.id), at: this.infectedAt! };
    return this.early;
  }
}
