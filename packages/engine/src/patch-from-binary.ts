/**
 * Reads a tgvxpatch (layout: tgvxpatch-layout.ts): the header is checked (magic, versions,
 * declared length, digest) before anything else is trusted; the body is only inflated and parsed
 * once the caller has checked the signature.
 */
import { inflateSync } from "fflate";
import { PatchError } from "./errors.js";
import { headerKeyId } from "./signature.js";
import { sha256, toHex } from "./sha256.js";
import * as L from "./tgvxdb-layout.js";
import type { Stencil } from "./stencil.js";
import type { RecordImage } from "./to-binary.js";
import type { PatchBase, PatchTarget, RecordPut } from "./patch-to-binary.js";
import * as P from "./tgvxpatch-layout.js";

/** What a patch's header says: checked for integrity (digest), not yet for its signature. */
export interface PatchInfo {
  formatVersion: number;
  fileLength: number;
  /** SHA-256 of the patch content (its header digest), hex. */
  sha256: string;
  signed: boolean;
  keyId?: string;
  base: PatchBase;
  target: PatchTarget;
  /** Length of the body once inflated. */
  bodyLength: number;
}

export interface PatchBody {
  removed: { id: number; rev: number }[];
  put: RecordPut[];
  /** The target's stencils when they changed; undefined: the base's stand. */
  stencils?: Stencil[];
}

function fail(code: ConstructorParameters<typeof PatchError>[0], message: string): never {
  throw new PatchError(code, message);
}

function startsWith(bytes: Uint8Array, magic: Uint8Array): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/**
 * Read and check a patch's header: magic, format version, declared length and the digest over
 * its content. Throws `PatchError` (NOT_A_PATCH, TRUNCATED, UNSUPPORTED_FORMAT, CORRUPT).
 */
export async function readPatchInfo(bytes: Uint8Array): Promise<PatchInfo> {
  if (bytes.length >= L.MAGIC.length && startsWith(bytes, L.MAGIC))
    fail("NOT_A_PATCH", "this is a tgvxdb database, not a patch: patches are made with `tgvx patch OLD NEW` (a database is installed whole, not applied)");
  const prefix = bytes.subarray(0, Math.min(bytes.length, P.PATCH_MAGIC.length));
  if (!startsWith(prefix, P.PATCH_MAGIC.subarray(0, prefix.length)) || bytes.length === 0)
    fail("NOT_A_PATCH", bytes.length ? "not a tgvx patch (bad magic); is this the right file?" : "the patch file is empty: the download failed; fetch it again");
  if (bytes.length < P.PATCH_HEADER_SIZE)
    fail("TRUNCATED", `patch is ${bytes.length} bytes, shorter than its ${P.PATCH_HEADER_SIZE}-byte header: the file is truncated; fetch it again`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = v.getUint16(P.P_FORMAT_VERSION, true);
  if (format !== P.PATCH_FORMAT_VERSION)
    fail("UNSUPPORTED_FORMAT", `patch format version ${format}; this engine reads version ${P.PATCH_FORMAT_VERSION}: update the engine, or download the full database`);
  if (v.getUint16(P.P_HEADER_SIZE, true) !== P.PATCH_HEADER_SIZE)
    fail("CORRUPT", `patch header size ${v.getUint16(P.P_HEADER_SIZE, true)}, expected ${P.PATCH_HEADER_SIZE}: the patch is damaged; fetch it again`);
  const declared = v.getUint32(P.P_FILE_LENGTH, true);
  if (declared !== bytes.length)
    fail(
      bytes.length < declared ? "TRUNCATED" : "CORRUPT",
      `patch is ${bytes.length} bytes but its header declares ${declared}: the file is ${bytes.length < declared ? "truncated" : "damaged or has trailing data"}; fetch it again`,
    );
  const digest = await sha256(bytes.subarray(P.P_COVERED_FROM));
  const stored = bytes.subarray(P.P_DIGEST, P.P_DIGEST + 32);
  if (!digest.every((b, i) => b === stored[i]))
    fail("CORRUPT", `patch checksum mismatch: content SHA-256 is ${toHex(digest)} but the header says ${toHex(stored)}; the patch was damaged or altered; fetch it again`);
  const keyId = headerKeyId(bytes);
  const hex = (at: number, n = 32) => toHex(bytes.subarray(at, at + n));
  return {
    formatVersion: format,
    fileLength: bytes.length,
    sha256: toHex(digest),
    signed: keyId !== undefined,
    ...(keyId ? { keyId } : {}),
    base: { dbVersion: v.getUint32(P.P_BASE_VERSION, true), sha256: hex(P.P_BASE_SHA256) },
    target: {
      dbVersion: v.getUint32(P.P_TARGET_VERSION, true),
      formatVersion: v.getUint16(P.P_TARGET_FORMAT, true),
      buildTime: v.getUint32(P.P_TARGET_BUILD_LO, true) + v.getUint32(P.P_TARGET_BUILD_HI, true) * 0x100000000,
      sha256: hex(P.P_TARGET_SHA256),
      fileSha256: hex(P.P_TARGET_FILE_SHA256),
      fileLength: v.getUint32(P.P_TARGET_LENGTH, true),
      signature: bytes.slice(P.P_TARGET_SIGNATURE, P.P_TARGET_SIGNATURE + L.SIGNATURE_SIZE),
      keyId: hex(P.P_TARGET_KEY_ID, L.KEY_ID_SIZE),
    },
    bodyLength: v.getUint32(P.P_BODY_RAW_LENGTH, true),
  };
}

/** Bounds-checked little-endian reads over the inflated body; any overrun is a corrupt patch. */
class ByteReader {
  private readonly v: DataView;
  p = 0;
  constructor(readonly bytes: Uint8Array) {
    this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number, what: string): number {
    if (this.p + n > this.bytes.length) fail("CORRUPT", `patch body ends inside ${what}: the patch is damaged`);
    const at = this.p;
    this.p += n;
    return at;
  }
  u8(what: string): number {
    return this.v.getUint8(this.need(1, what));
  }
  u16(what: string): number {
    return this.v.getUint16(this.need(2, what), true);
  }
  u32(what: string): number {
    return this.v.getUint32(this.need(4, what), true);
  }
  i32(what: string): number {
    return this.v.getInt32(this.need(4, what), true);
  }
  blob(what: string): Uint8Array | undefined {
    const n = this.u32(what);
    if (n === P.NO_STRING) return undefined;
    const at = this.need(n, what);
    return this.bytes.slice(at, at + n);
  }
  get done(): boolean {
    return this.p === this.bytes.length;
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function readRecord(r: ByteReader): RecordImage {
  const id = r.u32("a record id");
  const where = `record 0x${id.toString(16)}`;
  const rec: RecordImage = {
    id,
    rev: r.u16(where),
    type: r.u8(where) as RecordImage["type"],
    status: r.u8(where),
    category: r.u8(where),
    name: "",
    attributes: 0,
  };
  const anchor = r.u8(where);
  rec.attributes = r.u32(where);
  if (rec.type < 1 || rec.type > 4) fail("CORRUPT", `patch ${where} has record type ${rec.type}`);
  if ((anchor !== L.NO_DETECT) !== (rec.type === 3 || rec.type === 4)) fail("CORRUPT", `patch ${where}: type ${rec.type} with anchor ${anchor}`);
  if (anchor !== L.NO_DETECT) {
    const at = r.i32(where);
    const first = r.u16(where);
    const filetypes = r.u32(where);
    const win = () => ({ offset: r.i32(where), length: r.u32(where), crc: r.u32(where) });
    rec.detect = { anchor, at, first, filetypes, windows: [win(), win()] };
  }
  const str = (field: string) => {
    const b = r.blob(`${where} ${field}`);
    if (b === undefined) return undefined;
    try {
      return utf8.decode(b);
    } catch {
      return fail("CORRUPT", `patch ${where}: its ${field} is not UTF-8`);
    }
  };
  const name = str("name");
  if (name === undefined) fail("CORRUPT", `patch ${where} has no name`);
  rec.name = name;
  const module = str("module");
  const args = str("args");
  const clean = r.blob(`${where} cleaning script`);
  if (module !== undefined) rec.module = module;
  if (args !== undefined) rec.args = args;
  if (clean !== undefined) rec.clean = clean;
  return rec;
}

function readStencils(json: Uint8Array): Stencil[] {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(json));
  } catch (err) {
    return fail("CORRUPT", `patch stencils are not JSON (${(err as Error).message}): the patch is damaged`);
  }
  // Their content is checked where it is used: encoding them (to-binary.ts) and opening the result.
  if (!Array.isArray(value) || !value.every((s) => s && typeof s === "object" && typeof s.name === "string" && Array.isArray(s.rules)))
    fail("CORRUPT", "patch stencils are not a list of stencils");
  return value as Stencil[];
}

/**
 * Inflate and parse a patch body. Call only after its signature was verified. Throws
 * `PatchError` (CORRUPT, UNSUPPORTED_FORMAT).
 */
export function readPatchBody(bytes: Uint8Array, info: PatchInfo): PatchBody {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const encoding = v.getUint32(P.P_BODY_ENCODING, true);
  if (encoding !== P.BODY_DEFLATE) fail("UNSUPPORTED_FORMAT", `patch body encoding ${encoding}; this engine reads deflate (${P.BODY_DEFLATE}): update the engine`);
  if (info.bodyLength > P.MAX_BODY_RAW) fail("CORRUPT", `patch body claims ${info.bodyLength} bytes inflated, more than the ${P.MAX_BODY_RAW} allowed`);
  let raw: Uint8Array;
  try {
    // One byte of room more than declared: a body that inflates to more is caught, never grown.
    raw = inflateSync(bytes.subarray(P.PATCH_HEADER_SIZE), { out: new Uint8Array(info.bodyLength + 1) });
  } catch (err) {
    return fail("CORRUPT", `patch body does not inflate (${(err as Error).message}): the patch is damaged`);
  }
  if (raw.length !== info.bodyLength) fail("CORRUPT", `patch body inflates to ${raw.length === info.bodyLength + 1 ? "more than" : raw.length} bytes, its header says ${info.bodyLength}`);
  const r = new ByteReader(raw);
  const body: PatchBody = { removed: [], put: [] };
  const seen = new Set<number>();
  while (!r.done) {
    const tag = r.u32("a chunk tag");
    const len = r.u32("a chunk length");
    const name = String.fromCharCode(tag & 0xff, (tag >>> 8) & 0xff, (tag >>> 16) & 0xff, tag >>> 24);
    if (tag !== P.Chunk.RDEL && tag !== P.Chunk.RPUT && tag !== P.Chunk.STNC)
      fail("UNSUPPORTED_FORMAT", `patch carries a "${name}" section this engine does not know: update the engine, or download the full database`);
    if (seen.has(tag)) fail("CORRUPT", `patch has two "${name}" sections`);
    seen.add(tag);
    const end = r.p + len;
    if (end > raw.length) fail("CORRUPT", `patch section "${name}" runs past the end of the body`);
    if (tag === P.Chunk.STNC) {
      body.stencils = readStencils(raw.subarray(r.p, end));
      r.p = end;
      continue;
    }
    const count = r.u32(`the ${name} count`);
    let prev = -1;
    const ordered = (id: number) => {
      if (id <= prev) fail("CORRUPT", `patch section "${name}" is not sorted by unique record id (0x${id.toString(16)})`);
      prev = id;
    };
    for (let i = 0; i < count; i++) {
      if (tag === P.Chunk.RDEL) {
        const id = r.u32("a removed record");
        ordered(id);
        body.removed.push({ id, rev: r.u16("a removed record") });
        r.u16("a removed record");
      } else {
        const kind = r.u8("a record change");
        const baseRev = r.u16("a record change");
        if (kind !== P.PUT_ADDED && kind !== P.PUT_REPLACED) fail("CORRUPT", `patch record change of unknown kind ${kind}`);
        const record = readRecord(r);
        ordered(record.id);
        body.put.push(kind === P.PUT_ADDED ? { record } : { record, baseRev });
      }
    }
    if (r.p !== end) fail("CORRUPT", `patch section "${name}" is ${len} bytes but its ${count} entries take ${r.p - (end - len)}`);
  }
  const removed = new Set(body.removed.map((x) => x.id));
  const both = body.put.find((x) => removed.has(x.record.id));
  if (both) fail("CORRUPT", `patch both removes and puts record 0x${both.record.id.toString(16)}`);
  return body;
}
