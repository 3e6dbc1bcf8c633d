/**
 * The tgvxpatch binary layout: the one definition the writer (`patch-to-binary.ts`, used by the
 * compiler's `makePatch`) and the reader (`patch-from-binary.ts`, used by `applyPatch`) follow.
 * Little-endian. A patch turns one database (the base, named by its content SHA-256) into
 * another (the target) and is signed like a database: the first 112 bytes have the same layout,
 * so `signature.ts` checks both.
 *
 *   header (336 bytes)
 *     0   magic "TGVXPT\x1a\n"
 *     8   SHA-256 of bytes [COVERED_FROM, fileLength)
 *     40  ed25519 signature of "tgvxpatch signature v1\0" + that digest
 *     104 key id of the signing key
 *     112 u16 patch format version, u16 header size, u32 flags (none defined, 0)
 *     120 u32 file length, u32 base database version, u32 target database version
 *     132 u16 target tgvxdb format version, u16 zero
 *     136 u32 target build time lo, u32 target build time hi
 *     144 u32 target file length, u32 body length once inflated, u32 body encoding (1 = deflate)
 *     156 4 zero bytes
 *     160 base content SHA-256 (the base database's header digest)
 *     192 target content SHA-256
 *     224 target file SHA-256 (the whole target file, its signature block included)
 *     256 the target database's signature (64 bytes) and key id (8): the applied result carries
 *         them, so it is byte-identical to the released file
 *     328 8 zero bytes
 *   body: deflate-compressed sequence of chunks, each u32 tag, u32 payload length, payload:
 *     RDEL  records removed: u32 count, then per record u32 id, u16 rev in the base, u16 zero;
 *           sorted by id
 *     RPUT  records added or replaced: u32 count, then per record u8 kind (0 added, 1 replaced),
 *           u16 rev in the base (0 when added), and the record (below); sorted by id
 *     STNC  the target's stencils, whole, as JSON (an array of `Stencil`, UTF-8); present only when
 *           they differ from the base's (stencils are few and small; absent = the base's stand)
 *   A record: u32 id, u16 rev, u8 type, u8 status, u8 category, u8 anchor (0xFF: no detection),
 *     u32 attributes; when detecting: i32 at, u16 first word, u32 file types, and per window i32
 *     offset, u32 length, u32 crc; then name, module and args as strings (u32 byte length or
 *     0xFFFFFFFF for none, UTF-8) and the cleaning script (u32 length or 0xFFFFFFFF, bytecode).
 *   A chunk tag this engine does not know is refused (UNSUPPORTED_FORMAT), never skipped: what a
 *   later database format adds to the image gets its own chunk.
 *
 * Every section of a tgvxdb is derived from its image (records and stencils, to-binary.ts), so the
 * patch carries the parts of the image that changed, records keyed by id and revision, and the
 * applier re-encodes; the target digest and file SHA-256 prove the result is the released file,
 * byte for byte.
 */
import * as DB from "./tgvxdb-layout.js";

export const PATCH_MAGIC = Uint8Array.of(0x54, 0x47, 0x56, 0x58, 0x50, 0x54, 0x1a, 0x0a);
export const PATCH_FORMAT_VERSION = 1;
export const PATCH_HEADER_SIZE = 336;

// The signature block is shared with tgvxdb (signature.ts reads both with one set of offsets).
export const P_DIGEST = DB.H_DIGEST;
export const P_SIGNATURE = DB.H_SIGNATURE;
export const P_KEY_ID = DB.H_KEY_ID;
export const P_COVERED_FROM = DB.COVERED_FROM;

export const P_FORMAT_VERSION = 112;
export const P_HEADER_SIZE = 114;
export const P_FLAGS = 116;
export const P_FILE_LENGTH = 120;
export const P_BASE_VERSION = 124;
export const P_TARGET_VERSION = 128;
export const P_TARGET_FORMAT = 132;
export const P_TARGET_BUILD_LO = 136;
export const P_TARGET_BUILD_HI = 140;
export const P_TARGET_LENGTH = 144;
export const P_BODY_RAW_LENGTH = 148;
export const P_BODY_ENCODING = 152;
export const P_BASE_SHA256 = 160;
export const P_TARGET_SHA256 = 192;
export const P_TARGET_FILE_SHA256 = 224;
export const P_TARGET_SIGNATURE = 256;
export const P_TARGET_KEY_ID = 320;

export const BODY_DEFLATE = 1;
/** Largest inflated body accepted (a patch that replaces every record of a big database stays far below). */
export const MAX_BODY_RAW = 1 << 30;

function tag(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}
export const Chunk = { RDEL: tag("RDEL"), RPUT: tag("RPUT"), STNC: tag("STNC") } as const;

export const PUT_ADDED = 0;
export const PUT_REPLACED = 1;
export const NO_STRING = 0xffffffff;
