/**
 * xor-add: detects a body encoded byte by byte with XOR or ADD and a key that changes in every
 * copy (so no first word or CRC window over the file's bytes is stable), and decodes it for cleaning.
 *
 * The encoding is the one the cleaning script's `decode` step undoes: byte i of the block is
 * XORed with (or has added to it) key + i * step, modulo 256. The module finds key and step from
 * the known plaintext the record gives (the first two bytes give them, the rest confirm), decodes
 * the record's window and compares its CRC-32. A decryptor stub of varying length in front of the
 * block is covered by `search`: the block is looked for at `at`, `at + 1`, ... `at + search` from
 * the anchor. Processing decodes the whole block in place, so the record's script can then read
 * what the virus stored there (the host's first bytes, its entry point) as plain values.
 */
import { z } from "zod";
import { crc32 } from "../crc32.js";
import { ANCHOR_NAMES } from "../file-type.js";
import type { ModuleContext, ModuleObject, TgvxModule } from "./module.js";

const MAX_DISTANCE = 0x7fffffff;
const MAX_BLOCK = 0x100000;

const hexBytes = z
  .string()
  .regex(/^[0-9A-Fa-f]{2}( ?[0-9A-Fa-f]{2})*$/, 'hex bytes, e.g. "56 4C 7C 74"')
  .transform((s) => Uint8Array.from(s.replace(/ /g, "").match(/../g)!, (h) => parseInt(h, 16)))
  .refine((b) => b.length >= 4 && b.length <= 64, "4 to 64 bytes: two give the key and step, the others confirm them");

export const XorAddArgs = z
  .object({
    anchor: z.enum(ANCHOR_NAMES).default("start").describe("Where `at` is measured from (default start)."),
    at: z.number().int().min(-MAX_DISTANCE).max(MAX_DISTANCE).default(0).describe("Offset of the encoded block from the anchor."),
    search: z.number().int().min(0).max(4096).default(0).describe("Also try the block this many bytes further on (a decryptor of varying length)."),
    length: z.number().int().min(4).max(MAX_BLOCK).describe("Length of the encoded block."),
    known: hexBytes.describe("The plaintext the block starts with (hex bytes)."),
    methods: z.array(z.enum(["xor", "add"])).min(1).default(["xor", "add"]).describe("Encodings to try."),
    window: z
      .object({
        offset: z.number().int().min(0).max(MAX_BLOCK).describe("Offset inside the decoded block."),
        length: z.number().int().min(1).max(MAX_BLOCK),
        crc: z.number().int().min(0).max(0xffffffff).describe("IEEE CRC-32 of the decoded bytes."),
      })
      .strict()
      .describe("The CRC window over the decoded block (keep host-dependent bytes out of it)."),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.known.length > a.length) ctx.addIssue({ code: "custom", path: ["known"], message: `the known plaintext (${a.known.length} bytes) is longer than the block (${a.length})` });
    if (a.window.offset + a.window.length > a.length)
      ctx.addIssue({ code: "custom", path: ["window", "length"], message: `the window (${a.window.offset} + ${a.window.length}) runs past the ${a.length}-byte block` });
  });
export type XorAddArgs = z.infer<typeof XorAddArgs>;

interface Key {
  xor: boolean;
  key: number;
  step: number;
}

/** The key and step that turn the block at `pos` into the known plaintext, if any. */
function findKey(o: ModuleObject, pos: number, a: XorAddArgs): Key | undefined {
  const c = o.bytes(pos, a.known.length);
  const p = a.known;
  for (const method of a.methods) {
    const xor = method === "xor";
    const key = xor ? c[0] ^ p[0] : (c[0] - p[0]) & 0xff;
    const next = xor ? c[1] ^ p[1] : (c[1] - p[1]) & 0xff;
    const step = (next - key) & 0xff;
    let i = 2;
    for (; i < p.length; i++) {
      const k = (key + i * step) & 0xff;
      if ((xor ? c[i] ^ k : (c[i] - k) & 0xff) !== p[i]) break;
    }
    if (i === p.length) return { xor, key, step };
  }
  return undefined;
}

/** Decode `length` bytes that sit `first` bytes into the block, into `out` at `to`. */
function decode(src: Uint8Array, k: Key, first: number, out: Uint8Array, to: number, ctx: ModuleContext): void {
  let key = (k.key + first * k.step) & 0xff;
  for (let i = 0; i < src.length; i++) {
    out[to + i] = k.xor ? src[i] ^ key : (src[i] - key) & 0xff;
    key = (key + k.step) & 0xff;
    if ((i & 0xfff) === 0xfff) ctx.step();
  }
}

export const xorAddModule: TgvxModule<XorAddArgs> = {
  name: "xor-add",
  version: "1.0.0",
  description: "finds a block encoded with XOR or ADD and a per-copy key from a known plaintext, checks a CRC window of the decoded block; cleaning decodes it in place",
  args: XorAddArgs,
  detect(o, a, ctx) {
    const base = o.anchor(a.anchor);
    if (base < 0) return undefined;
    for (let d = 0; d <= a.search; d++) {
      ctx.step();
      const pos = base + a.at + d;
      if (pos < 0) continue;
      if (pos + a.length > o.size) break;
      const k = findKey(o, pos, a);
      if (!k) continue;
      const plain = new Uint8Array(a.window.length);
      decode(o.bytes(pos + a.window.offset, a.window.length), k, a.window.offset, plain, 0, ctx);
      if (crc32(plain) === a.window.crc) return { at: pos, anchor: a.anchor };
    }
    return undefined;
  },
  process(o, a, ctx) {
    const pos = ctx.detection.offset;
    if (pos < 0 || pos + a.length > o.size) return { refuse: `the encoded block (${a.length} bytes at ${pos}) is not inside the object` };
    const k = findKey(o, pos, a);
    if (!k) return { refuse: "the known plaintext does not decode at the place the block was found" };
    const out = o.copy();
    decode(out.subarray(pos, pos + a.length), k, 0, out, pos, ctx);
    return { output: out };
  },
};
