/**
 * The tgvxdb binary layout: the one definition both the writer (`to-binary.ts`, used by the
 * compiler) and the reader (`from-binary.ts`, used by the engine) follow. Little-endian.
 *
 *   header (160 bytes)
 *     0   magic "TGVXDB\x1a\n"
 *     8   SHA-256 of bytes [COVERED_FROM, fileLength): the content digest, the database's identity
 *     40  ed25519 signature of "tgvxdb signature v1\0" + the digest (zeros when unsigned; see
 *         signature.ts)
 *     104 key id: first 8 bytes of SHA-256(public key) (zeros when unsigned)
 *         A database is signed when its key id is not zero. Signing writes only these 72 bytes,
 *         outside the digest, so a signed release and the unsigned build of the same records have
 *         the same content SHA-256 (no flag records it: a flag would sit inside the digest).
 *     112 u16 format version, u16 header size, u32 flags (none defined, 0), u32 database version,
 *         u32 record count, u32 build time lo, u32 build time hi (seconds, 0 = none),
 *         u32 file length, u32 section count, u32 section table offset, 12 reserved bytes
 *   section table: per section u32 tag, u32 offset, u32 length, u32 item count
 *   sections, each starting on an 8-byte boundary (zero padding between):
 *     RECS  fixed-width record rows (ROW_SIZE bytes). Rows the index can find come first, sorted
 *           by (index key, check window, its CRC, id), so a key's candidates are one run of rows,
 *           and the rows of a run sharing a check window are one group sorted by its CRC. A
 *           record's check window is the lower-numbered of its two (ties: window 1). Then the
 *           rows the index cannot find (module records, deprecated records), sorted by id. Ids
 *           are unique.
 *     SHAP  record shapes (SHAPE_SIZE bytes): what many records share (type, status, category,
 *           anchor, at, attributes, file types, module, args, cleaning script), stored once
 *     WINS  distinct CRC windows (anchor, length, offset); records refer to them by index, so a
 *           window shared by many records is hashed once per scanned object. The writer puts
 *           the windows most indexed records use first (then the shortest): the engine checks
 *           a record's lower-numbered window first. Readers need no order.
 *     PROB  distinct probes (anchor, at): the places a first word is read from
 *     KEYS  sorted (probe << 16 | first word) keys, each with its first row; one more entry
 *           (key END_KEY) gives the end of the last run, which is the number of indexed rows
 *     NAME  record names, distinct, sorted by bytes and front-coded in blocks of NAME_BLOCK:
 *           first u32 offsets (from the section start) of each block, then per name u8 bytes
 *           shared with the previous name of its block (0 for a block's first), u8 suffix
 *           length, the suffix (ASCII). Item count = names.
 *     STRS  other strings: u32 byte length + UTF-8, referred to by byte offset
 *     SCRP  cleaning scripts (see clean-bytecode.ts), referred to by byte offset; identical
 *           scripts are stored once
 *     STNC  stencils (see stencil.ts), optional: item count = stencils, sorted by name; first the
 *           stencil entries (STENCIL_SIZE bytes each), then every stencil's rules in order
 *           (RULE_SIZE bytes each); a stencil names its run of rules. Strings live in STRS.
 *           Written only when there are stencils; a database without it has none.
 *   Format 2 made rows small (32 bytes, names front-coded, shared fields in SHAP, no candidate
 *   list: the rows themselves are in index order): ~43 bytes per record at 100k records.
 *   Format 3 sorts a key's rows by check window and CRC (was: by id), so a key that thousands
 *   of records share costs one CRC per distinct check window, not a look at every row.
 */

export const MAGIC = Uint8Array.of(0x54, 0x47, 0x56, 0x58, 0x44, 0x42, 0x1a, 0x0a);
export const FORMAT_VERSION = 3;
export const HEADER_SIZE = 160;
export const COVERED_FROM = 112;

export const H_DIGEST = 8;
export const H_SIGNATURE = 40;
export const H_KEY_ID = 104;
export const H_FORMAT_VERSION = 112;
export const H_HEADER_SIZE = 114;
export const H_FLAGS = 116;
export const H_DB_VERSION = 120;
export const H_RECORD_COUNT = 124;
export const H_BUILD_TIME_LO = 128;
export const H_BUILD_TIME_HI = 132;
export const H_FILE_LENGTH = 136;
export const H_SECTION_COUNT = 140;
export const H_SECTION_TABLE = 144;

export const SIGNATURE_SIZE = 64;
export const KEY_ID_SIZE = 8;

export const SECTION_ENTRY_SIZE = 16;
export const MAX_SECTIONS = 64;

function tag(s: string): number {
  return s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | ((s.charCodeAt(3) << 24) >>> 0);
}
export function tagName(t: number): string {
  return String.fromCharCode(t & 0xff, (t >>> 8) & 0xff, (t >>> 16) & 0xff, t >>> 24);
}

export const Section = {
  RECS: tag("RECS"),
  WINS: tag("WINS"),
  PROB: tag("PROB"),
  KEYS: tag("KEYS"),
  SHAP: tag("SHAP"),
  NAME: tag("NAME"),
  STRS: tag("STRS"),
  SCRP: tag("SCRP"),
  STNC: tag("STNC"),
} as const;
export type SectionName = keyof typeof Section;
/** Order sections are written in. */
export const SECTION_ORDER: readonly SectionName[] = ["RECS", "SHAP", "WINS", "PROB", "KEYS", "NAME", "STRS", "SCRP", "STNC"];
/** Sections added after format 1 shipped: written only when they have content, read as empty when absent. */
export const OPTIONAL_SECTIONS: ReadonlySet<SectionName> = new Set<SectionName>(["STNC"]);

/** Record row. */
export const ROW_SIZE = 32;
export const R_ID = 0; // u32
export const R_CRC1 = 4; // u32
export const R_CRC2 = 8; // u32
export const R_WIN1 = 12; // u32 index into WINS, NONE for module records
export const R_WIN2 = 16; // u32
export const R_NAME = 20; // u32 index into NAME
export const R_SHAPE = 24; // u32 index into SHAP
export const R_REV = 28; // u16
export const R_FIRST = 30; // u16: first word, byte 0 in the low half
// The same fields as indexes of 32-bit words, for reading rows as a Uint32Array.
export const ROW_WORDS = ROW_SIZE / 4;
export const W_ID = R_ID / 4;
export const W_CRC1 = R_CRC1 / 4;
export const W_CRC2 = R_CRC2 / 4;
export const W_WIN1 = R_WIN1 / 4;
export const W_WIN2 = R_WIN2 / 4;
export const W_NAME = R_NAME / 4;
export const W_SHAPE = R_SHAPE / 4;
export const W_REV_FIRST = R_REV / 4; // rev in the low half, first word in the high

/**
 * Whether a record's check window (the one its key's rows are grouped and sorted by, and the
 * engine hashes first) is its window 2: the lower-numbered of the two, window 1 on a tie.
 */
export function checkIsWindow2(win1: number, win2: number): boolean {
  return win2 < win1;
}

/** Record shape. */
export const SHAPE_SIZE = 32;
export const SH_TYPE = 0; // u8: 1..4
export const SH_STATUS = 1; // u8: index in STATUS_NAMES
export const SH_CATEGORY = 2; // u8: index in CATEGORY_NAMES
export const SH_ANCHOR = 3; // u8: Anchor value, NO_DETECT for module records
export const SH_ATTRIBUTES = 4; // u32 bit set over ATTRIBUTE_NAMES
export const SH_FILETYPES = 8; // u32 FileType bit set, 0 = any (type 3)
export const SH_AT = 12; // i32 offset of the first word from the anchor
export const SH_MODULE = 16; // u32 string ref or NONE
export const SH_ARGS = 20; // u32 string ref (canonical JSON) or NONE
export const SH_CLEAN = 24; // u32 offset of the cleaning script in SCRP, or NONE
// 28..31 reserved, zero

export const NO_DETECT = 0xff;
export const NONE = 0xffffffff;

export const WIN_SIZE = 8; // u32 anchor | length << 8, i32 offset
export const WIN_WORDS = WIN_SIZE / 4;
export const MAX_WINDOW_LENGTH = 0xffffff;
export const PROBE_SIZE = 8; // u8 anchor, 3 zero bytes, i32 at
export const KEY_SIZE = 8; // u32 key, u32 first row of its run
export const END_KEY = 0xffffffff;
export const MAX_PROBES = 0xffff;
export const NAME_BLOCK = 16;
export const MAX_NAME_BYTES = 0xff;

/** STNC stencil entry. */
export const STENCIL_SIZE = 24;
export const S_NAME = 0; // u32 string ref
export const S_DESCRIPTION = 4; // u32 string ref
export const S_FIRST_RULE = 8; // u32 index of its first rule
export const S_RULE_COUNT = 12; // u16
export const S_FALLBACK = 14; // u8 index in ACTION_NAMES (one of FALLBACK_NAMES), NO_ACTION = report
export const S_CATEGORIES_ON = 16; // u16 bit set over CATEGORY_NAMES switched on
export const S_CATEGORIES_OFF = 18; // u16 bit set switched off
// 20..23 reserved, zero

/** STNC rule entry; a zero bit set means "any". */
export const RULE_SIZE = 40;
export const U_NAME = 0; // u32 string ref
export const U_REASON = 4; // u32 string ref
export const U_ATTRIBUTES_ALL = 8; // u32 bit set over ATTRIBUTE_NAMES: all of them
export const U_ATTRIBUTES_ANY = 12; // u32: at least one of them (0 = no condition)
export const U_ATTRIBUTES_NONE = 16; // u32: none of them
export const U_FILETYPES = 20; // u32 FileType bit set
export const U_NAMES = 24; // u32 string ref: record-name patterns joined by ",", or NONE
export const U_CATEGORIES = 28; // u16 bit set over CATEGORY_NAMES
export const U_CONTEXTS = 30; // u8 bit set over CONTEXT_NAMES
export const U_ACTION = 31; // u8 index in ACTION_NAMES
export const U_FALLBACK = 32; // u8 index in ACTION_NAMES, or NO_ACTION
// 33..39 reserved, zero
export const NO_ACTION = 0xff;

export function align8(n: number): number {
  return (n + 7) & ~7;
}
