/**
 * BZIP2 decompression. Written here rather than taken from npm: the pure-JS decoders there use
 * Node's Buffer (the engine core runs in browsers too) or cannot stop at an output limit, and a
 * bzip2 bomb expands by far more than deflate's 1032:1. Every table index and count is checked
 * against the format's bounds; output is accounted to the budget as it is produced.
 */
import { innerName, type ExtractContext, type Member } from "./container.js";
import { CorruptData } from "./inflate.js";
import type { Budget } from "./limits.js";

const BLOCK_MAGIC = [0x314159, 0x265359];
const END_MAGIC = [0x177245, 0x385090];
const MAX_GROUPS = 6;
const MAX_SELECTORS = 18002;
const MAX_CODE_LENGTH = 20;
const FLUSH = 1 << 16;

/** MSB-first bit reader over a 31-bit accumulator (reads of at most 24 bits at a time). */
class Bits {
  private p = 0;
  private acc = 0;
  private n = 0;
  constructor(private readonly b: Uint8Array) {}

  read(n: number): number {
    while (this.n < n) {
      if (this.p >= this.b.length) throw new CorruptData("bzip2 data ends early");
      this.acc = ((this.acc & ((1 << this.n) - 1)) << 8) | this.b[this.p++];
      this.n += 8;
    }
    this.n -= n;
    return (this.acc >>> this.n) & ((1 << n) - 1);
  }

  read32(): number {
    return this.read(16) * 0x10000 + this.read(16);
  }

  bit(): number {
    if (this.n === 0) {
      if (this.p >= this.b.length) throw new CorruptData("bzip2 data ends early");
      this.acc = this.b[this.p++];
      this.n = 8;
    }
    return (this.acc >>> --this.n) & 1;
  }

  alignToByte(): void {
    this.n -= this.n & 7;
  }

  get byteOffset(): number {
    return (this.p * 8 - this.n) >>> 3;
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

interface Huffman {
  count: Int32Array;
  firstCode: Int32Array;
  firstIndex: Int32Array;
  perm: Int32Array;
  maxLen: number;
}

function buildHuffman(lengths: Uint8Array, alphaSize: number): Huffman {
  const count = new Int32Array(MAX_CODE_LENGTH + 1);
  for (let i = 0; i < alphaSize; i++) count[lengths[i]]++;
  const firstCode = new Int32Array(MAX_CODE_LENGTH + 2);
  const firstIndex = new Int32Array(MAX_CODE_LENGTH + 2);
  let code = 0;
  let index = 0;
  let maxLen = 0;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    firstCode[len] = code;
    firstIndex[len] = index;
    code = (code + count[len]) * 2;
    index += count[len];
    if (count[len]) maxLen = len;
  }
  const next = firstIndex.slice();
  const perm = new Int32Array(alphaSize);
  for (let s = 0; s < alphaSize; s++) perm[next[lengths[s]]++] = s;
  return { count, firstCode, firstIndex, perm, maxLen };
}

function decodeSymbol(bits: Bits, h: Huffman): number {
  let code = 0;
  for (let len = 1; len <= h.maxLen; len++) {
    code = code * 2 + bits.bit();
    const d = code - h.firstCode[len];
    if (d >= 0 && d < h.count[len]) return h.perm[h.firstIndex[len] + d];
  }
  throw new CorruptData("bzip2 Huffman code not in its table");
}

/** Output in FLUSH-sized parts, each accounted to the budget as it is completed. */
class Output {
  readonly parts: Uint8Array[] = [];
  total = 0;
  buf = new Uint8Array(FLUSH);
  len = 0;
  constructor(
    private readonly budget: Budget,
    private readonly bits: Bits,
  ) {}

  flush(): void {
    if (!this.len) return;
    this.parts.push(this.len === FLUSH ? this.buf : this.buf.slice(0, this.len));
    this.total += this.len;
    this.budget.take(this.len, this.total, Math.max(1, this.bits.byteOffset));
    this.buf = new Uint8Array(FLUSH);
    this.len = 0;
  }

  result(): Uint8Array {
    this.flush();
    const result = new Uint8Array(this.total);
    let q = 0;
    for (const p of this.parts) {
      result.set(p, q);
      q += p.length;
    }
    return result;
  }
}

/** Decompress a whole .bz2 (several concatenated streams allowed). */
export function bunzip2(data: Uint8Array, budget: Budget): Uint8Array {
  const bits = new Bits(data);
  const out = new Output(budget, bits);
  let streams = 0;
  while (bits.byteOffset + 4 <= data.length) {
    if (bits.read(24) !== 0x425a68) {
      if (streams === 0) throw new CorruptData("not bzip2 data (no BZh signature)");
      break; // trailing garbage after a complete stream
    }
    const level = bits.read(8) - 0x30;
    if (level < 1 || level > 9) throw new CorruptData(`bad bzip2 block size ${level}`);
    const blockMax = level * 100000;
    const tt = new Int32Array(blockMax);
    for (;;) {
      const m1 = bits.read(24);
      const m2 = bits.read(24);
      if (m1 === END_MAGIC[0] && m2 === END_MAGIC[1]) {
        bits.read32(); // combined CRC: each block's CRC is already checked
        bits.alignToByte();
        break;
      }
      if (m1 !== BLOCK_MAGIC[0] || m2 !== BLOCK_MAGIC[1]) throw new CorruptData("bad bzip2 block header");
      const blockCrc = bits.read32();
      if (bits.bit()) throw new CorruptData("randomised bzip2 blocks are not supported");
      const origPtr = bits.read(24);
      const byteCount = new Int32Array(256);
      const count = readBlock(bits, tt, blockMax, byteCount);
      if (origPtr >= count) throw new CorruptData("bzip2 origin pointer outside the block");
      if (writeBlock(tt, count, origPtr, byteCount, out) !== blockCrc) throw new CorruptData("bzip2 block CRC mismatch");
      budget.checkTime();
    }
    streams++;
  }
  return out.result();
}

/** Huffman tables, then RUNA/RUNB run lengths + move-to-front into tt[]; returns the byte count. */
function readBlock(bits: Bits, tt: Int32Array, blockMax: number, byteCount: Int32Array): number {
  const used: number[] = [];
  const groupsUsed = bits.read(16);
  for (let i = 0; i < 16; i++)
    if (groupsUsed & (0x8000 >> i)) {
      const g = bits.read(16);
      for (let j = 0; j < 16; j++) if (g & (0x8000 >> j)) used.push(i * 16 + j);
    }
  if (used.length === 0) throw new CorruptData("bzip2 block uses no symbols");
  const alphaSize = used.length + 2;

  const nGroups = bits.read(3);
  if (nGroups < 2 || nGroups > MAX_GROUPS) throw new CorruptData(`bad bzip2 group count ${nGroups}`);
  const nSelectors = bits.read(15);
  if (nSelectors < 1 || nSelectors > MAX_SELECTORS) throw new CorruptData(`bad bzip2 selector count ${nSelectors}`);
  const groupMtf = Array.from({ length: nGroups }, (_, i) => i);
  const selectors = new Uint8Array(nSelectors);
  for (let i = 0; i < nSelectors; i++) {
    let j = 0;
    while (bits.bit()) if (++j >= nGroups) throw new CorruptData("bad bzip2 selector");
    const g = groupMtf[j];
    groupMtf.splice(j, 1);
    groupMtf.unshift(g);
    selectors[i] = g;
  }
  const tables: Huffman[] = [];
  for (let g = 0; g < nGroups; g++) {
    const lengths = new Uint8Array(alphaSize);
    let len = bits.read(5);
    for (let s = 0; s < alphaSize; s++) {
      for (;;) {
        if (len < 1 || len > MAX_CODE_LENGTH) throw new CorruptData("bad bzip2 code length");
        if (!bits.bit()) break;
        len += bits.bit() ? -1 : 1;
      }
      lengths[s] = len;
    }
    tables.push(buildHuffman(lengths, alphaSize));
  }

  const mtf = Uint8Array.from(used);
  let count = 0;
  let selector = 0;
  let left = 0;
  let table = tables[0];
  let run = 0;
  let runWeight = 1;
  const eob = alphaSize - 1;
  for (;;) {
    if (left === 0) {
      if (selector >= nSelectors) throw new CorruptData("bzip2 selectors exhausted");
      table = tables[selectors[selector++]];
      left = 50;
    }
    left--;
    const sym = decodeSymbol(bits, table);
    if (sym <= 1) {
      run += (sym + 1) * runWeight;
      runWeight *= 2;
      if (run > blockMax) throw new CorruptData("bzip2 run longer than the block");
      continue;
    }
    if (run) {
      const b = mtf[0];
      if (count + run > blockMax) throw new CorruptData("bzip2 block larger than its declared size");
      byteCount[b] += run;
      tt.fill(b, count, count + run);
      count += run;
      run = 0;
      runWeight = 1;
    }
    if (sym === eob) return count;
    const idx = sym - 1;
    if (idx >= mtf.length) throw new CorruptData("bzip2 move-to-front index out of range");
    const b = mtf[idx];
    for (let k = idx; k > 0; k--) mtf[k] = mtf[k - 1];
    mtf[0] = b;
    if (count >= blockMax) throw new CorruptData("bzip2 block larger than its declared size");
    byteCount[b]++;
    tt[count++] = b;
  }
}

/**
 * Inverse Burrows-Wheeler (tt[i] gets the next index above its byte), then undo the initial
 * run-length coding (4 equal bytes, then a repeat count) while writing out. Returns the block CRC.
 */
function writeBlock(tt: Int32Array, count: number, origPtr: number, byteCount: Int32Array, out: Output): number {
  const start = new Int32Array(256);
  for (let i = 0, sum = 0; i < 256; i++) {
    start[i] = sum;
    sum += byteCount[i];
  }
  for (let i = 0; i < count; i++) {
    const b = tt[i] & 0xff;
    tt[start[b]++] |= i << 8;
  }
  let crc = 0xffffffff;
  let pos = tt[origPtr] >> 8;
  let last = -1;
  let same = 0;
  let buf = out.buf;
  let len = out.len;
  for (let i = 0; i < count; i++) {
    const entry = tt[pos];
    pos = entry >> 8;
    let v = entry & 0xff;
    let reps = 1;
    if (same === 4) {
      reps = v;
      v = last;
      same = 0;
      last = -1;
    } else if (v === last) same++;
    else {
      last = v;
      same = 1;
    }
    for (let k = 0; k < reps; k++) {
      if (len === FLUSH) {
        out.len = len;
        out.flush();
        buf = out.buf;
        len = 0;
      }
      buf[len++] = v;
      crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ v) & 0xff];
    }
  }
  out.len = len;
  return (crc ^ 0xffffffff) >>> 0;
}

export function* bzip2Members(b: Uint8Array, name: string, ctx: ExtractContext): Iterable<Member> {
  let inner = innerName(name, [".bz2", ".tbz2", ".tbz"], "content");
  if (/\.tbz2?$/i.test(name)) inner += ".tar";
  ctx.budget.takeFile();
  let data: Uint8Array;
  try {
    data = bunzip2(b, ctx.budget);
  } catch (err) {
    if (!(err instanceof CorruptData)) throw err;
    ctx.warn("CORRUPT_BZIP2", `${name}: ${err.message}`);
    return;
  }
  yield { name: inner, bytes: data };
}
