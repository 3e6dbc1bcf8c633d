import { describe, expect, it } from "vitest";
import {
  ANCHOR_NAMES,
  Anchor,
  FILE_TYPE_NAMES,
  FileType,
  NO_ANCHOR,
  analyzeObject,
  analyzeObjectInto,
  fileTypeBits,
  fileTypeNames,
  type ObjectInfo,
  type ObjectWarning,
} from "../src/file-type.js";

// ---------------------------------------------------------------------------------------------
// buffer builders

function w16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
function w32(b: Uint8Array, o: number, v: number): void {
  w16(b, o, v & 0xffff);
  w16(b, o + 2, (v >>> 16) & 0xffff);
}
function ascii(b: Uint8Array, o: number, s: string): void {
  for (let i = 0; i < s.length; i++) b[o + i] = s.charCodeAt(i);
}
function text(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  ascii(b, 0, s);
  return b;
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface MzOpts {
  size?: number;
  hdrParas?: number;
  cs?: number;
  ip?: number;
  lfanew?: number;
  magic?: "MZ" | "ZM";
}
/** Minimal DOS MZ header; e_lfanew written only when given. */
function makeMz(o: MzOpts = {}): Uint8Array {
  const b = new Uint8Array(o.size ?? 0x200);
  ascii(b, 0, o.magic ?? "MZ");
  w16(b, 0x08, o.hdrParas ?? 4);
  w16(b, 0x14, o.ip ?? 0x0005);
  w16(b, 0x16, o.cs ?? 0x0001);
  if (o.lfanew !== undefined) w32(b, 0x3c, o.lfanew);
  return b;
}

interface Section {
  va: number;
  vsize: number;
  raw: number;
  rawSize: number;
}
interface PeOpts {
  size?: number;
  magic?: number;
  entry: number;
  sizeOfHeaders?: number;
  sections: Section[];
  numberOfSections?: number;
  optSize?: number;
}
const PE_LFANEW = 0x80;
/** MZ stub + "PE\0\0" + COFF + optional header + section table. */
function makePe(o: PeOpts): Uint8Array {
  const b = makeMz({ size: o.size ?? 0x600, lfanew: PE_LFANEW });
  const pe = PE_LFANEW;
  ascii(b, pe, "PE\0\0");
  const magic = o.magic ?? 0x10b;
  const optSize = o.optSize ?? (magic === 0x20b ? 0xf0 : 0xe0);
  w16(b, pe + 4, magic === 0x20b ? 0x8664 : 0x14c);
  w16(b, pe + 6, o.numberOfSections ?? o.sections.length);
  w16(b, pe + 20, optSize);
  const opt = pe + 24;
  w16(b, opt, magic);
  w32(b, opt + 16, o.entry);
  w32(b, opt + 60, o.sizeOfHeaders ?? 0x200);
  let s = opt + optSize;
  for (const sec of o.sections) {
    if (s + 40 > b.length) break;
    ascii(b, s, ".sect");
    w32(b, s + 8, sec.vsize);
    w32(b, s + 12, sec.va);
    w32(b, s + 16, sec.rawSize);
    w32(b, s + 20, sec.raw);
    s += 40;
  }
  return b;
}
const TWO_SECTIONS: Section[] = [
  { va: 0x1000, vsize: 0x100, raw: 0x200, rawSize: 0x200 },
  { va: 0x2000, vsize: 0x80, raw: 0x400, rawSize: 0x200 },
];

interface NeOpts {
  size?: number;
  ip?: number;
  cs?: number;
  shift?: number;
  sectors?: number[];
  segmentCount?: number;
}
const NE_LFANEW = 0x40;
/** MZ stub + NE header at 0x40 + segment table at NE+0x40. */
function makeNe(o: NeOpts = {}): Uint8Array {
  const b = makeMz({ size: o.size ?? 0x400, lfanew: NE_LFANEW });
  const ne = NE_LFANEW;
  ascii(b, ne, "NE");
  const sectors = o.sectors ?? [0x10, 0x20];
  w16(b, ne + 0x14, o.ip ?? 0x0010);
  w16(b, ne + 0x16, o.cs ?? 2);
  w16(b, ne + 0x1c, o.segmentCount ?? sectors.length);
  w16(b, ne + 0x22, 0x40);
  w16(b, ne + 0x32, o.shift ?? 4);
  sectors.forEach((sector, i) => {
    const e = ne + 0x40 + i * 8;
    w16(b, e, sector);
    w16(b, e + 2, 0x100); // length
    w16(b, e + 4, 0); // flags
    w16(b, e + 6, 0x100); // min alloc
  });
  return b;
}

/** End-of-central-directory record of an empty archive. */
function eocd(): Uint8Array {
  const b = new Uint8Array(22);
  ascii(b, 0, "PK\x05\x06");
  return b;
}

function tarBlock(gnu: boolean): Uint8Array {
  const b = new Uint8Array(1024);
  ascii(b, 0, "hello.txt");
  ascii(b, 100, "0000644\0");
  ascii(b, 124, "00000000005\0");
  ascii(b, 257, gnu ? "ustar  \0" : "ustar\x0000");
  ascii(b, 512, "hello");
  return b;
}

function bootSector(first: number[], size = 512): Uint8Array {
  const b = new Uint8Array(size);
  b.set(first, 0);
  ascii(b, 3, "MSDOS5.0");
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

function randomBinary(seed: number, size: number): Uint8Array {
  const r = rng(seed);
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = Math.floor(r() * 256);
  b[0] = 0x00; // not a COM jump, not text
  return b;
}

const EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

// ---------------------------------------------------------------------------------------------
// assertion helpers

function anchorsOf(info: ObjectInfo): number[] {
  return Array.from(info.anchors);
}
function codes(ws: readonly ObjectWarning[]): string[] {
  return ws.map((w) => w.code);
}
function expectObject(
  bytes: Uint8Array,
  name: string | undefined,
  types: number,
  entry: number,
  jump: number,
  warningCodes: string[] = [],
): ObjectInfo {
  const info = analyzeObject(bytes, name);
  expect(fileTypeNames(info.types)).toEqual(fileTypeNames(types));
  expect(anchorsOf(info)).toEqual([0, bytes.length, entry, jump]);
  expect(codes(info.warnings)).toEqual(warningCodes);
  for (const w of info.warnings) {
    expect(w.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
    expect(w.message.length).toBeGreaterThan(0);
  }
  return info;
}

// ---------------------------------------------------------------------------------------------

describe("vocabulary", () => {
  it("lists type names in bit order", () => {
    expect(FILE_TYPE_NAMES).toEqual(["com", "mz", "ne", "pe32", "pe64", "zip", "gzip", "tar", "mail", "boot", "text", "bzip2"]);
    FILE_TYPE_NAMES.forEach((n, i) => expect(FileType[n]).toBe(1 << i));
  });
  it("converts flags to names and back", () => {
    expect(fileTypeNames(0)).toEqual([]);
    expect(fileTypeNames(FileType.pe32 | FileType.zip)).toEqual(["pe32", "zip"]);
    expect(fileTypeNames(FileType.text | FileType.com)).toEqual(["com", "text"]);
    expect(fileTypeBits(["mail", "text"])).toBe(FileType.mail | FileType.text);
    expect(fileTypeBits(fileTypeNames(0x7ff))).toBe(0x7ff);
  });
  it("lists anchor names by value", () => {
    expect(ANCHOR_NAMES).toEqual(["start", "end", "entry", "jump"]);
    ANCHOR_NAMES.forEach((n, i) => expect(Anchor[n]).toBe(i));
    expect(NO_ANCHOR).toBe(-1);
  });
});

describe("MZ family", () => {
  it("plain DOS MZ: entry = hdrParas*16 + CS:IP", () => {
    expectObject(makeMz(), undefined, FileType.mz, 4 * 16 + 0x10 + 5, NO_ANCHOR);
  });
  it("accepts the ZM signature", () => {
    expectObject(makeMz({ magic: "ZM" }), undefined, FileType.mz, 0x55, NO_ANCHOR);
  });
  it("wraps CS*16+IP at 20 bits", () => {
    // (0xFFFF0 + 0x20) & 0xFFFFF = 0x10
    expectObject(makeMz({ cs: 0xffff, ip: 0x20 }), undefined, FileType.mz, 0x40 + 0x10, NO_ANCHOR);
  });
  it("a .com name does not make an MZ file a COM", () => {
    expectObject(makeMz(), "prog.com", FileType.mz, 0x55, NO_ANCHOR);
  });
  it("PE32 with two sections: entry maps through the section table", () => {
    expectObject(makePe({ entry: 0x2010, sections: TWO_SECTIONS }), "a.exe", FileType.pe32, 0x410, NO_ANCHOR);
    expectObject(makePe({ entry: 0x1050, sections: TWO_SECTIONS }), undefined, FileType.pe32, 0x250, NO_ANCHOR);
  });
  it("PE32 section range uses max(VirtualSize, SizeOfRawData)", () => {
    // 0x1180 is past VirtualSize 0x100 but inside SizeOfRawData 0x200
    expectObject(makePe({ entry: 0x1180, sections: TWO_SECTIONS }), undefined, FileType.pe32, 0x380, NO_ANCHOR);
  });
  it("PE32 entry inside the headers is its own file offset", () => {
    expectObject(makePe({ entry: 0x100, sections: TWO_SECTIONS }), undefined, FileType.pe32, 0x100, NO_ANCHOR);
  });
  it("PE32+ (magic 0x20b)", () => {
    const b = makePe({ magic: 0x20b, entry: 0x3004, sections: [{ va: 0x3000, vsize: 0x300, raw: 0x400, rawSize: 0x200 }] });
    expectObject(b, undefined, FileType.pe64, 0x404, NO_ANCHOR);
  });
  it("reads a PE inside a larger buffer (subarray with byteOffset)", () => {
    const pe = makePe({ entry: 0x2010, sections: TWO_SECTIONS });
    const big = new Uint8Array(pe.length + 13);
    big.fill(0xcc);
    big.set(pe, 7);
    expectObject(big.subarray(7, 7 + pe.length), undefined, FileType.pe32, 0x410, NO_ANCHOR);
  });
  it("PE with an appended ZIP is pe32 + zip", () => {
    const b = concat(makePe({ entry: 0x2010, sections: TWO_SECTIONS }), text("PK\x03\x04payload"), eocd());
    expectObject(b, undefined, FileType.pe32 | FileType.zip, 0x410, NO_ANCHOR);
  });
  it("NE with two segments: entry = (sector(CS) << shift) + IP", () => {
    expectObject(makeNe(), undefined, FileType.ne, (0x20 << 4) + 0x10, NO_ANCHOR);
    expectObject(makeNe({ cs: 1, ip: 3 }), undefined, FileType.ne, (0x10 << 4) + 3, NO_ANCHOR);
  });
  it("NE alignment shift 0 means 9", () => {
    expectObject(makeNe({ shift: 0, sectors: [1, 2], cs: 1, ip: 0x22, size: 0x800 }), undefined, FileType.ne, 0x222, NO_ANCHOR);
  });
});

describe("COM", () => {
  it("E9 near jump: target = (3 + s16) & 0xFFFF", () => {
    const b = new Uint8Array(100);
    b.set([0xe9, 0x10, 0x00]);
    expectObject(b, undefined, FileType.com, 0, 0x13);
  });
  it("E9 backwards jump to 0", () => {
    const b = new Uint8Array(100);
    b.set([0xe9, 0xfd, 0xff]);
    expectObject(b, undefined, FileType.com, 0, 0);
  });
  it("EB short jump: target = 2 + s8", () => {
    const b = new Uint8Array(100);
    b.set([0xeb, 0x3c, 0x90]);
    expectObject(b, undefined, FileType.com, 0, 62);
  });
  it("by .com name (case-insensitive), no jump anchor", () => {
    const b = new Uint8Array(50);
    b.set([0xb4, 0x09, 0xcd, 0x21]);
    expectObject(b, "DIR/PROG.CoM", FileType.com, 0, NO_ANCHOR);
    expectObject(b, "prog.exe", 0, NO_ANCHOR, NO_ANCHOR);
    expectObject(b, undefined, 0, NO_ANCHOR, NO_ANCHOR);
  });
  it("is limited to 0xFF00 bytes", () => {
    const ok = new Uint8Array(0xff00);
    ok.set([0xe9, 0x00, 0x01]);
    expectObject(ok, undefined, FileType.com, 0, 0x103);
    const big = new Uint8Array(0xff01);
    big.set([0xe9, 0x00, 0x01]);
    expectObject(big, "big.com", 0, NO_ANCHOR, NO_ANCHOR);
  });
  it("EICAR named eicar.com is com + text", () => {
    expectObject(text(EICAR), "eicar.com", FileType.com | FileType.text, 0, NO_ANCHOR);
    expectObject(text(EICAR), undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
  });
});

describe("containers and boot", () => {
  it("ZIP local header", () => {
    const b = concat(text("PK\x03\x04\x14\x00\x00\x00"), new Uint8Array(40));
    expectObject(b, undefined, FileType.zip, NO_ANCHOR, NO_ANCHOR);
  });
  it("empty ZIP (starts with EOCD)", () => {
    expectObject(eocd(), undefined, FileType.zip, NO_ANCHOR, NO_ANCHOR);
  });
  it("EOCD search is bounded to the last 65,557 bytes", () => {
    const size = 70_000;
    const inside = new Uint8Array(size);
    ascii(inside, size - 65_557, "PK\x05\x06");
    expectObject(inside, undefined, FileType.zip, NO_ANCHOR, NO_ANCHOR);
    const outside = new Uint8Array(size);
    ascii(outside, size - 65_558, "PK\x05\x06");
    expectObject(outside, undefined, 0, NO_ANCHOR, NO_ANCHOR);
    const last = new Uint8Array(100);
    ascii(last, 96, "PK\x05\x06");
    expectObject(last, undefined, FileType.zip, NO_ANCHOR, NO_ANCHOR);
  });
  it("gzip", () => {
    const b = new Uint8Array(30);
    b.set([0x1f, 0x8b, 0x08, 0x00]);
    expectObject(b, undefined, FileType.gzip, NO_ANCHOR, NO_ANCHOR);
    b[2] = 0x07;
    expectObject(b, undefined, 0, NO_ANCHOR, NO_ANCHOR);
  });
  it("tar: POSIX and GNU ustar", () => {
    expectObject(tarBlock(false), undefined, FileType.tar, NO_ANCHOR, NO_ANCHOR);
    expectObject(tarBlock(true), undefined, FileType.tar, NO_ANCHOR, NO_ANCHOR);
    expectObject(tarBlock(false).subarray(0, 300), undefined, 0, NO_ANCHOR, NO_ANCHOR);
  });
  it("boot sector (also a COM by its EB jump)", () => {
    expectObject(bootSector([0xeb, 0x3c, 0x90]), undefined, FileType.boot | FileType.com, 0, 62);
    expectObject(bootSector([0x33, 0xc0]), undefined, FileType.boot, NO_ANCHOR, NO_ANCHOR);
    expectObject(bootSector([0x33, 0xc0], 1024), undefined, FileType.boot, NO_ANCHOR, NO_ANCHOR); // 55AA at 510 of a 2-sector image
  });
  it("boot needs size % 512 == 0 and no MZ", () => {
    const odd = concat(bootSector([0x33]), new Uint8Array(1));
    expectObject(odd, undefined, 0, NO_ANCHOR, NO_ANCHOR);
    const mz = bootSector([0x4d, 0x5a]);
    expectObject(mz, undefined, FileType.mz, NO_ANCHOR, NO_ANCHOR, ["ENTRY_OUT_OF_RANGE"]);
  });
});

describe("text and mail", () => {
  it("plain text", () => {
    expectObject(text("Hello, world.\r\nSecond line\twith tab.\n"), undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
  });
  it("UTF-8 text", () => {
    const b = new Uint8Array([0x63, 0x61, 0x66, 0xc3, 0xa9, 0x0a]);
    expectObject(b, undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
  });
  it("a NUL or too many control bytes is not text", () => {
    expectObject(text("abc\0def"), undefined, 0, NO_ANCHOR, NO_ANCHOR);
    const ctrl = text("a".repeat(94) + "\x01".repeat(6)); // 94% printable
    expectObject(ctrl, undefined, 0, NO_ANCHOR, NO_ANCHOR);
    const ok = text("a".repeat(95) + "\x01".repeat(5)); // exactly 95%
    expectObject(ok, undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
  });
  it("only the first 4096 bytes decide text", () => {
    const b = concat(text("x".repeat(4096)), new Uint8Array(100));
    expectObject(b, undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
  });
  it("RFC 5322 e-mail", () => {
    const m = text(
      "Return-Path: <a@example.com>\r\n" +
        "Received: from mx.example.com\r\n" +
        "\tby mail.example.org; Mon, 1 Jan 2001 00:00:00 +0000\r\n" +
        "From: Alice <a@example.com>\r\n" +
        "To: bob@example.org\r\n" +
        "Subject: hello\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain\r\n" +
        "\r\n" +
        "Hi Bob.\r\n",
    );
    expectObject(m, undefined, FileType.text | FileType.mail, NO_ANCHOR, NO_ANCHOR);
  });
  it("header names are case-insensitive", () => {
    expectObject(text("SUBJECT: x\nx-mailer: y\n\nbody\n"), undefined, FileType.text | FileType.mail, NO_ANCHOR, NO_ANCHOR);
  });
  it("mbox", () => {
    const m = text("From alice@example.com Mon Jan  1 00:00:00 2001\nFrom: alice@example.com\nSubject: x\n\nbody\n");
    expectObject(m, undefined, FileType.text | FileType.mail, NO_ANCHOR, NO_ANCHOR);
  });
  it("not mail: one header, unknown headers, a non-header line, a leading continuation", () => {
    expectObject(text("Subject: hi\n\nbody\n"), undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
    expectObject(text("X-Foo: a\nX-Bar: b\n\nbody\n"), undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
    expectObject(text("Subject: hi\nthis is prose\nTo: x\n\n"), undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
    expectObject(text(" Subject: hi\nTo: x\n\n"), undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
    expectObject(text("from someone\nTo: x\n\n"), undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
  });
  it("a header block without a body still counts", () => {
    expectObject(text("To: a@b\nDate: today"), undefined, FileType.text | FileType.mail, NO_ANCHOR, NO_ANCHOR);
  });
});

describe("malformed input", () => {
  it("zero-length input", () => {
    expectObject(new Uint8Array(0), undefined, 0, NO_ANCHOR, NO_ANCHOR);
    expectObject(new Uint8Array(0), "x.com", 0, NO_ANCHOR, NO_ANCHOR);
  });
  it("1-byte inputs", () => {
    // bytes >= 0x80 count as text (UTF-8), so a lone jump opcode is also "text" by the rules
    expectObject(new Uint8Array([0xe9]), undefined, FileType.com | FileType.text, 0, NO_ANCHOR);
    expectObject(new Uint8Array([0xeb]), undefined, FileType.com | FileType.text, 0, NO_ANCHOR);
    expectObject(new Uint8Array([0x4d]), undefined, FileType.text, NO_ANCHOR, NO_ANCHOR);
    expectObject(new Uint8Array([0x00]), undefined, 0, NO_ANCHOR, NO_ANCHOR);
    expectObject(new Uint8Array([0x00]), "a.com", FileType.com, 0, NO_ANCHOR);
  });
  it("truncated MZ (10 bytes)", () => {
    const info = expectObject(makeMz({ size: 10 }), undefined, FileType.mz, NO_ANCHOR, NO_ANCHOR, ["TRUNCATED_MZ_HEADER"]);
    expect(info.warnings[0].offset).toBe(0);
    expectObject(text("MZ"), undefined, FileType.mz | FileType.text, NO_ANCHOR, NO_ANCHOR, ["TRUNCATED_MZ_HEADER"]);
  });
  it("MZ between 0x1C and 0x40 bytes has a DOS entry and no e_lfanew", () => {
    expectObject(makeMz({ size: 0x50, hdrParas: 2, cs: 0, ip: 4 }).subarray(0, 0x30), undefined, FileType.mz, 0x24, NO_ANCHOR);
  });
  it("DOS entry past the end", () => {
    expectObject(makeMz({ size: 0x40, hdrParas: 4, cs: 1, ip: 0 }), undefined, FileType.mz, NO_ANCHOR, NO_ANCHOR, [
      "ENTRY_OUT_OF_RANGE",
    ]);
  });
  it("e_lfanew pointing past the end is a plain DOS MZ", () => {
    expectObject(makeMz({ lfanew: 0x7fff_fff0 }), undefined, FileType.mz, 0x55, NO_ANCHOR);
    expectObject(makeMz({ lfanew: 0xffff_ffff }), undefined, FileType.mz, 0x55, NO_ANCHOR);
    expectObject(makeMz({ lfanew: 0x1ff }), undefined, FileType.mz, 0x55, NO_ANCHOR); // only 1 byte left
  });
  it("truncated PE header falls back to MZ", () => {
    const b = makePe({ entry: 0x2010, sections: TWO_SECTIONS }).subarray(0, PE_LFANEW + 24 + 40);
    expectObject(b, undefined, FileType.mz, 0x55, NO_ANCHOR, ["BAD_PE_HEADER"]);
    const sigOnly = makePe({ entry: 0, sections: [] }).subarray(0, PE_LFANEW + 4);
    expectObject(sigOnly, undefined, FileType.mz, 0x55, NO_ANCHOR, ["BAD_PE_HEADER"]);
  });
  it("unknown optional header magic falls back to MZ", () => {
    const info = expectObject(makePe({ magic: 0x107, entry: 0x2010, sections: TWO_SECTIONS }), undefined, FileType.mz, 0x55, NO_ANCHOR, [
      "BAD_PE_HEADER",
    ]);
    expect(info.warnings[0].offset).toBe(PE_LFANEW + 24);
  });
  it("PE with NumberOfSections 0xFFFF in a tiny file", () => {
    const b = makePe({ size: 0x200, entry: 0x5000, numberOfSections: 0xffff, sections: TWO_SECTIONS });
    expectObject(b, undefined, FileType.pe32, NO_ANCHOR, NO_ANCHOR, [
      "TRUNCATED_SECTION_TABLE",
      "TOO_MANY_SECTIONS",
      "ENTRY_OUT_OF_RANGE",
    ]);
    // Whole entries that do fit are still used.
    const c = makePe({ size: 0x200, entry: 0x1010, numberOfSections: 0xffff, sections: TWO_SECTIONS, sizeOfHeaders: 0x100 });
    expectObject(c, undefined, FileType.pe32, NO_ANCHOR, NO_ANCHOR, [
      "TRUNCATED_SECTION_TABLE",
      "TOO_MANY_SECTIONS",
      "ENTRY_OUT_OF_RANGE",
    ]);
    const d = makePe({
      size: 0x400,
      entry: 0x1010,
      numberOfSections: 0xffff,
      sections: [{ va: 0x1000, vsize: 0x100, raw: 0x300, rawSize: 0x100 }],
      sizeOfHeaders: 0x100,
    });
    expectObject(d, undefined, FileType.pe32, 0x310, NO_ANCHOR, ["TRUNCATED_SECTION_TABLE", "TOO_MANY_SECTIONS"]);
  });
  it("section table starting past the end", () => {
    const b = makePe({ size: 0x200, entry: 0x1000, optSize: 0xff00, sections: TWO_SECTIONS });
    expectObject(b, undefined, FileType.pe32, NO_ANCHOR, NO_ANCHOR, ["TRUNCATED_SECTION_TABLE", "ENTRY_OUT_OF_RANGE"]);
  });
  it("entry RVA outside all sections", () => {
    const info = expectObject(makePe({ entry: 0x9000, sections: TWO_SECTIONS }), undefined, FileType.pe32, NO_ANCHOR, NO_ANCHOR, [
      "ENTRY_OUT_OF_RANGE",
    ]);
    expect(info.warnings[0].offset).toBe(PE_LFANEW + 24 + 16);
  });
  it("entry in a section whose raw data lies past the end", () => {
    const b = makePe({ entry: 0x2010, sections: [{ va: 0x2000, vsize: 0x100, raw: 0x10000, rawSize: 0x100 }] });
    expectObject(b, undefined, FileType.pe32, NO_ANCHOR, NO_ANCHOR, ["ENTRY_OUT_OF_RANGE"]);
  });
  it("NE with CS = 0 or CS > segment count keeps ne without entry", () => {
    expectObject(makeNe({ cs: 0 }), undefined, FileType.ne, NO_ANCHOR, NO_ANCHOR, ["BAD_NE_HEADER"]);
    expectObject(makeNe({ cs: 3 }), undefined, FileType.ne, NO_ANCHOR, NO_ANCHOR, ["BAD_NE_HEADER"]);
  });
  it("NE segment table past the end keeps ne without entry", () => {
    expectObject(makeNe({ segmentCount: 0x4000, cs: 0x4000 }), undefined, FileType.ne, NO_ANCHOR, NO_ANCHOR, ["BAD_NE_HEADER"]);
  });
  it("truncated NE header falls back to MZ", () => {
    const b = makeNe().subarray(0, NE_LFANEW + 0x20);
    expectObject(b, undefined, FileType.mz, 0x55, NO_ANCHOR, ["BAD_NE_HEADER"]);
    const tiny = concat(makeNe().subarray(0, 0x40), text("NE"));
    w16(tiny, 0x08, 8); // DOS entry 0x80 + 0x15 is past the end too
    expectObject(tiny, undefined, FileType.mz, NO_ANCHOR, NO_ANCHOR, ["BAD_NE_HEADER", "ENTRY_OUT_OF_RANGE"]);
  });
  it("NE entry past the end", () => {
    expectObject(makeNe({ sectors: [0x10, 0xffff] }), undefined, FileType.ne, NO_ANCHOR, NO_ANCHOR, ["ENTRY_OUT_OF_RANGE"]);
    expectObject(makeNe({ shift: 0xffff }), undefined, FileType.ne, NO_ANCHOR, NO_ANCHOR, ["ENTRY_OUT_OF_RANGE"]);
    expectObject(makeNe({ shift: 0xffff, sectors: [0, 0], ip: 7 }), undefined, FileType.ne, 7, NO_ANCHOR);
  });
  it("jump out of range", () => {
    const e9 = new Uint8Array(100);
    e9.set([0xe9, 0xf0, 0xff]); // (3 - 16) & 0xFFFF = 0xFFF3
    const info = expectObject(e9, undefined, FileType.com, 0, NO_ANCHOR, ["JUMP_OUT_OF_RANGE"]);
    expect(info.warnings[0].offset).toBe(0);
    const eb = new Uint8Array(100);
    eb.set([0xeb, 0x80]); // 2 - 128 < 0
    expectObject(eb, undefined, FileType.com, 0, NO_ANCHOR, ["JUMP_OUT_OF_RANGE"]);
    const ebFar = new Uint8Array(10);
    ebFar.set([0xeb, 0x20]);
    expectObject(ebFar, undefined, FileType.com, 0, NO_ANCHOR, ["JUMP_OUT_OF_RANGE"]);
    expectObject(new Uint8Array([0xe9, 0x00]), undefined, FileType.com, 0, NO_ANCHOR); // too short for rel16
  });
});

describe("analyzeObjectInto", () => {
  it("overwrites anchors, appends warnings, returns types", () => {
    const anchors = new Int32Array([9, 9, 9, 9]);
    const warnings: ObjectWarning[] = [];
    const t1 = analyzeObjectInto(makePe({ entry: 0x2010, sections: TWO_SECTIONS }), undefined, anchors, warnings);
    expect(t1).toBe(FileType.pe32);
    expect(Array.from(anchors)).toEqual([0, 0x600, 0x410, NO_ANCHOR]);
    expect(warnings).toEqual([]);
    const t2 = analyzeObjectInto(makeMz({ size: 10 }), undefined, anchors, warnings);
    expect(t2).toBe(FileType.mz);
    expect(Array.from(anchors)).toEqual([0, 10, NO_ANCHOR, NO_ANCHOR]);
    expect(codes(warnings)).toEqual(["TRUNCATED_MZ_HEADER"]);
    analyzeObjectInto(new Uint8Array([0xeb, 0x80, 0, 0]), undefined, anchors, warnings);
    expect(codes(warnings)).toEqual(["TRUNCATED_MZ_HEADER", "JUMP_OUT_OF_RANGE"]);
  });
  it("rejects anchor storage shorter than 4", () => {
    expect(() => analyzeObjectInto(new Uint8Array(4), undefined, new Int32Array(3), [])).toThrow(RangeError);
  });
  it("agrees with analyzeObject", () => {
    const b = makeNe();
    const anchors = new Int32Array(4);
    const warnings: ObjectWarning[] = [];
    const t = analyzeObjectInto(b, "x.exe", anchors, warnings);
    const info = analyzeObject(b, "x.exe");
    expect(t).toBe(info.types);
    expect(anchors).toEqual(info.anchors);
    expect(warnings).toEqual(info.warnings);
  });
});

describe("robustness", () => {
  it("random binary is unknown", () => {
    expectObject(randomBinary(42, 3000), undefined, 0, NO_ANCHOR, NO_ANCHOR);
  });

  it("never throws on 2,000 random buffers with spliced MZ/PE/NE magic", () => {
    const r = rng(0x7467_7678);
    const int = (n: number) => Math.floor(r() * n);
    const anchors = new Int32Array(4);
    const seen = new Set<number>();
    for (let iter = 0; iter < 2000; iter++) {
      const size = int(2049);
      const b = new Uint8Array(size);
      for (let i = 0; i < size; i++) b[i] = r() < 0.3 ? 0 : int(256);
      const mode = int(8);
      if (mode >= 1 && size >= 2) ascii(b, 0, mode === 7 ? "ZM" : "MZ");
      if (mode >= 2 && size >= 0x40) {
        // e_lfanew: mostly inside the file, sometimes wild
        const lfanew = r() < 0.8 ? int(size) : int(0x1_0000_0000);
        w32(b, 0x3c, lfanew);
        if (lfanew + 2 <= size) {
          if (mode <= 4 && lfanew + 4 <= size) {
            ascii(b, lfanew, "PE\0\0");
            if (lfanew + 26 <= size) w16(b, lfanew + 24, r() < 0.45 ? 0x10b : r() < 0.8 ? 0x20b : int(0x10000));
            if (lfanew + 8 <= size && r() < 0.5) w16(b, lfanew + 6, r() < 0.5 ? int(4) : 0xffff);
            if (lfanew + 22 <= size && r() < 0.5) w16(b, lfanew + 20, r() < 0.5 ? 0xe0 : int(0x10000));
          } else {
            ascii(b, lfanew, "NE");
            if (lfanew + 0x18 <= size) w16(b, lfanew + 0x16, int(4));
            if (lfanew + 0x1e <= size) w16(b, lfanew + 0x1c, int(4));
            if (lfanew + 0x24 <= size) w16(b, lfanew + 0x22, int(0x80));
            if (lfanew + 0x34 <= size) w16(b, lfanew + 0x32, r() < 0.8 ? int(16) : int(0x10000));
          }
        }
      }
      if (mode === 0 && size >= 1) b[0] = r() < 0.5 ? 0xe9 : 0xeb;
      const name = r() < 0.2 ? "x.com" : undefined;

      let info!: ObjectInfo;
      expect(() => {
        info = analyzeObject(b, name);
      }).not.toThrow();
      const warnings: ObjectWarning[] = [];
      const t = analyzeObjectInto(b, name, anchors, warnings);
      expect(t).toBe(info.types);
      expect(info.anchors.length).toBe(4);
      expect(info.anchors[Anchor.start]).toBe(0);
      expect(info.anchors[Anchor.end]).toBe(size);
      for (const a of [info.anchors[Anchor.entry], info.anchors[Anchor.jump]]) {
        expect(a === NO_ANCHOR || (Number.isInteger(a) && a >= 0 && a < size)).toBe(true);
      }
      expect(info.types >>> 11).toBe(0);
      const family = info.types & (FileType.mz | FileType.ne | FileType.pe32 | FileType.pe64);
      expect(family & (family - 1)).toBe(0); // at most one MZ-family flag
      for (const w of info.warnings) expect(w.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      seen.add(family);
    }
    // the generator exercised every MZ-family outcome
    expect([...seen].sort((a, b) => a - b)).toEqual([0, FileType.mz, FileType.ne, FileType.pe32, FileType.pe64]);
  });
});
