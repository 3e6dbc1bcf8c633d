/**
 * ZIP members from the central directory (stored and deflate; ZIP64; data descriptors need no
 * special case since the central directory has the sizes; an archive appended to an executable,
 * as self-extractors are, is found by its end record and its offsets corrected). Entries whose
 * data overlap are a bomb (many names pointing at the same bytes).
 */
import { crc32 } from "../crc32.js";
import type { ExtractContext, Member } from "./container.js";
import { CorruptData, inflateRaw } from "./inflate.js";
import { LimitReached, type Budget } from "./limits.js";

export interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Local header offset, corrected for any prefix (SFX stub). */
  localOffset: number;
  /** Offset of the entry's central directory record. */
  centralOffset: number;
  /** Offset of the compressed data, from the local header. */
  dataOffset: number;
  time: number;
  date: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** Bytes before the archive proper (an SFX stub). */
  prefix: number;
  eocdOffset: number;
  centralOffset: number;
  centralSize: number;
}

const EOCD_WINDOW = 65_557;
const u16 = (b: Uint8Array, p: number) => b[p] | (b[p + 1] << 8);
const u32 = (b: Uint8Array, p: number) => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
const u64 = (b: Uint8Array, p: number) => u32(b, p) + u32(b, p + 4) * 0x100000000;
const sig = (b: Uint8Array, p: number, c: number, d: number) => p >= 0 && p + 4 <= b.length && b[p] === 0x50 && b[p + 1] === 0x4b && b[p + 2] === c && b[p + 3] === d;

class ZipFormatError extends Error {}

function latin1(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function decodeName(b: Uint8Array, utf8: boolean): string {
  if (utf8) return new TextDecoder("utf-8", { fatal: false }).decode(b);
  // Names without the UTF-8 flag are CP437; the ASCII part is what matters for scanning.
  return latin1(b);
}

/** Parse the central directory; throws ZipFormatError with a reason when it is unusable. */
export function readZipDirectory(b: Uint8Array): ZipDirectory {
  let eocd = -1;
  const low = Math.max(0, b.length - EOCD_WINDOW);
  for (let i = b.lastIndexOf(0x50, b.length - 22); i >= low; i = i > 0 ? b.lastIndexOf(0x50, i - 1) : -1)
    if (sig(b, i, 5, 6)) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new ZipFormatError("no end-of-central-directory record");
  let count = u16(b, eocd + 10);
  let centralSize = u32(b, eocd + 12);
  let centralOffset = u32(b, eocd + 16);
  let eocdForPrefix = eocd;
  if (count === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (!sig(b, loc, 6, 7)) throw new ZipFormatError("ZIP64 values without a ZIP64 locator");
    const z = u64(b, loc + 8);
    // The ZIP64 end record normally sits right before its locator; trust that over the stored offset when they differ (SFX).
    const at = sig(b, z, 6, 6) ? z : loc - 56;
    if (!sig(b, at, 6, 6)) throw new ZipFormatError("ZIP64 end record not found");
    count = u64(b, at + 32);
    centralSize = u64(b, at + 40);
    centralOffset = u64(b, at + 48);
    eocdForPrefix = at;
  }
  const prefix = eocdForPrefix - centralSize - centralOffset;
  if (prefix < 0) throw new ZipFormatError("central directory runs past its end record (truncated or corrupt)");
  const entries: ZipEntry[] = [];
  let p = centralOffset + prefix;
  for (let i = 0; i < count; i++) {
    if (!sig(b, p, 1, 2) || p + 46 > b.length) throw new ZipFormatError(`central directory entry ${i + 1} of ${count} is damaged`);
    const flags = u16(b, p + 8);
    const nameLen = u16(b, p + 28);
    const extraLen = u16(b, p + 30);
    const commentLen = u16(b, p + 32);
    if (p + 46 + nameLen + extraLen + commentLen > b.length) throw new ZipFormatError(`central directory entry ${i + 1} runs past the end`);
    let compressedSize = u32(b, p + 20);
    let size = u32(b, p + 24);
    let localOffset = u32(b, p + 42);
    // ZIP64 extra field: the 64-bit values, in order, for the fields saturated at 0xFFFFFFFF.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = u16(b, e);
      const len = u16(b, e + 2);
      if (id === 1) {
        let q = e + 4;
        if (size === 0xffffffff && q + 8 <= e + 4 + len) (size = u64(b, q)), (q += 8);
        if (compressedSize === 0xffffffff && q + 8 <= e + 4 + len) (compressedSize = u64(b, q)), (q += 8);
        if (localOffset === 0xffffffff && q + 8 <= e + 4 + len) localOffset = u64(b, q);
      }
      e += 4 + len;
    }
    localOffset += prefix;
    if (!sig(b, localOffset, 3, 4) || localOffset + 30 > b.length) throw new ZipFormatError(`local header of entry ${i + 1} is missing`);
    const dataOffset = localOffset + 30 + u16(b, localOffset + 26) + u16(b, localOffset + 28);
    entries.push({
      name: decodeName(b.subarray(p + 46, p + 46 + nameLen), (flags & 0x800) !== 0),
      flags,
      method: u16(b, p + 10),
      crc: u32(b, p + 16),
      compressedSize,
      size,
      localOffset,
      centralOffset: p,
      dataOffset,
      time: u16(b, p + 12),
      date: u16(b, p + 14),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { entries, prefix, eocdOffset: eocd, centralOffset: centralOffset + prefix, centralSize };
}

/** Entries whose data ranges overlap another entry's: the shape of a non-recursive zip bomb. */
export function overlappingEntries(entries: readonly ZipEntry[]): number {
  const spans = entries.map((e) => [e.localOffset, e.dataOffset + e.compressedSize] as const).sort((x, y) => x[0] - y[0]);
  let overlaps = 0;
  for (let i = 1; i < spans.length; i++) if (spans[i][0] < spans[i - 1][1]) overlaps++;
  return overlaps;
}

/** One member's bytes (stored or deflate), or a reason it cannot be read. */
export function readZipMember(b: Uint8Array, e: ZipEntry, budget: Budget): Uint8Array | string {
  if (e.flags & 1) return "encrypted";
  if (e.method !== 0 && e.method !== 8) return `compression method ${e.method} is not supported`;
  const end = e.dataOffset + e.compressedSize;
  if (end > b.length) return "runs past the end of the archive";
  const raw = b.subarray(e.dataOffset, end);
  if (e.method === 0) return raw;
  try {
    return inflateRaw(raw, budget);
  } catch (err) {
    if (err instanceof CorruptData) return err.message;
    throw err;
  }
}

export function* zipMembers(b: Uint8Array, name: string, ctx: ExtractContext): Iterable<Member> {
  let dir: ZipDirectory;
  try {
    dir = readZipDirectory(b);
  } catch (err) {
    if (!(err instanceof ZipFormatError)) throw err;
    ctx.warn("BAD_ZIP", `${name}: ${err.message}`);
    return;
  }
  const overlaps = overlappingEntries(dir.entries);
  if (overlaps > 0) throw new LimitReached("overlap", `${overlaps} entries share their data with another entry`);
  const seen = new Set<string>();
  for (const e of dir.entries) {
    if (e.name.endsWith("/") && e.size === 0) continue; // a directory
    if (e.flags & 1) {
      ctx.skip(e.name, "encrypted");
      continue;
    }
    if (e.method !== 0 && e.method !== 8) {
      ctx.skip(e.name, `compression method ${e.method} is not supported`);
      continue;
    }
    // Identical members (same data, same kind of name) give identical results: scan one. This is
    // also what keeps a 42.zip-shaped bomb, 16 copies per level, to one path.
    const ext = e.name.slice(e.name.lastIndexOf(".") + 1).toLowerCase();
    const key = `${e.crc}:${e.method}:${e.compressedSize}:${e.size}:${ext}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ctx.budget.takeFile();
    const end = e.dataOffset + e.compressedSize;
    if (end > b.length) {
      ctx.warn("TRUNCATED_MEMBER", `${name}: member ${e.name} runs past the end of the archive`);
      continue;
    }
    const raw = b.subarray(e.dataOffset, end);
    let data: Uint8Array;
    if (e.method === 0) {
      ctx.budget.take(raw.length, raw.length, raw.length);
      data = raw;
    } else {
      try {
        data = inflateRaw(raw, ctx.budget);
      } catch (err) {
        if (!(err instanceof CorruptData)) throw err;
        ctx.warn("CORRUPT_MEMBER", `${name}: member ${e.name}: ${err.message}`);
        continue;
      }
    }
    if (data.length !== e.size || crc32(data) !== e.crc) ctx.warn("MEMBER_CRC_MISMATCH", `${name}: member ${e.name} does not match its recorded size or CRC`);
    yield { name: e.name, bytes: data };
  }
}
