/**
 * The code analyzer (INI CodeAnalyzer=Yes): structures that are suspicious in themselves, found
 * without a record. They are reported as `Heuristics.*`, decided as suspicious (reported, copied
 * aside with SuspiciousCopy), and never cleaned or removed: a heuristic is a reason to look, not
 * proof. Reads only what it checks, bounds-checked; malformed headers simply give no finding.
 *
 *   Heuristics.PE.WritableEntrySection  the entry point lies in the last section, and that section
 *                                       is both writable and executable: how appending infectors
 *                                       (and packers) leave a program
 *   Heuristics.Mail.DoubleExtension     an e-mail attachment named like a document but ending in a
 *                                       program's extension ("invoice.pdf.exe", "photo.jpg     .scr")
 */
import type { FileTypeName } from "./file-type.js";

export interface HeuristicFinding {
  name: string;
  message: string;
}

export const HEURISTIC_NAMES = ["Heuristics.PE.WritableEntrySection", "Heuristics.Mail.DoubleExtension"] as const;

const SCN_MEM_EXECUTE = 0x20000000;
const SCN_MEM_WRITE = 0x80000000;
const MAX_SECTIONS = 96;

function peEntrySection(b: Uint8Array): { index: number; count: number; name: string; characteristics: number } | undefined {
  if (b.length < 0x40) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pe = v.getUint32(0x3c, true);
  if (pe + 24 > b.length || v.getUint32(pe, true) !== 0x00004550) return undefined;
  const count = v.getUint16(pe + 6, true);
  const opt = pe + 24;
  if (opt + 20 > b.length) return undefined;
  const rva = v.getUint32(opt + 16, true);
  const table = opt + v.getUint16(pe + 20, true);
  const n = Math.min(count, MAX_SECTIONS);
  for (let i = 0; i < n; i++) {
    const s = table + i * 40;
    if (s + 40 > b.length) return undefined;
    const va = v.getUint32(s + 12, true);
    const size = Math.max(v.getUint32(s + 8, true), v.getUint32(s + 16, true));
    if (va <= rva && rva < va + size) {
      let name = "";
      for (let k = 0; k < 8 && b[s + k]; k++) name += String.fromCharCode(b[s + k]);
      return { index: i, count, name, characteristics: v.getUint32(s + 36, true) };
    }
  }
  return undefined;
}

/** Extensions of programs and scripts that run when opened. */
const RUNNABLE = new Set(["exe", "com", "scr", "pif", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "hta", "cpl", "msi", "lnk", "ps1"]);
/** Extensions a reader takes for harmless content. */
const LOOKS_HARMLESS = new Set(["txt", "doc", "docx", "pdf", "rtf", "xls", "xlsx", "jpg", "jpeg", "gif", "png", "bmp", "htm", "html", "mp3", "wav", "avi", "mpg", "zip"]);

/**
 * Heuristic findings for one object. `inMail`: the object is an e-mail part (its name is the
 * attachment's file name).
 */
export function analyzeCode(bytes: Uint8Array, name: string, types: readonly FileTypeName[], inMail: boolean): HeuristicFinding[] {
  const out: HeuristicFinding[] = [];
  if (types.includes("pe32") || types.includes("pe64")) {
    const e = peEntrySection(bytes);
    if (e && e.index === e.count - 1 && e.count > 1 && (e.characteristics & SCN_MEM_EXECUTE) !== 0 && (e.characteristics & SCN_MEM_WRITE) !== 0)
      out.push({
        name: HEURISTIC_NAMES[0],
        message: `the entry point is in the last section (${e.name || `#${e.index + 1}`} of ${e.count}), which is writable and executable (characteristics 0x${(e.characteristics >>> 0).toString(16).toUpperCase()})`,
      });
  }
  if (inMail) {
    const m = /\.([A-Za-z0-9]{1,5})(\s*)\.([A-Za-z0-9]{1,4})$/.exec(name);
    if (m && LOOKS_HARMLESS.has(m[1].toLowerCase()) && RUNNABLE.has(m[3].toLowerCase()))
      out.push({ name: HEURISTIC_NAMES[1], message: `the attachment "${name}" is named like a .${m[1].toLowerCase()} file${m[2] ? " (with spaces hiding the rest)" : ""} but is a .${m[3].toLowerCase()} that runs when opened` });
  }
  return out;
}
