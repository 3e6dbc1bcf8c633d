/**
 * Writes a tgvxpatch (layout: tgvxpatch-layout.ts) from the records that changed between two
 * databases. The result is unsigned: signing fills the signature block (`@tgvx/compiler`).
 */
import { deflateSync } from "fflate";
import { fromHex, sha256 } from "./sha256.js";
import type { Stencil } from "./stencil.js";
import * as L from "./tgvxdb-layout.js";
import type { RecordImage } from "./to-binary.js";
import * as P from "./tgvxpatch-layout.js";

/** The database a patch applies to. */
export interface PatchBase {
  dbVersion: number;
  /** Content SHA-256 (the header digest), hex. */
  sha256: string;
}

/** The database a patch produces, as released. */
export interface PatchTarget {
  dbVersion: number;
  formatVersion: number;
  /** Seconds since the epoch, 0 = unstamped. */
  buildTime: number;
  /** Content SHA-256, hex. */
  sha256: string;
  /** SHA-256 of the whole file (signature block included), hex. */
  fileSha256: string;
  fileLength: number;
  /** The target's signature block (64 bytes) and key id (16 hex digits). */
  signature: Uint8Array;
  keyId: string;
}

export interface RecordPut {
  record: RecordImage;
  /** The record's revision in the base; undefined when the record is added. */
  baseRev?: number;
}

export interface PatchContent {
  base: PatchBase;
  target: PatchTarget;
  /** Records of the base that the target no longer has (id and the base's rev). */
  removed: readonly { id: number; rev: number }[];
  /** Records added, or replaced by another revision. */
  put: readonly RecordPut[];
  /** The target's stencils, when they differ from the base's (undefined: unchanged). */
  stencils?: readonly Stencil[];
}

/** JSON with object keys sorted: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A growable little-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  // room() may replace buf and view: call it before reading them.
  u8(n: number): void {
    const at = this.room(1);
    this.view.setUint8(at, n);
  }
  u16(n: number): void {
    const at = this.room(2);
    this.view.setUint16(at, n, true);
  }
  u32(n: number): void {
    const at = this.room(4);
    this.view.setUint32(at, n >>> 0, true);
  }
  i32(n: number): void {
    const at = this.room(4);
    this.view.setInt32(at, n, true);
  }
  /** Patch a u32 written earlier. */
  setU32(at: number, n: number): void {
    this.view.setUint32(at, n >>> 0, true);
  }
  bytes(b: Uint8Array): void {
    const at = this.room(b.length);
    this.buf.set(b, at);
  }
  /** u32 length (or NO_STRING) and the bytes. */
  blob(b: Uint8Array | undefined): void {
    if (b === undefined) return this.u32(P.NO_STRING);
    this.u32(b.length);
    this.bytes(b);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const encoder = new TextEncoder();
const text = (s: string | undefined) => (s === undefined ? undefined : encoder.encode(s));

function writeRecord(w: ByteWriter, r: RecordImage): void {
  w.u32(r.id);
  w.u16(r.rev);
  w.u8(r.type);
  w.u8(r.status);
  w.u8(r.category);
  w.u8(r.detect ? r.detect.anchor : L.NO_DETECT);
  w.u32(r.attributes);
  if (r.detect) {
    const d = r.detect;
    w.i32(d.at);
    w.u16(d.first);
    w.u32(d.filetypes);
    for (const win of d.windows) {
      w.i32(win.offset);
      w.u32(win.length);
      w.u32(win.crc);
    }
  }
  w.blob(text(r.name));
  w.blob(text(r.module));
  w.blob(text(r.args));
  w.blob(r.clean);
}

/** A record as a patch stores it; two records are the same when these bytes are. */
export function encodePatchRecord(r: RecordImage): Uint8Array {
  const w = new ByteWriter();
  writeRecord(w, r);
  return w.finish();
}

function chunk(w: ByteWriter, tag: number, body: (w: ByteWriter) => void): void {
  w.u32(tag);
  const lengthAt = w.length;
  w.u32(0);
  body(w);
  w.setU32(lengthAt, w.length - lengthAt - 4);
}

/** Encode a patch: header, deflated body, digest filled in, signature block zero. */
export async function encodePatch(p: PatchContent): Promise<Uint8Array> {
  const removed = [...p.removed].sort((a, b) => a.id - b.id);
  const put = [...p.put].sort((a, b) => a.record.id - b.record.id);
  const body = new ByteWriter();
  if (removed.length)
    chunk(body, P.Chunk.RDEL, (w) => {
      w.u32(removed.length);
      for (const r of removed) {
        w.u32(r.id);
        w.u16(r.rev);
        w.u16(0);
      }
    });
  if (put.length)
    chunk(body, P.Chunk.RPUT, (w) => {
      w.u32(put.length);
      for (const r of put) {
        w.u8(r.baseRev === undefined ? P.PUT_ADDED : P.PUT_REPLACED);
        w.u16(r.baseRev ?? 0);
        writeRecord(w, r.record);
      }
    });
  if (p.stencils) {
    const json = encoder.encode(canonicalJson(p.stencils));
    chunk(body, P.Chunk.STNC, (w) => w.bytes(json));
  }
  const raw = body.finish();
  const packed = deflateSync(raw, { level: 9 });
  const out = new Uint8Array(P.PATCH_HEADER_SIZE + packed.length);
  const v = new DataView(out.buffer);
  const t = p.target;
  out.set(P.PATCH_MAGIC, 0);
  v.setUint16(P.P_FORMAT_VERSION, P.PATCH_FORMAT_VERSION, true);
  v.setUint16(P.P_HEADER_SIZE, P.PATCH_HEADER_SIZE, true);
  v.setUint32(P.P_FLAGS, 0, true);
  v.setUint32(P.P_FILE_LENGTH, out.length, true);
  v.setUint32(P.P_BASE_VERSION, p.base.dbVersion, true);
  v.setUint32(P.P_TARGET_VERSION, t.dbVersion, true);
  v.setUint16(P.P_TARGET_FORMAT, t.formatVersion, true);
  v.setUint32(P.P_TARGET_BUILD_LO, t.buildTime % 0x100000000, true);
  v.setUint32(P.P_TARGET_BUILD_HI, Math.floor(t.buildTime / 0x100000000), true);
  v.setUint32(P.P_TARGET_LENGTH, t.fileLength, true);
  v.setUint32(P.P_BODY_RAW_LENGTH, raw.length, true);
  v.setUint32(P.P_BODY_ENCODING, P.BODY_DEFLATE, true);
  out.set(fromHex(p.base.sha256, 32, "base SHA-256"), P.P_BASE_SHA256);
  out.set(fromHex(t.sha256, 32, "target SHA-256"), P.P_TARGET_SHA256);
  out.set(fromHex(t.fileSha256, 32, "target file SHA-256"), P.P_TARGET_FILE_SHA256);
  if (t.signature.length !== L.SIGNATURE_SIZE) throw new RangeError(`target signature is ${t.signature.length} bytes, expected ${L.SIGNATURE_SIZE}`);
  out.set(t.signature, P.P_TARGET_SIGNATURE);
  out.set(fromHex(t.keyId, L.KEY_ID_SIZE, "target key id"), P.P_TARGET_KEY_ID);
  out.set(packed, P.PATCH_HEADER_SIZE);
  out.set(await sha256(out.subarray(P.P_COVERED_FROM)), P.P_DIGEST);
  return out;
}
