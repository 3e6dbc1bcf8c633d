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

/**
 * What may be done with a detection: the action list, one definition. The position is the code
 * stencil rules are stored with in tgvxdb, so the list only grows at the end.
 *
 *   report      say what was found; change nothing
 *   clean       run the record's cleaning (the reverse of the infection); if that fails, the fallback
 *   remove      delete the object the detection is in (a file, or a member taken out of its package)
 *   quarantine  back up the object, then remove it (the user's right to back up)
 *   discard     drop the whole top object it came in (the message, the download), deliver nothing
 *   block       refuse a stream (gateways, proxies); a file at rest is only reported
 *   ignore      not a threat here: not reported as found, only listed with why
 */
export const ACTION_NAMES = ["report", "clean", "remove", "quarantine", "discard", "block", "ignore"] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** What to do when cleaning fails or cannot be done (no script, refused, a package that cannot be rebuilt). */
export const FALLBACK_NAMES = ["report", "remove", "quarantine"] as const satisfies readonly ActionName[];
export type FallbackName = (typeof FALLBACK_NAMES)[number];

/**
 * The control layers a decision is resolved through, lowest to highest: flow control (program
 * defaults and hard limits), the record (the virus's attributes and processing), the debug switch
 * (developer), the stencil (the environment), the INI (the user). A higher layer's word stands.
 */
export const LAYER_NAMES = ["flow", "record", "debug", "stencil", "ini"] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/** Where a detected object was found: the scanned object itself, inside an archive, inside e-mail. */
export const CONTEXT_NAMES = ["top", "archive", "mail"] as const;
export type ContextName = (typeof CONTEXT_NAMES)[number];
