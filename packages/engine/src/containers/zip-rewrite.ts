/**
 * Rebuilding a ZIP with some members replaced or dropped, every other member's local record and
 * central entry copied byte for byte (names, order, timestamps, extra fields, comments, any SFX
 * stub in front). Replaced members are deflated again (or stored, as they were).
 */
import { deflateSync } from "fflate";
import { crc32 } from "../crc32.js";
import { readZipDirectory, type ZipEntry } from "./zip.js";

export type MemberChange = { kind: "replace"; bytes: Uint8Array } | { kind: "drop" };

export class ZipRewriteError extends Error {
  override readonly name = "ZipRewriteError";
}

const u16 = (b: Uint8Array, p: number) => b[p] | (b[p + 1] << 8);
const u32 = (b: Uint8Array, p: number) => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
function put16(b: Uint8Array, p: number, v: number) {
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
}
function put32(b: Uint8Array, p: number, v: number) {
  put16(b, p, v & 0xffff);
  put16(b, p + 2, v >>> 16);
}

/** A copy to patch; `b` may be a Node Buffer, whose slice() is a view into the caller's bytes. */
function copy(b: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(b.subarray(start, end));
}

/** Where a member's local record ends: after its data and any data descriptor. */
function localEnd(b: Uint8Array, e: ZipEntry): number {
  let end = e.dataOffset + e.compressedSize;
  if (e.flags & 8) end += u32(b, end) === 0x08074b50 ? 16 : 12;
  return end;
}

/** `changes` is keyed by the entry's index in the central directory. */
export function rewriteZip(b: Uint8Array, changes: ReadonlyMap<number, MemberChange>): Uint8Array {
  const dir = readZipDirectory(b);
  if (dir.entries.some((e) => e.size >= 0xffffffff || e.compressedSize >= 0xffffffff || e.localOffset - dir.prefix >= 0xffffffff))
    throw new ZipRewriteError("rebuilding ZIP64 archives is not supported");
  const eocdLen = 22 + u16(b, dir.eocdOffset + 20);
  if (dir.eocdOffset + eocdLen > b.length) throw new ZipRewriteError("end record runs past the end of the file");
  const parts: Uint8Array[] = [b.subarray(0, dir.prefix)];
  let offset = dir.prefix;
  const central: Uint8Array[] = [];
  dir.entries.forEach((e, i) => {
    const change = changes.get(i);
    if (change?.kind === "drop") return;
    const centralLen = 46 + u16(b, e.centralOffset + 28) + u16(b, e.centralOffset + 30) + u16(b, e.centralOffset + 32);
    const c = copy(b, e.centralOffset, e.centralOffset + centralLen);
    put32(c, 42, offset - dir.prefix);
    if (!change) {
      const rec = b.subarray(e.localOffset, localEnd(b, e));
      parts.push(rec);
      offset += rec.length;
    } else {
      const data = e.method === 8 ? deflateSync(change.bytes, { level: 9 }) : change.bytes;
      const crc = crc32(change.bytes);
      const header = copy(b, e.localOffset, e.dataOffset);
      put16(header, 6, u16(header, 6) & ~8); // sizes are in the header now: no data descriptor
      put32(header, 14, crc);
      put32(header, 18, data.length);
      put32(header, 22, change.bytes.length);
      put16(c, 8, u16(c, 8) & ~8);
      put32(c, 16, crc);
      put32(c, 20, data.length);
      put32(c, 24, change.bytes.length);
      parts.push(header, data);
      offset += header.length + data.length;
    }
    central.push(c);
  });
  const cdOffset = offset;
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = copy(b, dir.eocdOffset, dir.eocdOffset + eocdLen);
  put16(eocd, 8, central.length);
  put16(eocd, 10, central.length);
  put32(eocd, 12, cdSize);
  put32(eocd, 16, cdOffset - dir.prefix);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let q = 0;
  for (const p of all) {
    out.set(p, q);
    q += p.length;
  }
  return out;
}
