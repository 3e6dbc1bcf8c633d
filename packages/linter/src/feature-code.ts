/**
 * A record's feature code (first word + two CRC windows) as byte ranges relative to its anchor,
 * and a step-by-step check of it against one object, in the order the engine decides (file
 * type, anchor, first word, window 1, window 2), so a finding can name the field to fix.
 */
import { Anchor, analyzeObject, crc32, FileType, fileTypeNames, NO_ANCHOR, type FileTypeName } from "@tgvx/engine";
import type { DetectSpec } from "@tgvx/records";

export const hex = (n: number, width = 2): string => `${n < 0 ? "-" : ""}0x${Math.abs(n).toString(16).toUpperCase().padStart(width, "0")}`;
export const crcHex = (n: number): string => hex(n >>> 0, 8);
export const byteHex = (b: number): string => b.toString(16).toUpperCase().padStart(2, "0");
/** "jump+0x60", "end-0x1A0", "start+0x00". */
export const fromAnchor = (anchor: string, offset: number): string => `${anchor}${offset < 0 ? "-" : "+"}${hex(Math.abs(offset))}`;

/** The two bytes of a first word such as "55 8B" or "558b". */
export function firstBytes(first: string): [number, number] {
  const h = first.replace(/ /g, "");
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16)];
}

export interface Part {
  /** Field path inside the record's `detect`. */
  field: (string | number)[];
  label: string;
  start: number;
  end: number;
}

/** First word and windows as [start, end) offsets from the anchor. */
export function partsOf(d: DetectSpec): Part[] {
  const at = d.at ?? 0;
  return [
    { field: [d.at === undefined ? "first" : "at"], label: "the first word", start: at, end: at + 2 },
    ...d.windows.map((w, i) => ({ field: ["windows", i, "offset"], label: `window ${i + 1}`, start: w.offset, end: w.offset + w.length })),
  ];
}

const CONTAINERS: readonly FileTypeName[] = ["zip", "gzip", "tar", "bzip2", "mail"];

export type Mismatch =
  | { kind: "fileType"; want: string; got: string }
  | { kind: "noAnchor"; got: string }
  | { kind: "firstOutside"; pos: number; size: number }
  | { kind: "firstWord"; pos: number; got: string }
  | { kind: "windowOutside"; window: number; pos: number; size: number }
  | { kind: "windowCrc"; window: number; pos: number; actual: number }
  | { kind: "container"; got: string }
  | { kind: "none"; got: string };

/**
 * Why `d` does not match the top level of `bytes` (named `name`, for the ".com" rule), or
 * `none` when it does. A container gets `container`: what matters is inside it.
 */
export function explainMismatch(d: DetectSpec, bytes: Uint8Array, name: string): Mismatch {
  const info = analyzeObject(bytes, name);
  const got = fileTypeNames(info.types).join("+") || "unknown";
  if (fileTypeNames(info.types).some((t) => CONTAINERS.includes(t))) return { kind: "container", got };
  if (d.filetypes) {
    const want = d.filetypes.reduce((bits, t) => bits | FileType[t], 0);
    if ((want & info.types) === 0) return { kind: "fileType", want: d.filetypes.join("/"), got };
  }
  const a = info.anchors[Anchor[d.anchor]];
  if (a === NO_ANCHOR) return { kind: "noAnchor", got };
  const pos = a + (d.at ?? 0);
  if (pos < 0 || pos + 2 > bytes.length) return { kind: "firstOutside", pos, size: bytes.length };
  const [b0, b1] = firstBytes(d.first);
  if (bytes[pos] !== b0 || bytes[pos + 1] !== b1) return { kind: "firstWord", pos, got: `${byteHex(bytes[pos])} ${byteHex(bytes[pos + 1])}` };
  for (const [i, w] of d.windows.entries()) {
    const p = a + w.offset;
    if (p < 0 || p + w.length > bytes.length) return { kind: "windowOutside", window: i + 1, pos: p, size: bytes.length };
    const actual = crc32(bytes, p, p + w.length) >>> 0;
    if (actual !== w.crc >>> 0) return { kind: "windowCrc", window: i + 1, pos: p, actual };
  }
  return { kind: "none", got };
}
