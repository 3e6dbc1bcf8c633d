/**
 * The closed word lists shared by records, the compiler and the engine. The position of a word
 * in its list is its code in tgvxdb (bit number for attributes), so lists only ever grow at the end.
 */

/** Record attributes: a virus's specialty, compiled to a 32-bit set (bit = index). */
export const ATTRIBUTE_NAMES = [
  "infector",
  "mailer",
  "net-worm",
  "backdoor",
  "trojan",
  "dropper",
  "downloader",
  "adware",
  "riskware",
  "sfx",
  "archive-spreader",
  "resident",
  "boot",
  "polymorphic",
  "encrypted",
  "destructive",
  "stealth",
  "macro",
  "test",
] as const;
export type AttributeName = (typeof ATTRIBUTE_NAMES)[number];

/** What kind of threat a record is; sites switch grey-area categories (adware, riskware) per policy. */
export const CATEGORY_NAMES = ["virus", "worm", "trojan", "backdoor", "adware", "riskware", "test"] as const;
export type CategoryName = (typeof CATEGORY_NAMES)[number];

/** Lifecycle of a record; a deprecated id is retired, never reused. */
export const STATUS_NAMES = ["experimental", "stable", "deprecated"] as const;
export type StatusName = (typeof STATUS_NAMES)[number];

/** Record types of the seed design: 1/2 detect by module, 3/4 by first word + two CRC windows (4 adds file types). */
export const RECORD_TYPES = [1, 2, 3, 4] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export function attributeBits(names: readonly AttributeName[]): number {
  let bits = 0;
  for (const n of names) bits |= 1 << ATTRIBUTE_NAMES.indexOf(n);
  return bits >>> 0;
}

export function attributeNames(bits: number): AttributeName[] {
  return ATTRIBUTE_NAMES.filter((_, i) => (bits >>> i) & 1);
}
