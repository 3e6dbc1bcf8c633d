/**
 * xorshift-decode: a processing module for infectors that keep what they overwrote (the original
 * entry point, a checksum) encrypted with a keystream, so no cleaning script can read it back.
 *
 * The keystream is xorshift32 (13, 17, 5) from a 32-bit seed, run first for a stored number of
 * warm-up rounds (u16), then one step per byte, XORing the low byte of the state. Seed and round
 * count sit beside the encrypted bytes and differ in every copy; undoing it needs a loop of up to
 * 65,535 rounds, which the bounded, loop-free script language cannot express by design. The module
 * decodes the bytes in place and hands the object on to the record's script (e.g. `pe-tail`),
 * which then reads them as plain values.
 */
import { z } from "zod";
import { ANCHOR_NAMES } from "../file-type.js";
import type { TgvxModule } from "./module.js";

const offset = z.number().int().min(-0x7fffffff).max(0x7fffffff);

export const XorshiftArgs = z
  .object({
    anchor: z.enum(ANCHOR_NAMES).default("start").describe("Where the offsets are measured from (default start)."),
    at: offset.describe("Offset of the encrypted bytes from the anchor."),
    length: z.number().int().min(1).max(4096).describe("How many bytes are encrypted."),
    seed: offset.describe("Offset of the u32 seed from the anchor."),
    rounds: offset.describe("Offset of the u16 warm-up round count from the anchor."),
  })
  .strict();
export type XorshiftArgs = z.infer<typeof XorshiftArgs>;

export function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

export const xorshiftDecodeModule: TgvxModule<XorshiftArgs> = {
  name: "xorshift-decode",
  version: "1.0.0",
  description: "decodes bytes an infector stored encrypted with a xorshift32 keystream (seed and warm-up rounds stored beside them), in place, before the record's script",
  args: XorshiftArgs,
  process(o, a, ctx) {
    const base = o.anchor(a.anchor);
    if (base < 0) return { refuse: `the object has no ${a.anchor} anchor` };
    const at = base + a.at;
    const seedAt = base + a.seed;
    const roundsAt = base + a.rounds;
    if (at < 0 || at + a.length > o.size || seedAt < 0 || seedAt + 4 > o.size || roundsAt < 0 || roundsAt + 2 > o.size)
      return { refuse: "the encrypted bytes, seed or round count lie outside the object" };
    let x = o.u32(seedAt);
    if (x === 0) return { refuse: "the stored seed is 0 (a xorshift keystream never starts from 0): the stored data is damaged" };
    for (let r = o.u16(roundsAt); r > 0; r--) {
      x = xorshift32(x);
      ctx.step();
    }
    const out = o.copy();
    for (let i = 0; i < a.length; i++) {
      x = xorshift32(x);
      out[at + i] ^= x & 0xff;
    }
    return { output: out };
  },
};
