/** Which reader opens a container: one choice for Engine.scan and the stream scanner (which names what it could not open). */
import type { ScanOptions } from "../engine.js";
import type { FileTypeName } from "../file-type.js";
import { bzip2Members } from "./bzip2.js";
import type { Extractor } from "./container.js";
import { gzipMembers } from "./gzip.js";
import { mailMembers } from "./mail.js";
import { tarMembers } from "./tar.js";
import { zipMembers } from "./zip.js";

/** The container an object of these types is, as the options let it be opened: its reader and what it is; undefined when none. */
export function containerOf(
  has: (type: FileTypeName) => boolean,
  bytes: Uint8Array,
  options: Pick<ScanOptions, "archives" | "packed" | "mail" | "mailboxes">,
): { extract: Extractor; kind: string } | undefined {
  const archives = options.archives !== false;
  const packed = (options.packed ?? options.archives) !== false;
  // Formats identified by their first bytes go first: a tar or gzip holding a zip also ends
  // with a zip's end record, which alone marks an appended (SFX) zip.
  if (has("tar")) {
    if (archives) return { extract: tarMembers, kind: "tar archive" };
  } else if (has("gzip")) {
    if (packed) return { extract: gzipMembers, kind: "gzip stream" };
  } else if (has("bzip2")) {
    if (packed) return { extract: bzip2Members, kind: "bzip2 stream" };
  } else if (has("zip")) {
    const sfx = has("mz") || has("ne") || has("pe32") || has("pe64");
    if (sfx ? packed : archives) return { extract: zipMembers, kind: sfx ? "zip appended to an executable" : "zip archive" };
  }
  if (has("mail")) {
    const mbox = bytes[0] === 0x46 && bytes[1] === 0x72 && bytes[2] === 0x6f && bytes[3] === 0x6d && bytes[4] === 0x20; // "From "
    if ((mbox ? (options.mailboxes ?? options.mail) : options.mail) !== false) return { extract: mailMembers, kind: mbox ? "mailbox" : "e-mail" };
  }
  return undefined;
}
