/**
 * Deterministic randomness for the benchmarks: sfc32 for decisions, AES-256-CTR keystreams for
 * bulk bytes, both derived from a seed and a label (the same approach as bench/foundation.mjs).
 * Plain Node 20 ESM; nothing here is real malware.
 */
import { createCipheriv, createHash } from "node:crypto";

export function seedWords(seed, label) {
  const h = createHash("sha256").update(`tgvx-bench:${seed}:${label}`).digest();
  return [h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)];
}

export class Rng {
  constructor(seed, label) {
    [this.a, this.b, this.c, this.d] = seedWords(seed, label);
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32() {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  float() {
    return this.u32() / 4294967296;
  }
  /** Inclusive. */
  int(lo, hi) {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  chance(p) {
    return this.float() < p;
  }
  pick(arr) {
    return arr[Math.floor(this.float() * arr.length)];
  }
  /** Skewed pick: low indices are more popular (index ~ n * u^k). */
  skewed(arr, k = 2) {
    return arr[Math.floor(arr.length * this.float() ** k)];
  }
  /** Pick from [value, weight] pairs. */
  weighted(pairs) {
    const total = pairs.reduce((s, [, w]) => s + w, 0);
    let x = this.float() * total;
    for (const [v, w] of pairs) if ((x -= w) < 0) return v;
    return pairs[pairs.length - 1][0];
  }
  shuffle(arr) {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
  }
}

const ZEROS = Buffer.alloc(1 << 20);

/** `n` pseudo-random bytes, the `index`-th stream of `label`. */
export function keystream(seed, label, index, n) {
  const key = createHash("sha256").update(`tgvx-bench:${seed}:${label}`).digest();
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(index >>> 0, 0);
  iv.writeUInt32BE(Math.floor(index / 4294967296), 4);
  const c = createCipheriv("aes-256-ctr", key, iv);
  if (n <= ZEROS.length) return c.update(ZEROS.subarray(0, n));
  const parts = [];
  for (let left = n; left > 0; left -= ZEROS.length) parts.push(c.update(ZEROS.subarray(0, Math.min(left, ZEROS.length))));
  return Buffer.concat(parts);
}

/** Byte -> printable character (letters, spaces, newlines, digits, punctuation): "text" to the engine. */
const TEXT_MAP = (() => {
  const m = new Uint8Array(256);
  const letters = "etaoinshrdlucmfwypvbgkjqxzETAOINSHRDLUCMFWYPVBGKJQXZ0123456789.,;:-'()\"!?/";
  for (let b = 0; b < 256; b++) {
    if (b < 40) m[b] = 0x20;
    else if (b < 44) m[b] = 0x0a;
    else m[b] = letters.charCodeAt((b - 44) % letters.length);
  }
  return m;
})();

export function toText(buf) {
  for (let i = 0; i < buf.length; i++) buf[i] = TEXT_MAP[buf[i]];
  return buf;
}

export const hex = (n, width = 2) => `0x${n.toString(16).toUpperCase().padStart(width, "0")}`;
export const hexByte = (b) => b.toString(16).toUpperCase().padStart(2, "0");

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
