/**
 * Why a record did not match a sample, step by step as the engine decides (status, file type,
 * anchor, first word, window 1, window 2), so a failing test says what to fix in the record.
 * Only runs for missed samples; it re-derives the checks from the record, not from the index.
 */
import { Anchor, analyzeObject, crc32, FileType, NO_ANCHOR, fileTypeNames, type Database } from "@tgvx/engine";

const hex = (n: number, w = 0) => `0x${n.toString(16).toUpperCase().padStart(w, "0")}`;
const byte = (b: number) => b.toString(16).toUpperCase().padStart(2, "0");

/** One sentence: why `name` does not match the top level of `bytes`. */
export function explainMiss(db: Database, bytes: Uint8Array, objectName: string, name: string): string {
  const row = db.rowOfName(name);
  if (row < 0) return `the database has no record ${name}`;
  const rec = db.record(row);
  if (rec.status === "deprecated") return `${name} is deprecated and no longer detects`;
  const d = rec.detect;
  if (!d) return `module ${rec.module ?? "(none)"} did not find ${name} in the sample (check the record's args against it; scan warnings name a module that failed)`;
  const info = analyzeObject(bytes, objectName);
  const types = fileTypeNames(info.types);
  const container = types.some((t) => t === "zip" || t === "gzip" || t === "tar" || t === "bzip2" || t === "mail");
  const inside = container ? `; nor inside any member of the ${types.join("+")} (the engine unpacked it)` : "";
  if (d.filetypes.length) {
    const want = d.filetypes.reduce((bits, t) => bits | FileType[t], 0);
    if ((want & info.types) === 0) return `${name} is for ${d.filetypes.join("/")} files; the sample is recognised as ${types.join("+") || "unknown"}${inside}`;
  }
  const a = info.anchors[Anchor[d.anchor]];
  if (a === NO_ANCHOR) return `the sample has no ${d.anchor} anchor (${types.join("+") || "unknown type"}), which ${name} is measured from${inside}`;
  const at = a + d.at;
  if (at < 0 || at + 2 > bytes.length) return `${name}'s first word at ${hex(at)} (${d.anchor} ${hex(a)} ${d.at < 0 ? "-" : "+"} ${hex(Math.abs(d.at))}) lies outside the ${bytes.length}-byte sample${inside}`;
  if (bytes[at] !== d.first[0] || bytes[at + 1] !== d.first[1])
    return `first word at ${hex(at)} is ${byte(bytes[at])} ${byte(bytes[at + 1])}, ${name} wants ${byte(d.first[0])} ${byte(d.first[1])}${inside}`;
  for (const [i, w] of d.windows.entries()) {
    const pos = a + w.offset;
    const what = `window ${i + 1} (${hex(w.length)} bytes at ${hex(pos)})`;
    if (pos < 0 || pos + w.length > bytes.length) return `first word matches, but ${name}'s ${what} runs outside the ${bytes.length}-byte sample${inside}`;
    const crc = crc32(bytes, pos, pos + w.length) >>> 0;
    if (crc !== w.crc >>> 0) return `first word matches, but ${name}'s ${what} has CRC ${hex(crc, 8)}, the record wants ${hex(w.crc >>> 0, 8)}${inside}`;
  }
  return `${name} matches the sample's own bytes; the engine did not report it (index or limits)`;
}
