#!/usr/bin/env node
/**
 * tgvx harmless sample corpus generator (see samples/README.md).
 *
 *   node samples/generate.mjs OUTDIR            write the whole corpus into OUTDIR (clean/, infected/,
 *                                               near-miss/, damaged/, manifest.yaml); `npm run samples` = OUTDIR samples
 *   node samples/generate.mjs --print-records   print the detection blocks of every family (CRCs computed
 *                                               from the generated samples) for db-src/*.yaml
 *   node samples/generate.mjs --verify [DIR]    check DIR (default: samples) against db-src/*.yaml with an
 *                                               independent re-implementation of the anchor rules, and prove
 *                                               every infected sample can be cleaned back to its original, the
 *                                               host-less ones (EICAR, dropper) are removed and the damaged
 *                                               ones are refused
 *
 * Imported as a module (no side effects), it exports randomHost / randomHostWithParams (seeded random
 * benign hosts of every file type), INFECTORS (record name -> host kinds + infect function) and the
 * reference CLEANERS, for test/clean-property.test.ts.
 *
 * SAFETY: every "virus body" below is inert data — a 2-byte first word, an ASCII banner and
 * deterministic pseudo-random filler. No working malicious code is ever produced. Hosts contain at most
 * trivial benign program bytes (a DOS exit, `xor eax,eax; ret`, `cli; hlt`). EICAR is the standard
 * harmless test string, assembled from pieces so this file is not itself a signature hit.
 *
 * Deterministic: no clock, no environment, no Math.random; one seeded PRNG (mulberry32 over an FNV-1a
 * seed string); deflate (for the gzip samples) is a tiny fixed-Huffman encoder written here, so the
 * bytes do not depend on the zlib build or CPU. Node built-ins only.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";

// ==================================================================================================
// bytes, CRC, PRNG

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** IEEE CRC-32 (zlib's) of buf[start, end). */
function crc32(buf, start = 0, end = buf.length) {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function fnv1a(s) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32 seeded from a string: the only source of "randomness" in the corpus. */
function prng(seed) {
  let a = fnv1a(seed);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function prngBytes(seed, n) {
  const r = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r() & 0xff;
  return b;
}

const align = (n, a) => Math.ceil(n / a) * a;
const cat = (...parts) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
const ascii = (s) => {
  assert(/^[\x00-\x7f]*$/.test(s), `non-ASCII text: ${JSON.stringify(s.slice(0, 40))}`);
  return Buffer.from(s, "latin1");
};
const u16 = (v) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v & 0xffff);
  return b;
};
const hex = (n, w = 0) => (n < 0 ? "-0x" : "0x") + Math.abs(n).toString(16).toUpperCase().padStart(w, "0");
const thousands = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

function assert(cond, msg) {
  if (!cond) throw new Error(`generate.mjs: ${msg}`);
}

/** Deterministic readable filler text (for hosts only). */
function proseLines(seed, count, eol = "\n") {
  const words = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa " +
    "quebec romeo sierra tango uniform victor whiskey xray yankee zulu sample corpus harmless host table " +
    "record window anchor offset sector segment header section entry clean"
  ).split(" ");
  const r = prng(seed);
  const out = [];
  for (let i = 0; i < count; i++) {
    const n = 5 + (r() % 8);
    const ws = [];
    for (let j = 0; j < n; j++) ws.push(words[r() % words.length]);
    out.push(`${String(i + 1).padStart(3, "0")} ${ws.join(" ")}.`);
  }
  return out.join(eol) + eol;
}

// ==================================================================================================
// tiny deterministic deflate (fixed Huffman, greedy LZ77) + gzip framing

const LBASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEXT = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DBASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DEXT = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

function deflateFixed(data) {
  const out = [];
  let bitbuf = 0;
  let bitcnt = 0;
  const bits = (v, n) => {
    bitbuf |= v << bitcnt;
    bitcnt += n;
    while (bitcnt >= 8) {
      out.push(bitbuf & 0xff);
      bitbuf >>>= 8;
      bitcnt -= 8;
    }
  };
  const huff = (code, len) => {
    let r = 0;
    for (let i = 0; i < len; i++) r = (r << 1) | ((code >> i) & 1);
    bits(r, len);
  };
  const lit = (s) => {
    if (s < 144) huff(0x30 + s, 8);
    else if (s < 256) huff(0x190 + s - 144, 9);
    else if (s < 280) huff(s - 256, 7);
    else huff(0xc0 + s - 280, 8);
  };
  const lastLE = (table, v) => {
    let j = 0;
    while (j + 1 < table.length && table[j + 1] <= v) j++;
    return j;
  };
  bits(1, 1); // BFINAL
  bits(1, 2); // BTYPE = 01 (fixed Huffman)
  const chains = new Map();
  const n = data.length;
  const insert = (p) => {
    if (p + 3 > n) return;
    const k = data[p] | (data[p + 1] << 8) | (data[p + 2] << 16);
    let list = chains.get(k);
    if (!list) chains.set(k, (list = []));
    list.push(p);
  };
  let i = 0;
  while (i < n) {
    let bestLen = 0;
    let bestDist = 0;
    if (i + 3 <= n) {
      const list = chains.get(data[i] | (data[i + 1] << 8) | (data[i + 2] << 16));
      if (list) {
        for (let k = list.length - 1, tries = 0; k >= 0 && tries < 64; k--, tries++) {
          const p = list[k];
          const dist = i - p;
          if (dist > 32768) break;
          let l = 0;
          while (l < 258 && i + l < n && data[p + l] === data[i + l]) l++;
          if (l > bestLen) {
            bestLen = l;
            bestDist = dist;
            if (l === 258) break;
          }
        }
      }
    }
    if (bestLen >= 3) {
      const lj = lastLE(LBASE, bestLen);
      lit(257 + lj);
      bits(bestLen - LBASE[lj], LEXT[lj]);
      const dj = lastLE(DBASE, bestDist);
      huff(dj, 5);
      bits(bestDist - DBASE[dj], DEXT[dj]);
      for (let k = 0; k < bestLen; k++) insert(i + k);
      i += bestLen;
    } else {
      lit(data[i]);
      insert(i);
      i++;
    }
  }
  lit(256);
  if (bitcnt > 0) out.push(bitbuf & 0xff);
  const result = Buffer.from(out);
  assert(zlib.inflateRawSync(result).equals(data), "deflate round trip failed");
  return result;
}

/** gzip member: FNAME set, MTIME 0, XFL 0, OS 3 (Unix) — fixed whatever platform generates it. */
function gzip(data, name) {
  const hdr = Buffer.from([0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0x00, 0x03]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length >>> 0, 4);
  const out = cat(hdr, ascii(name), [0], deflateFixed(data), trailer);
  assert(zlib.gunzipSync(out).equals(data), "gzip round trip failed");
  return out;
}

// ==================================================================================================
// containers and text formats

const DOS_TIME = (12 << 11) | (0 << 5) | 0; // 12:00:00
const DOS_DATE = ((2004 - 1980) << 9) | (3 << 5) | 1; // 2004-03-01

/** ZIP with stored entries, written by hand (fixed DOS date/time, no extra fields). */
function zipStored(entries, comment = "") {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nm = ascii(name);
    const crc = crc32(data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(10, 4); // version needed 1.0 (stored)
    lh.writeUInt16LE(0, 6); // flags
    lh.writeUInt16LE(0, 8); // method: stored
    lh.writeUInt16LE(DOS_TIME, 10);
    lh.writeUInt16LE(DOS_DATE, 12);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(nm.length, 26);
    lh.writeUInt16LE(0, 28);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4); // made by: MS-DOS/FAT, 2.0
    ch.writeUInt16LE(10, 6);
    ch.writeUInt16LE(0, 8);
    ch.writeUInt16LE(0, 10);
    ch.writeUInt16LE(DOS_TIME, 12);
    ch.writeUInt16LE(DOS_DATE, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(nm.length, 28);
    ch.writeUInt16LE(0, 30); // extra
    ch.writeUInt16LE(0, 32); // comment
    ch.writeUInt16LE(0, 34); // disk
    ch.writeUInt16LE(/\.(txt|sh|bat)$/.test(name) ? 1 : 0, 36); // internal attributes: text
    ch.writeUInt32LE(0x20, 38); // external attributes: DOS archive bit
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, nm, data);
    centrals.push(ch, nm);
    offset += 30 + nm.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const cm = ascii(comment);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  eocd.writeUInt16LE(cm.length, 20);
  return cat(...locals, cd, eocd, cm);
}

/** POSIX ustar archive: mtime 0, uid/gid 0, owner "tgvx", correct checksums, two zero blocks at the end. */
function tarUstar(entries) {
  const blocks = [];
  const octal = (v, width) => ascii(v.toString(8).padStart(width - 1, "0") + "\0");
  for (const { name, data, mode = 0o644 } of entries) {
    assert(name.length < 100, "tar name too long");
    const h = Buffer.alloc(512);
    ascii(name).copy(h, 0);
    octal(mode, 8).copy(h, 100);
    octal(0, 8).copy(h, 108);
    octal(0, 8).copy(h, 116);
    octal(data.length, 12).copy(h, 124);
    octal(0, 12).copy(h, 136); // mtime
    h.fill(0x20, 148, 156); // checksum field as spaces while summing
    h[156] = 0x30; // typeflag '0': regular file
    ascii("ustar\0").copy(h, 257);
    ascii("00").copy(h, 263);
    ascii("tgvx").copy(h, 265);
    ascii("tgvx").copy(h, 297);
    let sum = 0;
    for (const b of h) sum += b;
    ascii(sum.toString(8).padStart(6, "0") + "\0 ").copy(h, 148);
    blocks.push(h, data, Buffer.alloc(align(data.length, 512) - data.length));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function base64Lines(data, eol) {
  const s = data.toString("base64");
  const lines = [];
  for (let i = 0; i < s.length; i += 76) lines.push(s.slice(i, i + 76));
  return lines.join(eol) + eol;
}

/** A MIME multipart message (CRLF) with a text part and one base64 attachment. */
function mimeMessage({ from, to, subject, id, text, attachmentName, attachment }) {
  const E = "\r\n";
  const boundary = "=_tgvx_sample_boundary_0001";
  return ascii(
    [
      `From: ${from}`,
      `To: ${to}`,
      `Subject: ${subject}`,
      "Date: Mon, 01 Mar 2004 12:00:00 +0000",
      `Message-ID: <${id}@samples.tgvx.invalid>`,
      "MIME-Version: 1.0",
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      "",
      "This is a multi-part message in MIME format.",
      "",
      `--${boundary}`,
      "Content-Type: text/plain; charset=us-ascii",
      "Content-Transfer-Encoding: 7bit",
      "",
      text.replace(/\n/g, E).replace(/\r\n$/, ""),
      "",
      `--${boundary}`,
      `Content-Type: application/octet-stream; name="${attachmentName}"`,
      "Content-Transfer-Encoding: base64",
      `Content-Disposition: attachment; filename="${attachmentName}"`,
      "",
      base64Lines(attachment, E) + `--${boundary}--`,
      "",
    ].join(E),
  );
}

// ==================================================================================================
// executable hosts (benign: at most a DOS exit / `xor eax,eax; ret` / `cli; hlt`)

const DOS_EXIT = Buffer.from([0xb8, 0x00, 0x4c, 0xcd, 0x21]); // mov ax,4C00h; int 21h
const WIN_RET0 = Buffer.from([0x31, 0xc0, 0xc3]); // xor eax,eax; ret

function comHost1() {
  // 1,234 bytes: E9 jump over a message and a data table to a DOS exit in the last 5 bytes.
  const size = 1234;
  const b = Buffer.alloc(size);
  const exitAt = size - DOS_EXIT.length;
  b[0] = 0xe9;
  b.writeUInt16LE((exitAt - 3) & 0xffff, 1);
  const msg = ascii("tgvx clean sample COM host 1: a near jump over data to a DOS exit.\r\n$");
  msg.copy(b, 3);
  prngBytes("host:com-1:table", exitAt - 3 - msg.length).copy(b, 3 + msg.length);
  DOS_EXIT.copy(b, exitAt);
  return b;
}

function comHost2() {
  // 777 bytes: plain code at offset 0 (a DOS exit), then data.
  const text = ascii("tgvx clean sample COM host 2: code first, then data.\r\n$" + proseLines("host:com-2", 6, "\r\n"));
  const b = cat(DOS_EXIT, text);
  return cat(b, prngBytes("host:com-2:table", 777 - b.length));
}

function comHost3() {
  // 3,001 bytes: EB short jump to a DOS exit at 0x40, a message before it, text after it.
  const b = Buffer.alloc(3001);
  b[0] = 0xeb;
  b[1] = 0x40 - 2;
  ascii("tgvx clean sample COM host 3: short jump.\r\n$").copy(b, 2);
  DOS_EXIT.copy(b, 0x40);
  const tail = ascii(proseLines("host:com-3", 60, "\r\n"));
  tail.copy(b, 0x48, 0, Math.min(tail.length, b.length - 0x48));
  return b;
}

/**
 * Plain DOS MZ executable, e_lfanew = 0. Defaults (the corpus hosts): 4-paragraph header, no
 * relocations, SS just after the image. `relocs` ([offset, segment] pairs, inert data here) are
 * written at e_lfarlc inside the header.
 */
function buildMZ({ image, cs, ip, lfarlc, minalloc = 0x20, sp = 0x200, hdrParas = 4, relocs = [], ss, maxalloc = 0xffff }) {
  const hdrLen = hdrParas * 16;
  assert(hdrLen >= 0x40 && lfarlc + relocs.length * 4 <= hdrLen && (lfarlc >= 0x40 || lfarlc + relocs.length * 4 <= 0x3c), "MZ header layout");
  const h = Buffer.alloc(hdrLen);
  const size = hdrLen + image.length;
  ascii("MZ").copy(h, 0);
  h.writeUInt16LE(size % 512, 0x02); // e_cblp
  h.writeUInt16LE(Math.ceil(size / 512), 0x04); // e_cp
  h.writeUInt16LE(relocs.length, 0x06); // e_crlc
  h.writeUInt16LE(hdrParas, 0x08); // e_cparhdr
  h.writeUInt16LE(minalloc, 0x0a);
  h.writeUInt16LE(maxalloc, 0x0c);
  h.writeUInt16LE(ss ?? (image.length + 15) >> 4, 0x0e); // e_ss: by default just after the image
  h.writeUInt16LE(sp, 0x10);
  h.writeUInt16LE(ip, 0x14);
  h.writeUInt16LE(cs, 0x16);
  h.writeUInt16LE(lfarlc, 0x18);
  h.writeUInt32LE(0, 0x3c); // e_lfanew: not a new executable
  relocs.forEach(([off, seg], i) => {
    h.writeUInt16LE(off, lfarlc + i * 4);
    h.writeUInt16LE(seg, lfarlc + i * 4 + 2);
  });
  return cat(h, image);
}

function mzHost1() {
  // entry at CS:IP = 0000:0000 (file offset 0x40); classic e_lfarlc 0x1C.
  const text = ascii("tgvx clean sample MZ host 1\r\n$" + proseLines("host:mz-1", 12, "\r\n"));
  const image = cat(DOS_EXIT, text);
  return buildMZ({ image: cat(image, prngBytes("host:mz-1:data", 1500 - 0x40 - image.length)), cs: 0, ip: 0, lfarlc: 0x1c });
}

function mzHost2() {
  // data first, entry at CS:IP = 0010:0005 (file offset 0x145); e_lfarlc 0x40 with e_lfanew 0.
  const data = Buffer.alloc(0x105);
  ascii("tgvx clean sample MZ host 2: data segment first\r\n$").copy(data, 0);
  prngBytes("host:mz-2:data", 0x105 - 0x40).copy(data, 0x40);
  const text = ascii(proseLines("host:mz-2", 30, "\r\n"));
  const image = cat(data, DOS_EXIT, text);
  const padded = cat(image, prngBytes("host:mz-2:tail", Math.max(0, 2600 - 0x40 - image.length)));
  return buildMZ({ image: padded.subarray(0, 2600 - 0x40), cs: 0x10, ip: 0x05, lfarlc: 0x40, sp: 0x400 });
}

/** The 0x80-byte MZ header + stub in front of NE and PE files (the stub only exits). */
function dosStub(lfanew) {
  const b = Buffer.alloc(0x80);
  ascii("MZ").copy(b, 0);
  b.writeUInt16LE(0x80, 0x02);
  b.writeUInt16LE(1, 0x04);
  b.writeUInt16LE(4, 0x08);
  b.writeUInt16LE(0xffff, 0x0c);
  b.writeUInt16LE(0xb8, 0x10);
  b.writeUInt16LE(0x40, 0x18);
  b.writeUInt32LE(lfanew, 0x3c);
  Buffer.from([0xb8, 0x01, 0x4c, 0xcd, 0x21]).copy(b, 0x40); // mov ax,4C01h; int 21h
  ascii("This program requires Microsoft Windows.\r\n$").copy(b, 0x45);
  return b;
}

/**
 * A small Win16 NE executable: header tables right after the NE header, slack, then aligned segments.
 * The first segment starts at the alignment unit at or after max(end of tables + slack, minFirst)
 * (defaults 0x40 and 0x200, the corpus hosts); the slack is zero. `order` (a permutation of the segment
 * indexes) is the order of the segments' data in the file; default: table order.
 */
function buildNE({ module, description, segments, cs, ip, shift, slack = 0x40, minFirst = 0x200, order = segments.map((_, i) => i) }) {
  const ne = 0x80;
  const segTab = 0x40;
  const resident = cat([module.length], ascii(module), u16(0), [0]);
  const resTab = segTab + segments.length * 8; // no resources: resource table offset == resident names offset
  const resNames = resTab;
  const modRef = resNames + resident.length; // no module references
  const impNames = modRef;
  const imported = Buffer.from([0]);
  const entTab = impNames + imported.length;
  const entry = Buffer.from([0]); // empty entry table
  const nonresAbs = ne + entTab + entry.length;
  const nonres = cat([description.length], ascii(description), u16(0), [0]);
  const tablesEnd = nonresAbs + nonres.length;
  const unit = 1 << shift;
  let off = align(Math.max(tablesEnd + slack, minFirst), unit);
  assert(order.length === segments.length && [...order].sort((a, b) => a - b).every((v, i) => v === i), "NE segment order");
  const placed = [];
  for (const i of order) {
    placed[i] = { ...segments[i], off };
    off = align(off + segments[i].data.length, unit);
  }
  const last = placed[order[order.length - 1]];
  const f = Buffer.alloc(last.off + last.data.length);
  dosStub(ne).copy(f, 0);
  const h = f.subarray(ne);
  ascii("NE").copy(h, 0);
  h[0x02] = 5; // linker version
  h[0x03] = 10;
  h.writeUInt16LE(entTab, 0x04);
  h.writeUInt16LE(entry.length, 0x06);
  h.writeUInt16LE(0x0302, 0x0c); // MULTIPLEDATA, Windows API application
  const autoData = segments.findIndex((s) => s.flags & 1) + 1;
  h.writeUInt16LE(autoData, 0x0e);
  h.writeUInt16LE(0x400, 0x10); // heap
  h.writeUInt16LE(0x1000, 0x12); // stack
  h.writeUInt16LE(ip, 0x14);
  h.writeUInt16LE(cs, 0x16);
  h.writeUInt16LE(0, 0x18); // SP
  h.writeUInt16LE(autoData, 0x1a); // SS
  h.writeUInt16LE(segments.length, 0x1c);
  h.writeUInt16LE(0, 0x1e);
  h.writeUInt16LE(nonres.length, 0x20);
  h.writeUInt16LE(segTab, 0x22);
  h.writeUInt16LE(resTab, 0x24);
  h.writeUInt16LE(resNames, 0x26);
  h.writeUInt16LE(modRef, 0x28);
  h.writeUInt16LE(impNames, 0x2a);
  h.writeUInt32LE(nonresAbs, 0x2c);
  h.writeUInt16LE(0, 0x30);
  h.writeUInt16LE(shift, 0x32);
  h[0x36] = 2; // target OS: Windows
  h.writeUInt16LE(0x030a, 0x3e); // expected Windows 3.10
  placed.forEach((s, i) => {
    const e = segTab + i * 8;
    h.writeUInt16LE(s.off >> shift, e);
    h.writeUInt16LE(s.data.length, e + 2);
    h.writeUInt16LE(s.flags, e + 4);
    h.writeUInt16LE(s.minAlloc ?? s.data.length, e + 6);
    s.data.copy(f, s.off);
  });
  resident.copy(h, resNames);
  imported.copy(h, impNames);
  entry.copy(h, entTab);
  nonres.copy(f, nonresAbs);
  return f;
}

const NE_CODE = 0x0050; // code, movable, preload
const NE_DATA = 0x0051; // data, movable, preload

function neHost1() {
  const code = cat(DOS_EXIT, ascii("tgvx clean sample NE host 1 code\r\n"), prngBytes("host:ne-1:code", 0x120 - 5 - 34));
  const data = cat(ascii("tgvx clean sample NE host 1 data\0"), Buffer.alloc(0x80 - 33));
  return buildNE({
    module: "HELLO16",
    description: "tgvx clean sample NE host 1",
    segments: [
      { data: code, flags: NE_CODE },
      { data, flags: NE_DATA, minAlloc: 0x100 },
    ],
    cs: 1,
    ip: 0,
    shift: 4,
  });
}

function neHost2() {
  const code1 = cat(Buffer.alloc(0x10, 0x90), DOS_EXIT, ascii(proseLines("host:ne-2:code1", 8, "\r\n")));
  const code2 = cat(ascii("tgvx clean sample NE host 2 second code segment\r\n"), prngBytes("host:ne-2:code2", 0x1d3));
  const data = cat(ascii("tgvx clean sample NE host 2 data\0"), prngBytes("host:ne-2:data", 0xb1));
  return buildNE({
    module: "SAMPLE2",
    description: "tgvx clean sample NE host 2 (three segments, 512-byte sectors)",
    segments: [
      { data: code2, flags: NE_CODE },
      { data: code1, flags: NE_CODE },
      { data, flags: NE_DATA },
    ],
    cs: 2,
    ip: 0x10,
    shift: 9,
  });
}

const SCN_CODE = 0x60000020; // code | execute | read
const SCN_RDATA = 0x40000040; // initialized data | read
const SCN_DATA = 0xc0000040; // initialized data | read | write

/** A minimal PE32 / PE32+ image without imports: FileAlignment 0x200, SectionAlignment 0x1000 unless given. */
function buildPE({ bits, sections, entrySection, entryOffset, headersSize, subsystem, fileAlign = 0x200, sectionAlign = 0x1000 }) {
  const pe = 0x80;
  const optSize = bits === 64 ? 240 : 224;
  const table = pe + 24 + optSize;
  assert(table + sections.length * 40 <= headersSize, "PE section table does not fit the headers");
  assert(headersSize % fileAlign === 0 && sectionAlign % fileAlign === 0, "PE alignments");
  let va = align(headersSize, sectionAlign);
  let raw = headersSize;
  const secs = sections.map((s) => {
    const vs = s.data.length;
    const r = { ...s, va, vs, raw, rs: align(vs, fileAlign) };
    va += align(vs, sectionAlign);
    raw += r.rs;
    return r;
  });
  const f = Buffer.alloc(raw);
  dosStub(pe).copy(f, 0);
  ascii("PE\0\0").copy(f, pe);
  const coff = pe + 4;
  f.writeUInt16LE(bits === 64 ? 0x8664 : 0x014c, coff);
  f.writeUInt16LE(secs.length, coff + 2);
  f.writeUInt32LE(0, coff + 4); // TimeDateStamp: fixed
  f.writeUInt16LE(optSize, coff + 16);
  f.writeUInt16LE(bits === 64 ? 0x0023 : 0x0103, coff + 18); // relocs stripped | executable | (large address aware / 32-bit)
  const o = pe + 24;
  const code = secs.filter((s) => s.chars === SCN_CODE);
  const idata = secs.filter((s) => s.chars !== SCN_CODE);
  f.writeUInt16LE(bits === 64 ? 0x20b : 0x10b, o);
  f[o + 2] = 14;
  f.writeUInt32LE(code.reduce((a, s) => a + s.rs, 0), o + 4);
  f.writeUInt32LE(idata.reduce((a, s) => a + s.rs, 0), o + 8);
  f.writeUInt32LE(secs[entrySection].va + entryOffset, o + 16);
  f.writeUInt32LE(code[0].va, o + 20);
  if (bits === 64) f.writeBigUInt64LE(0x140000000n, o + 24);
  else {
    f.writeUInt32LE(idata[0]?.va ?? 0, o + 24);
    f.writeUInt32LE(0x400000, o + 28);
  }
  f.writeUInt32LE(sectionAlign, o + 32);
  f.writeUInt32LE(fileAlign, o + 36);
  f.writeUInt16LE(bits === 64 ? 6 : 5, o + 40); // OS version
  f.writeUInt16LE(bits === 64 ? 0 : 1, o + 42);
  f.writeUInt16LE(bits === 64 ? 6 : 5, o + 48); // subsystem version
  f.writeUInt16LE(bits === 64 ? 0 : 1, o + 50);
  f.writeUInt32LE(va, o + 56); // SizeOfImage
  f.writeUInt32LE(headersSize, o + 60);
  f.writeUInt16LE(subsystem, o + 68);
  if (bits === 64) {
    f.writeBigUInt64LE(0x100000n, o + 72);
    f.writeBigUInt64LE(0x1000n, o + 80);
    f.writeBigUInt64LE(0x100000n, o + 88);
    f.writeBigUInt64LE(0x1000n, o + 96);
    f.writeUInt32LE(16, o + 108);
  } else {
    f.writeUInt32LE(0x100000, o + 72);
    f.writeUInt32LE(0x1000, o + 76);
    f.writeUInt32LE(0x100000, o + 80);
    f.writeUInt32LE(0x1000, o + 84);
    f.writeUInt32LE(16, o + 92);
  }
  secs.forEach((s, i) => {
    const e = table + i * 40;
    ascii(s.name).copy(f, e, 0, 8);
    f.writeUInt32LE(s.vs, e + 8);
    f.writeUInt32LE(s.va, e + 12);
    f.writeUInt32LE(s.rs, e + 16);
    f.writeUInt32LE(s.raw, e + 20);
    f.writeUInt32LE(s.chars, e + 36);
    s.data.copy(f, s.raw);
  });
  f.writeUInt32LE(peChecksum(f), o + 64); // CheckSum: the real one, never 0
  return f;
}

/** Offset of the optional header's CheckSum field (+64 in PE32 and PE32+). */
const peChecksumAt = (f) => f.readUInt32LE(0x3c) + 24 + 64;

/**
 * The standard PE image checksum (imagehlp CheckSumMappedFile): the file as little-endian u16 words
 * (an odd last byte is a word with high byte 0), the 4 CheckSum bytes counted as 0, summed with the
 * carry folded back into the low 16 bits after every word, folded once more, plus the file length.
 */
function peChecksum(f) {
  const at = peChecksumAt(f);
  let sum = 0;
  for (let i = 0; i < f.length; i += 2) {
    if (i === at || i === at + 2) continue;
    sum += f[i] | ((i + 1 < f.length ? f[i + 1] : 0) << 8);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + f.length) >>> 0;
}

function textSection(entryOffset, size) {
  const b = Buffer.alloc(size, 0xcc); // int3 padding
  WIN_RET0.copy(b, entryOffset);
  return b;
}

function pe32Host1() {
  return buildPE({
    bits: 32,
    headersSize: 0x400,
    subsystem: 2,
    entrySection: 0,
    entryOffset: 0x10,
    sections: [
      { name: ".text", chars: SCN_CODE, data: textSection(0x10, 0x1a0) },
      { name: ".rdata", chars: SCN_RDATA, data: ascii("tgvx clean sample PE32 host 1\0" + proseLines("host:pe32-1", 8)) },
      { name: ".data", chars: SCN_DATA, data: prngBytes("host:pe32-1:data", 0x90) },
    ],
  });
}

function pe32Host2() {
  return buildPE({
    bits: 32,
    headersSize: 0x200,
    subsystem: 3,
    entrySection: 0,
    entryOffset: 0,
    sections: [
      { name: ".text", chars: SCN_CODE, data: textSection(0, 0x40) },
      { name: ".data", chars: SCN_DATA, data: cat(ascii("tgvx clean sample PE32 host 2\0"), prngBytes("host:pe32-2:data", 0x3f0)) },
    ],
  });
}

function pe64Host1() {
  return buildPE({
    bits: 64,
    headersSize: 0x200,
    subsystem: 3,
    entrySection: 0,
    entryOffset: 0x20,
    sections: [
      { name: ".text", chars: SCN_CODE, data: textSection(0x20, 0x230) },
      { name: ".rdata", chars: SCN_RDATA, data: ascii("tgvx clean sample PE32+ host 1\0" + proseLines("host:pe64-1", 5)) },
    ],
  });
}

/** A FAT12 floppy boot sector whose code only halts (cli; hlt; jmp $-1). */
function bootSector({ oem, bytesPerCluster, totalSectors, media, fatSectors, sectorsPerTrack, rootEntries, volumeId, label, message }) {
  const b = Buffer.alloc(512);
  Buffer.from([0xeb, 0x3c, 0x90]).copy(b, 0);
  ascii(oem.padEnd(8)).copy(b, 3);
  b.writeUInt16LE(512, 0x0b);
  b[0x0d] = bytesPerCluster / 512;
  b.writeUInt16LE(1, 0x0e); // reserved sectors
  b[0x10] = 2; // FATs
  b.writeUInt16LE(rootEntries, 0x11);
  b.writeUInt16LE(totalSectors, 0x13);
  b[0x15] = media;
  b.writeUInt16LE(fatSectors, 0x16);
  b.writeUInt16LE(sectorsPerTrack, 0x18);
  b.writeUInt16LE(2, 0x1a); // heads
  b[0x24] = 0; // drive number
  b[0x26] = 0x29; // extended boot signature
  b.writeUInt32LE(volumeId, 0x27);
  ascii(label.padEnd(11)).copy(b, 0x2b);
  ascii("FAT12   ").copy(b, 0x36);
  Buffer.from([0xfa, 0xf4, 0xeb, 0xfd]).copy(b, 0x3e); // cli; hlt; jmp short -3 (back to hlt)
  ascii(message).copy(b, 0x48);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

function boot144() {
  return bootSector({
    oem: "TGVXDOS1",
    bytesPerCluster: 512,
    totalSectors: 2880,
    media: 0xf0,
    fatSectors: 9,
    sectorsPerTrack: 18,
    rootEntries: 224,
    volumeId: 0x20040301,
    label: "TGVX 1440K",
    message: "Non-system disk (tgvx clean sample boot sector, 1.44 MB)\r\n",
  });
}

function boot720() {
  return bootSector({
    oem: "TGVXDOS2",
    bytesPerCluster: 1024,
    totalSectors: 1440,
    media: 0xf9,
    fatSectors: 3,
    sectorsPerTrack: 9,
    rootEntries: 112,
    volumeId: 0x19870720,
    label: "TGVX 720K",
    message: "Non-system disk (tgvx clean sample boot sector, 720 KB)\r\n",
  });
}

function shellScript() {
  return ascii(
    [
      "#!/bin/sh",
      "# tgvx clean sample: a harmless shell script (prints a few lines, changes nothing).",
      "set -eu",
      "",
      'greet() { printf "hello from the tgvx sample corpus, %s\\n" "$1"; }',
      "",
      "for name in alpha bravo charlie; do",
      '  greet "$name"',
      "done",
      "",
      "cat <<'EOF'",
      proseLines("host:script", 10).trimEnd(),
      "EOF",
      "exit 0",
      "",
    ].join("\n"),
  );
}

function batchFile() {
  return ascii(
    [
      "@echo off",
      "rem tgvx clean sample: a harmless batch file (prints a few lines, changes nothing).",
      "setlocal",
      "set GREETING=hello from the tgvx sample corpus",
      "for %%N in (alpha bravo charlie) do echo %GREETING%, %%N",
      "echo.",
      ...proseLines("host:bat", 8, "\n")
        .trimEnd()
        .split("\n")
        .map((l) => `echo ${l}`),
      "endlocal",
      "",
    ].join("\r\n"),
  );
}

function readmeText() {
  return ascii("tgvx clean sample archive member.\r\n" + proseLines("host:zip-readme", 14, "\r\n"));
}

function mbox() {
  const msg = (from, subject, day, body) =>
    [
      `From ${from} Mon Mar  ${day} 12:00:00 2004`,
      `From: ${from}`,
      "To: list@example.net",
      `Subject: ${subject}`,
      `Date: Mon, 0${day} Mar 2004 12:00:00 +0000`,
      `Message-ID: <mbox-${day}@samples.tgvx.invalid>`,
      "",
      body.trimEnd(),
      "",
      "",
    ].join("\n");
  return ascii(
    msg("alice@example.org", "tgvx sample mailbox, message 1", 1, proseLines("host:mbox-1", 4)) +
      msg("bob@example.net", "Re: tgvx sample mailbox, message 1", 2, "> quoted line\n>From the mbox quoting rule\n" + proseLines("host:mbox-2", 3)) +
      msg("carol@example.com", "tgvx sample mailbox, message 3", 3, proseLines("host:mbox-3", 5)),
  );
}

function randomBinary() {
  const b = prngBytes("host:random", 3000);
  b[0] = 0x00; // fixed first byte: never a COM jump, MZ, PK, gzip or text
  return b;
}

// ==================================================================================================
// EICAR and the families (inert bodies)

const EICAR = ascii(["X5O!P%@AP[4\\PZX54(P^)7CC)7}", "$EICAR-STANDARD-ANTI", "VIRUS-TEST-FILE!$H+H*"].join(""));
assert(EICAR.length === 68 && crypto.createHash("md5").update(EICAR).digest("hex") === "44d88612fea8a8f36de82e1278abb02f", "EICAR string");

/**
 * Every family's body: first word (2 bytes) + banner up to 0x40, a zeroed slot area 0x40..0x4F where
 * the infector stores host-dependent data, then pseudo-random filler. `anchorInBody` is where the
 * record's anchor falls relative to the body start, so `at` = -anchorInBody and a window's body
 * position is anchorInBody + offset.
 */
const FAMILIES = [
  {
    key: "eicar",
    file: "eicar.yaml",
    id: 0x0001,
    name: "Test.EICAR.68",
    type: 3,
    category: "test",
    attributes: ["test"],
    anchor: "start",
    anchorInBody: 0,
    windows: [
      [0x00, 0x20],
      [0x20, 0x24],
    ],
    slots: [],
    description: "The EICAR anti-virus test file (68 bytes; trailing whitespace allowed). Cleaning: remove the file.",
  },
  {
    key: "tailgate-a",
    file: "tailgate.yaml",
    id: 0x1001,
    name: "DOS.Tailgate.A",
    type: 3,
    attributes: ["infector"],
    anchor: "jump",
    word: "TG",
    bodyLen: 0x180,
    anchorInBody: 0,
    slots: [[0x40, 3]],
    windows: [
      [0x00, 0x40],
      [0x60, 0xc0],
    ],
    description:
      "COM appender: body (0x180 bytes) appended, first 3 bytes replaced by E9 to the body; the host's first 3 bytes stored at body+0x40. Cleaning: copy 3 bytes from jump+0x40 to offset 0, truncate at the jump target.",
  },
  {
    key: "headstone-a",
    file: "headstone.yaml",
    id: 0x2001,
    name: "DOS.Headstone.A",
    type: 4,
    filetypes: ["com"],
    attributes: ["infector"],
    anchor: "start",
    word: "HS",
    bodyLen: 0x200,
    anchorInBody: 0,
    slots: [[0x40, 2]],
    windows: [
      [0x08, 0x30],
      [0x100, 0x100],
    ],
    description:
      "COM prepender: 0x200-byte body, then the whole original host; host size stored as u16 at body+0x40. Cleaning: truncate 0x200 bytes from the head.",
  },
  {
    key: "exetail-a",
    file: "exetail.yaml",
    id: 0x3001,
    name: "DOS.Exetail.A",
    type: 4,
    filetypes: ["mz"],
    attributes: ["infector"],
    anchor: "entry",
    word: "ET",
    bodyLen: 0x240,
    anchorInBody: 0x60,
    rev: 2,
    slots: [[0x40, 8]],
    windows: [
      [-0x10, 0x50],
      [0x80, 0x100],
    ],
    description:
      "MZ appender: 0x240-byte body appended at the old end of file (no padding); CS:IP set to body+0x60, SS:SP to (CS+0x25):0400; original IP, CS, SS, SP stored as u16 at body+0x40/0x42/0x44/0x46; e_cblp/e_cp updated. Cleaning: restore IP/CS/SS/SP, truncate at entry-0x60, recompute e_cblp/e_cp.",
  },
  {
    key: "pesection-a",
    file: "pesection.yaml",
    id: 0x4001,
    name: "Win32.Pesection.A",
    type: 4,
    filetypes: ["pe32", "pe64"],
    attributes: ["infector"],
    anchor: "entry",
    word: "PS",
    bodyLen: 0x300,
    anchorInBody: 0x100,
    rev: 2,
    slots: [[0x40, 8]],
    windows: [
      [-0xb0, 0x60],
      [0x20, 0xe0],
    ],
    description:
      'PE infector: adds a last section ".pesect" (raw = old end of file, VA = old SizeOfImage, 0x300 bytes, raw padded to 0x400), AddressOfEntryPoint = section+0x100, original entry RVA and CheckSum stored as u32 at body+0x40/0x44; NumberOfSections and SizeOfImage updated, CheckSum recomputed. Cleaning: restore the entry RVA and CheckSum, SizeOfImage = the section VA, zero its header, NumberOfSections-1, truncate at its PointerToRawData.',
  },
  {
    key: "netail-a",
    file: "netail.yaml",
    id: 0x5001,
    name: "Win16.Netail.A",
    type: 4,
    filetypes: ["ne"],
    attributes: ["infector"],
    anchor: "entry",
    word: "NT",
    bodyLen: 0x1e0,
    anchorInBody: 0,
    slots: [[0x40, 8]],
    windows: [
      [0x48, 0x40],
      [0x120, 0xa0],
    ],
    description:
      "NE infector: inserts an 8-byte segment entry after the segment table (the tables after it move up 8 bytes; their NE offsets and the non-resident table offset +8), body appended at the next alignment unit as a new code segment, CS:IP = new segment:0; original IP, CS (u16) and file size (u32) stored at body+0x40/0x42/0x44. Cleaning reverses all of it.",
  },
  {
    key: "trailer-a",
    file: "trailer.yaml",
    id: 0x6001,
    name: "Generic.Trailer.A",
    type: 3,
    attributes: ["infector"],
    anchor: "end",
    word: "TR",
    bodyLen: 0x1a0,
    anchorInBody: 0x1a0,
    slots: [],
    windows: [
      [-0x190, 0x80],
      [-0x70, 0x50],
    ],
    description: "Appends its 0x1A0-byte body to the end of any file, changes nothing else. Cleaning: truncate the last 0x1A0 bytes.",
  },
  {
    key: "stonewall-a",
    file: "stonewall.yaml",
    id: 0x7001,
    name: "Boot.Stonewall.A",
    type: 4,
    filetypes: ["boot"],
    attributes: ["infector", "boot"],
    anchor: "start",
    word: "SW",
    bodyLen: 0x1c0,
    anchorInBody: -0x3e,
    slots: [],
    windows: [
      [0x40, 0x80],
      [0x130, 0xb0],
    ],
    description:
      "Boot-sector infector: keeps the jump and BPB (0x00..0x3D), overwrites the boot code 0x3E..0x1FD with its body, keeps 55 AA, and saves the original sector as sector 1 of a 1024-byte image. Cleaning: copy sector 1 over sector 0, truncate to 512 bytes.",
  },
  {
    key: "overwrite-a",
    file: "overwrite.yaml",
    id: 0x8001,
    name: "DOS.Overwrite.A",
    type: 4,
    filetypes: ["com"],
    attributes: ["infector"],
    anchor: "start",
    word: "OW",
    bodyLen: 0x200,
    anchorInBody: 0,
    slots: [[0x40, 1]],
    windows: [
      [0x10, 0x30],
      [0x90, 0x100],
    ],
    description:
      "COM overwriter: its 0x200-byte body replaces the first 0x200 bytes of the host (host >= 0x200 bytes); the overwritten bytes, XOR-encoded with a one-byte key, are appended as a 0x200-byte tail block; key (u8) at body+0x40. Cleaning: decode the last 0x200 bytes with the key, copy them to offset 0, truncate 0x200 bytes from the end.",
  },
  {
    key: "dropper-a",
    file: "dropper.yaml",
    id: 0x9001,
    name: "Win32.Dropper.A",
    type: 4,
    filetypes: ["pe32"],
    category: "trojan",
    attributes: ["trojan", "dropper"],
    anchor: "entry",
    word: "DR",
    bodyLen: 0x180,
    anchorInBody: 0,
    slots: [],
    windows: [
      [0x00, 0x40],
      [0x70, 0xf0],
    ],
    description:
      "Standalone PE32 dropper (no host): .text holds the 0x180-byte body with the entry point at its banner, .data an inert payload of varying size. Cleaning: remove the file.",
  },
  // The families of the control-layer demonstrations (DESIGN §1: Nimda is cleaned on a desktop but
  // discarded on a mail gateway, CIH cleaned in both; a psexec-like tool is a grey area).
  {
    key: "postbox-a",
    file: "postbox.yaml",
    id: 0xa001,
    name: "I-Worm.Postbox.A",
    type: 4,
    filetypes: ["pe32"],
    category: "worm",
    attributes: ["mailer", "infector"],
    anchor: "entry",
    word: "PB",
    bodyLen: 0x280,
    anchorInBody: 0x80,
    slots: [[0x40, 8]],
    windows: [
      [-0x30, 0x30],
      [0x40, 0xc0],
    ],
    description:
      'Nimda-like mass-mailer that also infects PE32 files: adds a last section ".postbx" (raw = old end of file, VA = old SizeOfImage, 0x280 bytes, raw padded to 0x400), AddressOfEntryPoint = section+0x80, original entry RVA and CheckSum stored as u32 at body+0x40/0x44, CheckSum recomputed; mails itself as readme.exe. Cleaning: the PE-tail reversal.',
  },
  {
    key: "cinder-a",
    file: "cinder.yaml",
    id: 0xb001,
    name: "Win95.Cinder.A",
    type: 4,
    filetypes: ["pe32"],
    attributes: ["infector"],
    anchor: "entry",
    word: "CN",
    bodyLen: 0x140,
    anchorInBody: 0,
    slots: [[0x40, 16]],
    windows: [
      [0x00, 0x40],
      [0x60, 0xc0],
    ],
    description:
      "CIH-like cavity infector (does not mail itself): its 0x140-byte body fills the zero slack at the end of the first section with room, the entry point moves to it, the section's VirtualSize grows to cover it; original entry RVA, CheckSum, VirtualSize and the section header's file offset stored as u32 at body+0x40/0x44/0x48/0x4C, CheckSum recomputed. Cleaning: restore the three fields, zero the cavity.",
  },
  {
    key: "remoterun-a",
    file: "remoterun.yaml",
    id: 0xc001,
    name: "Riskware.RemoteRun.A",
    type: 4,
    filetypes: ["pe32"],
    category: "riskware",
    attributes: ["riskware"],
    anchor: "entry",
    word: "RR",
    bodyLen: 0x180,
    anchorInBody: 0,
    slots: [],
    windows: [
      [0x00, 0x40],
      [0x50, 0x100],
    ],
    description:
      "psexec-like remote administration tool (a grey area, not malware): a standalone PE32 whose .text is the 0x180-byte body with the entry at its banner and .rdata an inert usage text. Cleaning: remove the file (where a policy asks for it).",
  },
  // The module families (record types 1 and 2 and processing modules): what a first word and two
  // CRC windows cannot catch, or a script cannot clean.
  {
    key: "veil-a",
    file: "veil.yaml",
    id: 0xd001,
    name: "DOS.Veil.A",
    type: 1,
    module: "xor-add",
    attributes: ["infector", "encrypted"],
    anchor: "jump",
    word: "VL",
    bodyLen: 0x180,
    anchorInBody: 0,
    slots: [[0x40, 3]],
    windows: [[0x50, 0x130]],
    description:
      "Encrypted COM appender: E9 jump to a decryptor stub (0x10..0x40 bytes of inert filler, length varies) followed by the 0x180-byte body encoded byte by byte with XOR or ADD and a key that changes by a step, both different in every copy; the host's first 3 bytes are stored inside the encoded body at +0x40. Detection: module xor-add (known plaintext at the body start gives key and step, CRC of the decoded body). Cleaning: the module decodes the body, then com-tail.",
  },
  {
    key: "keyhole-a",
    file: "keyhole.yaml",
    id: 0xe001,
    name: "Win32.Keyhole.A",
    type: 4,
    filetypes: ["pe32", "pe64"],
    module: "xorshift-decode",
    attributes: ["infector"],
    anchor: "entry",
    word: "KH",
    bodyLen: 0x280,
    anchorInBody: 0x80,
    slots: [[0x40, 16]],
    windows: [
      [-0x30, 0x30],
      [0x40, 0xc0],
    ],
    description:
      'PE infector (new last section ".keyhol", entry = section+0x80) that keeps the original entry RVA and CheckSum (u32 at body+0x40/0x44) encrypted with a xorshift32 keystream: seed (u32) at body+0x48 and 0x400..0xF3FF warm-up rounds (u16) at body+0x4C, both per copy. Cleaning: module xorshift-decode decrypts the 8 bytes in place, then pe-tail.',
  },
];
const FAMILY = Object.fromEntries(FAMILIES.map((f) => [f.key, f]));

function body(fam) {
  const b = prngBytes(`body:${fam.name}`, fam.bodyLen);
  const banner = ascii(`${fam.word}|tgvx inert sample body ${fam.name}|data, not code|`);
  assert(banner.length <= 0x40, `banner of ${fam.name} too long`);
  banner.copy(b, 0);
  b.fill(0, 0x40, 0x50); // slot area
  return b;
}

// ---------- infectors (inverse operations live in the verifier's CLEANERS)

function infectTailgate(host) {
  const fam = FAMILY["tailgate-a"];
  assert(host.length + fam.bodyLen <= 0xff00, "COM too large");
  const b = body(fam);
  host.copy(b, 0x40, 0, 3);
  const f = cat(host, b);
  f[0] = 0xe9;
  f.writeUInt16LE((host.length - 3) & 0xffff, 1);
  return f;
}

function infectHeadstone(host) {
  const fam = FAMILY["headstone-a"];
  assert(host.length + fam.bodyLen <= 0xff00, "COM too large");
  const b = body(fam);
  b.writeUInt16LE(host.length, 0x40);
  return cat(b, host);
}

/** Exetail's new stack: SS = CS + 0x25 (CS:0000 + 0x250 lies past body+0x240 whatever IP's low nibble), SP = 0x0400. */
const EXETAIL_SS_PARAS = 0x25;
const EXETAIL_SP = 0x0400;

function infectExetail(host) {
  const fam = FAMILY["exetail-a"];
  const f = Buffer.from(host);
  const hdr = f.readUInt16LE(0x08) * 16;
  const size = f.length;
  assert((f.readUInt16LE(0x04) - 1) * 512 + (f.readUInt16LE(0x02) || 512) === size, "MZ host has an overlay");
  const b = body(fam);
  b.writeUInt16LE(f.readUInt16LE(0x14), 0x40); // IP
  b.writeUInt16LE(f.readUInt16LE(0x16), 0x42); // CS
  b.writeUInt16LE(f.readUInt16LE(0x0e), 0x44); // SS
  b.writeUInt16LE(f.readUInt16LE(0x10), 0x46); // SP
  const rel = size - hdr;
  f.writeUInt16LE(rel >> 4, 0x16); // CS
  f.writeUInt16LE((rel & 15) + fam.anchorInBody, 0x14); // IP
  f.writeUInt16LE((rel >> 4) + EXETAIL_SS_PARAS, 0x0e); // SS: the first paragraph after the body
  f.writeUInt16LE(EXETAIL_SP, 0x10); // SP
  const out = cat(f, b);
  out.writeUInt16LE(out.length % 512, 0x02);
  out.writeUInt16LE(Math.ceil(out.length / 512), 0x04);
  return out;
}

/** Appends a new last PE section holding the family's body and points the entry into it (Pesection, Postbox, Keyhole); `seal(body)` may encode what was stored. */
function infectPeSection(host, familyKey, sectionName, seal = undefined) {
  const fam = FAMILY[familyKey];
  const f = Buffer.from(host);
  const pe = f.readUInt32LE(0x3c);
  const nsec = f.readUInt16LE(pe + 6);
  const o = pe + 24;
  const table = o + f.readUInt16LE(pe + 20);
  const fileAlign = f.readUInt32LE(o + 36);
  const secAlign = f.readUInt32LE(o + 32);
  const newHdr = table + nsec * 40;
  assert(newHdr + 40 <= f.readUInt32LE(o + 60), "no room for a section header");
  for (let i = newHdr; i < newHdr + 40; i++) assert(f[i] === 0, "section header slot not empty");
  assert(f.length % fileAlign === 0, "PE host has an unaligned end");
  const va = f.readUInt32LE(o + 56); // old SizeOfImage
  const b = body(fam);
  b.writeUInt32LE(f.readUInt32LE(o + 16), 0x40); // AddressOfEntryPoint
  b.writeUInt32LE(f.readUInt32LE(o + 64), 0x44); // CheckSum
  if (seal) seal(b);
  ascii(sectionName).copy(f, newHdr);
  f.writeUInt32LE(fam.bodyLen, newHdr + 8);
  f.writeUInt32LE(va, newHdr + 12);
  f.writeUInt32LE(align(fam.bodyLen, fileAlign), newHdr + 16);
  f.writeUInt32LE(f.length, newHdr + 20);
  f.writeUInt32LE(0xe0000020, newHdr + 36);
  f.writeUInt16LE(nsec + 1, pe + 6);
  f.writeUInt32LE(va + align(fam.bodyLen, secAlign), o + 56);
  f.writeUInt32LE(va + fam.anchorInBody, o + 16);
  const out = cat(f, b, Buffer.alloc(align(fam.bodyLen, fileAlign) - fam.bodyLen));
  out.writeUInt32LE(peChecksum(out), o + 64); // the checksum of the infected file
  return out;
}

function infectPesection(host) {
  return infectPeSection(host, "pesection-a", ".pesect");
}

/** End of the NE header tables that follow the segment table (entry table or non-resident names). */
function neTablesEnd(f, ne) {
  return Math.max(ne + f.readUInt16LE(ne + 0x04) + f.readUInt16LE(ne + 0x06), f.readUInt32LE(ne + 0x2c) + f.readUInt16LE(ne + 0x20));
}
const NE_TABLE_OFFSETS = [0x04, 0x24, 0x26, 0x28, 0x2a];

function infectNetail(host) {
  const fam = FAMILY["netail-a"];
  const f = Buffer.from(host);
  const ne = f.readUInt32LE(0x3c);
  const nseg = f.readUInt16LE(ne + 0x1c);
  const shift = f.readUInt16LE(ne + 0x32) || 9;
  const segEnd = ne + f.readUInt16LE(ne + 0x22) + nseg * 8;
  const tablesEnd = neTablesEnd(f, ne);
  let firstSeg = Infinity;
  for (let i = 0; i < nseg; i++) firstSeg = Math.min(firstSeg, f.readUInt16LE(segEnd - nseg * 8 + i * 8) << shift);
  assert(tablesEnd + 8 <= firstSeg, "no slack after the NE tables");
  for (let i = tablesEnd; i < tablesEnd + 8; i++) assert(f[i] === 0, "NE slack not empty");
  const b = body(fam);
  b.writeUInt16LE(f.readUInt16LE(ne + 0x14), 0x40);
  b.writeUInt16LE(f.readUInt16LE(ne + 0x16), 0x42);
  b.writeUInt32LE(f.length, 0x44);
  f.copyWithin(segEnd + 8, segEnd, tablesEnd);
  f.fill(0, segEnd, segEnd + 8);
  for (const off of NE_TABLE_OFFSETS) f.writeUInt16LE(f.readUInt16LE(ne + off) + 8, ne + off);
  f.writeUInt32LE(f.readUInt32LE(ne + 0x2c) + 8, ne + 0x2c);
  const bodyOff = align(f.length, 1 << shift);
  f.writeUInt16LE(bodyOff >> shift, segEnd);
  f.writeUInt16LE(fam.bodyLen, segEnd + 2);
  f.writeUInt16LE(NE_CODE, segEnd + 4);
  f.writeUInt16LE(fam.bodyLen, segEnd + 6);
  f.writeUInt16LE(nseg + 1, ne + 0x1c);
  f.writeUInt16LE(nseg + 1, ne + 0x16); // CS
  f.writeUInt16LE(fam.anchorInBody, ne + 0x14); // IP
  return cat(f, Buffer.alloc(bodyOff - f.length), b);
}

function infectTrailer(host) {
  return cat(host, body(FAMILY["trailer-a"]));
}

function infectStonewall(host) {
  const fam = FAMILY["stonewall-a"];
  assert(host.length === 512 && host[510] === 0x55 && host[511] === 0xaa, "boot host");
  const out = Buffer.alloc(1024);
  host.copy(out, 0, 0, 0x3e);
  Buffer.from([0xeb, 0x3c, 0x90]).copy(out, 0);
  body(fam).copy(out, -fam.anchorInBody);
  out[510] = 0x55;
  out[511] = 0xaa;
  host.copy(out, 512);
  return out;
}

/** The one-byte XOR key of DOS.Overwrite.A, derived from the host (never 0). */
function overwriteKey(host) {
  const k = crc32(host) & 0xff;
  return k === 0 ? 0xa5 : k;
}

const OVERWRITE_LEN = 0x200;

/** `key` defaults to the one derived from the host (the corpus samples); any 1..255 works. */
function infectOverwrite(host, key = overwriteKey(host)) {
  const fam = FAMILY["overwrite-a"];
  assert(host.length >= OVERWRITE_LEN, "Overwrite needs a host of at least 0x200 bytes");
  assert(host.length + OVERWRITE_LEN <= 0xff00, "COM too large");
  assert(Number.isInteger(key) && key >= 1 && key <= 0xff, "Overwrite key must be 1..255");
  const b = body(fam);
  b[0x40] = key;
  const tail = Buffer.from(host.subarray(0, OVERWRITE_LEN));
  for (let i = 0; i < tail.length; i++) tail[i] ^= key;
  return cat(b, host.subarray(OVERWRITE_LEN), tail);
}

/** I-Worm.Postbox.A: a new last section ".postbx" holding the body, entry = section+0x80 (Pesection's way, its own layout). */
function infectPostbox(host) {
  return infectPeSection(host, "postbox-a", ".postbx");
}

/** Where Win95.Cinder.A puts its body: the first section whose zero slack (after VirtualSize, 16-aligned) holds it. */
function cinderCavity(f) {
  const fam = FAMILY["cinder-a"];
  const pe = f.readUInt32LE(0x3c);
  const table = pe + 24 + f.readUInt16LE(pe + 20);
  for (let i = 0; i < f.readUInt16LE(pe + 6); i++) {
    const sh = table + i * 40;
    const vs = f.readUInt32LE(sh + 8);
    const rs = f.readUInt32LE(sh + 16);
    const raw = f.readUInt32LE(sh + 20);
    const at = raw + align(vs, 0x10);
    if (vs < rs && at + fam.bodyLen <= raw + rs && f.subarray(at, at + fam.bodyLen).every((x) => x === 0)) return { sh, vs, raw, va: f.readUInt32LE(sh + 12), at };
  }
  return undefined;
}

/** Win95.Cinder.A: the body in a section's slack (CIH's cavities, in one piece), entry moved to it, VirtualSize grown. */
function infectCinder(host) {
  const fam = FAMILY["cinder-a"];
  const f = Buffer.from(host);
  const o = f.readUInt32LE(0x3c) + 24;
  const c = cinderCavity(f);
  assert(c, "Cinder: no section has 0x140 bytes of zero slack");
  const b = body(fam);
  b.writeUInt32LE(f.readUInt32LE(o + 16), 0x40); // AddressOfEntryPoint
  b.writeUInt32LE(f.readUInt32LE(o + 64), 0x44); // CheckSum
  b.writeUInt32LE(c.vs, 0x48); // VirtualSize
  b.writeUInt32LE(c.sh, 0x4c); // the section header's file offset
  b.copy(f, c.at);
  f.writeUInt32LE(c.at - c.raw + fam.bodyLen, c.sh + 8);
  f.writeUInt32LE(c.va + c.at - c.raw, o + 16);
  f.writeUInt32LE(peChecksum(f), o + 64);
  return f;
}

// ---------- the module families

/** DOS.Veil.A: where the encoded body may start after the jump target (the decryptor stub's length range). */
const VEIL_AT = 0x10;
const VEIL_SEARCH = 0x30;
/** The plaintext the xor-add module is given: the first 16 bytes of the banner. */
const VEIL_KNOWN = 16;

/** One copy's encoding, drawn from a seed: XOR or ADD, key 1..255, step 0..255, stub length. */
function veilParams(seed) {
  const r = prng(`veil:${seed}`);
  return { xor: (r() & 1) === 0, key: 1 + (r() % 255), step: r() & 0xff, stubLen: VEIL_AT + (r() % (VEIL_SEARCH + 1)) };
}

/** Encode a block the way the xor-add module (and the script's decode step) undoes it: byte i with key + i * step. */
function veilEncode(plain, { xor, key, step }) {
  const out = Buffer.alloc(plain.length);
  let k = key;
  for (let i = 0; i < plain.length; i++) {
    out[i] = xor ? plain[i] ^ k : (plain[i] + k) & 0xff;
    k = (k + step) & 0xff;
  }
  return out;
}

/** DOS.Veil.A: COM appender; E9 to an inert stub, then the body encoded with this copy's key (host bytes 0..2 inside, at +0x40). */
function infectVeil(host, params) {
  const fam = FAMILY["veil-a"];
  assert(host.length >= 3 && host.length + params.stubLen + fam.bodyLen <= 0xff00, "Veil: COM host size");
  assert(params.stubLen >= VEIL_AT && params.stubLen <= VEIL_AT + VEIL_SEARCH, "Veil: stub length");
  const plain = body(fam);
  host.copy(plain, 0x40, 0, 3);
  const stub = prngBytes(`veil-stub:${params.key}:${params.step}:${params.stubLen}`, params.stubLen);
  const f = cat(host, stub, veilEncode(plain, params));
  f[0] = 0xe9;
  f.writeUInt16LE((host.length - 3) & 0xffff, 1);
  return f;
}

function xorshift32(x) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** Win32.Keyhole.A's per-copy seed (odd, never 0) and warm-up rounds (0x400..0xF3FF), drawn from a seed string. */
function keyholeParams(seed) {
  const x = fnv1a(`keyhole:${seed}`);
  const y = fnv1a(`keyhole-rounds:${seed}`);
  return { seed: (x | 1) >>> 0, rounds: 0x400 + (y % 0xf000) };
}

/** XOR `length` bytes at `at` with the keystream: `rounds` warm-up steps from `seed`, then one step per byte. */
function keyholeCrypt(b, at, length, seed, rounds) {
  let x = seed;
  for (let r = 0; r < rounds; r++) x = xorshift32(x);
  for (let i = 0; i < length; i++) {
    x = xorshift32(x);
    b[at + i] ^= x & 0xff;
  }
}

/** Win32.Keyhole.A: Pesection's way (section .keyhol, entry = section+0x80); the stored entry RVA and CheckSum encrypted, seed and rounds beside them. */
function infectKeyhole(host, params = keyholeParams(crc32(host))) {
  return infectPeSection(host, "keyhole-a", ".keyhol", (b) => {
    keyholeCrypt(b, 0x40, 8, params.seed, params.rounds);
    b.writeUInt32LE(params.seed, 0x48);
    b.writeUInt16LE(params.rounds, 0x4c);
  });
}

/** A standalone PE32 "remote administration tool" (Riskware.RemoteRun.A): the inert body and an inert usage text; it does nothing. */
function buildRemoteRun() {
  return buildPE({
    bits: 32,
    headersSize: 0x200,
    subsystem: 3,
    entrySection: 0,
    entryOffset: 0,
    sections: [
      { name: ".text", chars: SCN_CODE, data: body(FAMILY["remoterun-a"]) },
      { name: ".rdata", chars: SCN_RDATA, data: ascii("usage: remoterun \\\\host command (tgvx inert sample: data, not code)\0" + proseLines("remoterun:usage", 3)) },
    ],
  });
}

/** A standalone PE32 "dropper": .text = the inert body (entry at its banner), .data = inert payload filler. */
function buildDropper(n, payloadSize) {
  const payload = cat(ascii(`tgvx inert dropper payload ${n} (data, not code)\0`), prngBytes(`payload:dropper-${n}`, payloadSize));
  return buildPE({
    bits: 32,
    headersSize: 0x200,
    subsystem: 2,
    entrySection: 0,
    entryOffset: 0,
    sections: [
      { name: ".text", chars: SCN_CODE, data: body(FAMILY["dropper-a"]) },
      { name: ".data", chars: SCN_DATA, data: payload.subarray(0, payloadSize) },
    ],
  });
}

// ==================================================================================================
// random hosts and the infector table (for property tests: random host -> infect -> detect -> clean)
//
// randomHost(kind, seed) builds a benign host of one file type with the parametric builders above,
// every size / entry point / table layout drawn from one PRNG seeded by (kind, seed), inside what the
// infectors of that type support. The hosts hold the same trivial program bytes as the corpus hosts
// (a DOS exit, `xor eax,eax; ret`, `cli; hlt`) plus inert filler. Nothing here is used by the corpus.

/** Host kinds randomHost() can build, and a file name of the right type for each (".com" matters). */
const HOST_KINDS = ["com", "mz", "ne", "pe32", "pe64", "boot", "text", "zip"];
const HOST_FILE_NAME = { com: "x.com", mz: "x.exe", ne: "x.exe", pe32: "x.exe", pe64: "x.exe", boot: "x.img", text: "x.txt", zip: "x.zip" };

/** Default COM host size range: what every COM infector accepts (Overwrite: >= 0x200; Headstone/Overwrite: host + 0x200 <= 0xFF00). */
const COM_MIN = 0x200;
const COM_MAX = 0xff00 - 0x200;

/** A random source for one host: integers in [lo, hi], picks, sizes biased to both ends of a range. */
function hostRandom(kind, seed) {
  const r = prng(`random-host:${kind}:${seed}`);
  const int = (lo, hi) => {
    assert(Number.isInteger(lo) && Number.isInteger(hi) && lo <= hi, `random range ${lo}..${hi}`);
    const span = hi - lo + 1;
    return lo + (span <= 0x100000000 ? r() % span : Math.floor((r() / 0x100000000) * span));
  };
  const pick = (list) => list[int(0, list.length - 1)];
  /** Sizes: 1/8 within 0x40 of each end, 1/8 within 0x400 of the low end, else uniform (edges are where infectors break). */
  const size = (lo, hi) => {
    const edge = Math.min(0x40, hi - lo);
    switch (int(0, 7)) {
      case 0:
        return int(lo, lo + edge);
      case 1:
        return int(hi - edge, hi);
      case 2:
        return int(lo, Math.min(hi, lo + 0x400));
      default:
        return int(lo, hi);
    }
  };
  const bytes = (n, tag) => prngBytes(`random-host:${kind}:${seed}:${tag}`, n);
  const word = (n) => Array.from({ length: n }, () => String.fromCharCode(0x41 + int(0, 25))).join("");
  return { int, pick, size, bytes, word };
}

function randomCom(R, { minSize = COM_MIN, maxSize = COM_MAX } = {}) {
  assert(minSize >= 2 && maxSize <= 0xff00 && minSize <= maxSize, "COM host size range");
  const size = R.size(minSize, maxSize);
  const styles = ["eb", ...(size >= 3 ? ["e9"] : []), ...(size >= DOS_EXIT.length ? ["plain"] : [])];
  const style = R.pick(styles);
  const b = R.bytes(size, "com");
  let target;
  if (style === "e9") {
    target = R.int(0, size - 1); // anywhere in the file, backwards included
    b[0] = 0xe9;
    b.writeUInt16LE((target - 3) & 0xffff, 1);
  } else if (style === "eb") {
    target = R.int(0, Math.min(size - 1, 2 + 127)); // 2 + s8 >= 0
    b[0] = 0xeb;
    b.writeInt8(target - 2, 1);
  } else {
    target = 0;
  }
  if (target >= 3 && target + DOS_EXIT.length <= size) DOS_EXIT.copy(b, target);
  if (style === "plain") DOS_EXIT.copy(b, 0);
  const msg = ascii(`tgvx random COM host ${style}\r\n$`);
  const msgAt = style === "plain" ? 5 : 3;
  if (msgAt + msg.length <= Math.min(size, target >= msgAt ? target : size)) msg.copy(b, msgAt);
  return { bytes: b, params: { size, style, target } };
}

function randomMz(R) {
  const hdrParas = R.pick([4, 4, 4, R.int(5, 32)]);
  const hdrLen = hdrParas * 16;
  let imageLen = R.size(DOS_EXIT.length, 0xc000 - hdrLen);
  if (R.int(0, 7) === 0) imageLen = align(hdrLen + imageLen, 512) - hdrLen; // whole last page: e_cblp = 0
  const relocAtLow = hdrLen === 0x40 || R.int(0, 1) === 0;
  const lfarlc = relocAtLow ? R.pick([0x1c, 0x1e, 0x20]) : R.int(0x40 >> 2, (hdrLen - 4) >> 2) << 2;
  const maxRelocs = Math.floor(((relocAtLow ? 0x3c : hdrLen) - lfarlc) / 4);
  const relocs = Array.from({ length: R.int(0, Math.min(maxRelocs, 6)) }, () => [R.int(0, 0xfffe), R.int(0, imageLen >> 4)]);
  // entry: a linear offset L inside the image as CS:IP; sometimes CS near 0xFFFF (wraps past 1 MB)
  const L = R.int(0, imageLen - 1);
  let cs;
  let ip;
  const csStyle = R.pick(["zero", "para", "random", "random", "wrap"]);
  if (csStyle === "zero" && L <= 0xffff) cs = 0;
  else if (csStyle === "wrap" && L + 16 * 16 <= 0xffff) cs = 0x10000 - R.int(1, 16);
  else if (csStyle === "para") cs = L >> 4;
  else cs = R.int(Math.max(0, Math.ceil((L - 0xffff) / 16)), L >> 4);
  ip = (L - cs * 16) & 0xfffff;
  assert(ip <= 0xffff && ((cs * 16 + ip) & 0xfffff) === L, "MZ CS:IP");
  const ss = R.pick([undefined, R.int(0, imageLen >> 4), R.int(0, 0xffff)]);
  const sp = R.pick([0, 0x200, 0xfffe, R.int(0, 0x7fff) * 2]);
  const image = R.bytes(imageLen, "mz-image");
  if (L + DOS_EXIT.length <= imageLen) DOS_EXIT.copy(image, L);
  const minalloc = R.int(0, 0xffff);
  const maxalloc = R.pick([0xffff, R.int(minalloc, 0xffff)]);
  const bytes = buildMZ({ image, cs, ip, lfarlc, minalloc, maxalloc, sp, ss, hdrParas, relocs });
  return { bytes, params: { size: bytes.length, hdrParas, imageLen, lfarlc, relocs: relocs.length, cs, ip, entry: hdrLen + L, ss: bytes.readUInt16LE(0x0e), sp, minalloc, maxalloc } };
}

/**
 * `segmentOrder`: "table" (segment data in segment-table order), "segment-1-not-first" (2-3 segments,
 * data of another segment first in the file) or "any" (default: table order for two thirds of the
 * hosts, else a random permutation). NE does not require the file layout to follow the table.
 */
function randomNe(R, { segmentOrder = "any" } = {}) {
  assert(["any", "table", "segment-1-not-first"].includes(segmentOrder), `NE segment order ${segmentOrder}`);
  const n = segmentOrder === "segment-1-not-first" ? R.int(2, 3) : R.int(1, 3);
  const shift = R.int(4, 9);
  const segments = Array.from({ length: n }, (_, i) => {
    const len = R.size(1, 0x1000);
    const code = i === 0 || R.int(0, 2) > 0;
    const data = R.bytes(len, `ne-seg-${i}`);
    return { data, flags: code ? NE_CODE : NE_DATA, ...(R.int(0, 1) ? { minAlloc: R.int(len, 0xffff) } : {}) };
  });
  const cs = R.int(1, n);
  const ip = R.int(0, segments[cs - 1].data.length - 1);
  if (ip + DOS_EXIT.length <= segments[cs - 1].data.length) DOS_EXIT.copy(segments[cs - 1].data, ip);
  const module = R.word(R.int(1, 8));
  const description = `tgvx random NE host ${R.word(R.int(0, 40))}`;
  const slack = R.pick([8, R.int(8, 0x20), 0x40, R.int(8, 0x100)]); // Netail needs 8 zero bytes
  const minFirst = R.pick([0, 0x200]);
  const order = segments.map((_, i) => i);
  if (segmentOrder === "segment-1-not-first") {
    [order[0], order[n - 1]] = [order[n - 1], order[0]];
    if (n === 3 && R.int(0, 1)) [order[1], order[2]] = [order[2], order[1]];
  } else if (segmentOrder === "any" && n > 1 && R.int(0, 2) === 0) {
    for (let i = n - 1; i > 0; i--) {
      const j = R.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const bytes = buildNE({ module, description, segments, cs, ip, shift, slack, minFirst, order });
  return {
    bytes,
    params: { size: bytes.length, segments: segments.map((s) => `${s.data.length.toString(16)}/${s.flags.toString(16)}`), order, shift, cs, ip, module, descriptionLen: description.length, slack, minFirst },
  };
}

/** `minSlack`: the first section ends in at least that many zero bytes after its VirtualSize (16-aligned): room for a cavity infector. */
function randomPe(R, bits, { minSlack = 0 } = {}) {
  const fileAlign = R.pick([0x200, 0x200, 0x400, 0x1000]);
  const sectionAlign = R.pick([0x1000, 0x1000, 0x2000].filter((a) => a >= fileAlign));
  const nsec = R.int(1, 4);
  const table = 0x80 + 24 + (bits === 64 ? 240 : 224);
  // the headers keep room for Pesection's extra section header (and sometimes more)
  const headersSize = align(table + (nsec + 1) * 40, fileAlign) + R.pick([0, 0, fileAlign]);
  const names = [".text", ".rdata", ".data", ".rsrc", ".reloc", "CODE", "DATA", ".idata"];
  const sections = Array.from({ length: nsec }, (_, i) => {
    const len = R.size(1, 0x2000);
    const chars = i === 0 ? SCN_CODE : R.pick([SCN_CODE, SCN_RDATA, SCN_DATA]);
    const data = chars === SCN_CODE ? Buffer.alloc(len, 0xcc) : R.bytes(len, `pe-sec-${i}`);
    return { name: R.pick(names), chars, data };
  });
  if (minSlack) {
    const rs = align(sections[0].data.length + minSlack + 16, fileAlign);
    sections[0].data = Buffer.alloc(rs - minSlack - 16, 0xcc);
  }
  const entrySection = R.int(0, nsec - 1);
  const entryOffset = R.int(0, sections[entrySection].data.length - 1);
  if (entryOffset + WIN_RET0.length <= sections[entrySection].data.length) WIN_RET0.copy(sections[entrySection].data, entryOffset);
  const subsystem = R.pick([2, 3]);
  const bytes = buildPE({ bits, sections, entrySection, entryOffset, headersSize, subsystem, fileAlign, sectionAlign });
  return {
    bytes,
    params: {
      size: bytes.length,
      bits,
      sections: sections.map((s) => `${s.name}:${s.data.length.toString(16)}`),
      entrySection,
      entryOffset,
      headersSize,
      fileAlign,
      sectionAlign,
      checksum: bytes.readUInt32LE(peChecksumAt(bytes)),
    },
  };
}

function randomBoot(R) {
  const params = {
    oem: R.word(R.int(1, 8)),
    bytesPerCluster: R.pick([512, 1024, 2048, 4096]),
    totalSectors: R.int(320, 0xffff),
    media: R.pick([0xf0, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff]),
    fatSectors: R.int(1, 12),
    sectorsPerTrack: R.int(8, 36),
    rootEntries: R.pick([16, 112, 224, 240, 512]),
    volumeId: R.int(0, 0xffffffff),
    label: R.word(R.int(0, 11)),
  };
  const message = `Non-system disk (tgvx random boot sector ${R.word(R.int(0, 300))})\r\n`;
  return { bytes: bootSector({ ...params, message }), params: { ...params, messageLen: message.length } };
}

function randomText(R) {
  const eol = R.pick(["\n", "\r\n"]);
  const head = R.pick(["", "#!/bin/sh" + eol, "@echo off" + eol, "rem tgvx random text host" + eol]);
  const lines = R.size(1, 300);
  const text = ascii(head + proseLines(`random-host:text:${R.int(0, 0xffffffff)}`, lines, eol));
  return { bytes: text, params: { size: text.length, lines, eol: JSON.stringify(eol), head: JSON.stringify(head.trim()) } };
}

function randomZip(R) {
  const count = R.int(1, 4);
  const entries = Array.from({ length: count }, (_, i) => {
    const textual = R.int(0, 1) === 1;
    const name = `${R.word(R.int(1, 8)).toLowerCase()}${i}.${textual ? "txt" : "bin"}`;
    const data = textual ? ascii(proseLines(`random-host:zip:${R.int(0, 0xffffffff)}`, R.int(0, 40))) : R.bytes(R.size(0, 0x1000), `zip-${i}`);
    return { name, data };
  });
  const comment = R.pick(["", `tgvx random zip ${R.word(R.int(0, 30))}`]);
  const bytes = zipStored(entries, comment);
  return { bytes, params: { size: bytes.length, entries: entries.map((e) => `${e.name}:${e.data.length}`), commentLen: comment.length } };
}

/**
 * A random benign host of `kind` (one of HOST_KINDS) from an integer seed, with the parameters that
 * made it: { bytes, params }. `options`: for "com" { minSize, maxSize } narrows or widens the size range
 * (default 0x200..0xFD00, which every COM infector accepts); for "ne" { segmentOrder } (see randomNe).
 * The other kinds ignore them.
 */
function randomHostWithParams(kind, seed, options = {}) {
  const R = hostRandom(kind, seed);
  switch (kind) {
    case "com":
      return randomCom(R, options);
    case "mz":
      return randomMz(R);
    case "ne":
      return randomNe(R, options);
    case "pe32":
      return randomPe(R, 32, options);
    case "pe64":
      return randomPe(R, 64, options);
    case "boot":
      return randomBoot(R);
    case "text":
      return randomText(R);
    case "zip":
      return randomZip(R);
    default:
      throw new Error(`generate.mjs: unknown host kind ${kind}`);
  }
}

/** The bytes of randomHostWithParams(kind, seed, options). */
function randomHost(kind, seed, options) {
  return randomHostWithParams(kind, seed, options).bytes;
}

/**
 * Every infector family by its record name: the host kinds it infects, the COM size range it needs
 * (`hostOptions`, for randomHost) and infect(host, seed?) -> infected bytes (the same functions that
 * made the corpus; `seed` only varies the Overwrite key, which is otherwise derived from the host).
 */
const INFECTORS = {
  "DOS.Tailgate.A": { hostKinds: ["com"], hostOptions: { minSize: 3, maxSize: 0xff00 - 0x180 }, infect: (host) => infectTailgate(host) },
  "DOS.Headstone.A": { hostKinds: ["com"], hostOptions: { minSize: 2, maxSize: 0xff00 - 0x200 }, infect: (host) => infectHeadstone(host) },
  "DOS.Exetail.A": { hostKinds: ["mz"], hostOptions: {}, infect: (host) => infectExetail(host) },
  "Win32.Pesection.A": { hostKinds: ["pe32", "pe64"], hostOptions: {}, infect: (host) => infectPesection(host) },
  "I-Worm.Postbox.A": { hostKinds: ["pe32"], hostOptions: {}, infect: (host) => infectPostbox(host) },
  "Win95.Cinder.A": { hostKinds: ["pe32"], hostOptions: { minSlack: FAMILY["cinder-a"].bodyLen }, infect: (host) => infectCinder(host) },
  "Win16.Netail.A": { hostKinds: ["ne"], hostOptions: {}, infect: (host) => infectNetail(host) },
  "Generic.Trailer.A": { hostKinds: [...HOST_KINDS], hostOptions: {}, infect: (host) => infectTrailer(host) },
  "Boot.Stonewall.A": { hostKinds: ["boot"], hostOptions: {}, infect: (host) => infectStonewall(host) },
  "DOS.Overwrite.A": {
    hostKinds: ["com"],
    hostOptions: { minSize: OVERWRITE_LEN, maxSize: 0xff00 - OVERWRITE_LEN },
    infect: (host, seed) => infectOverwrite(host, seed === undefined ? overwriteKey(host) : 1 + (fnv1a(`overwrite-key:${seed}`) % 0xff)),
  },
  "DOS.Veil.A": {
    hostKinds: ["com"],
    hostOptions: { minSize: 3, maxSize: 0xff00 - VEIL_AT - VEIL_SEARCH - 0x180 },
    infect: (host, seed) => infectVeil(host, veilParams(seed ?? crc32(host))),
  },
  "Win32.Keyhole.A": { hostKinds: ["pe32", "pe64"], hostOptions: {}, infect: (host, seed) => infectKeyhole(host, keyholeParams(seed ?? crc32(host))) },
};
for (const [name, inf] of Object.entries(INFECTORS)) assert(FAMILIES.some((f) => f.name === name), `INFECTORS: no family ${name}`);

// ==================================================================================================
// the corpus

// Container samples: EICAR in zip/gzip/mail, Tailgate in tar (the engine looks inside).
const WITH_CONTAINERS = true;

function buildCorpus() {
  const items = [];
  /** extra: { original } (cleaning restores that host), { removed: true } (cleaning deletes the file) or { unclean } (cleaning must be refused: why). */
  const add = (p, bytes, detect, note, extra = {}) => {
    assert(!items.some((i) => i.path === p), `duplicate path ${p}`);
    const outcomes = ["original", "removed", "unclean"].filter((k) => extra[k] !== undefined);
    assert(outcomes.length <= 1, `${p}: original, removed and unclean exclude each other`);
    assert(!detect.length || outcomes.length === 1 || p.startsWith("infected/containers/"), `${p}: detected, but no cleaning outcome`);
    assert(detect.length || !outcomes.length, `${p}: clean sample with a cleaning outcome`);
    items.push({ path: p, bytes, detect, note, ...extra });
  };
  const clean = {};
  const addClean = (name, bytes, note) => {
    clean[name] = bytes;
    add(`clean/${name}`, bytes, [], note);
  };

  const com1 = comHost1();
  const com2 = comHost2();
  const com3 = comHost3();
  addClean("com-host-1.com", com1, `COM, ${thousands(com1.length)} bytes; E9 jump over data to a DOS exit at the end`);
  addClean("com-host-2.com", com2, `COM, ${thousands(com2.length)} bytes; plain code (DOS exit) at offset 0, then data`);
  addClean("com-host-3.com", com3, `COM, ${thousands(com3.length)} bytes; EB short jump to a DOS exit at 0x40`);
  const mz1 = mzHost1();
  const mz2 = mzHost2();
  addClean("mz-host-1.exe", mz1, `DOS MZ, ${thousands(mz1.length)} bytes; entry 0000:0000 (file offset 0x40), e_lfanew 0`);
  addClean("mz-host-2.exe", mz2, `DOS MZ, ${thousands(mz2.length)} bytes; entry 0010:0005 (file offset 0x145), e_lfarlc 0x40, e_lfanew 0`);
  const ne1 = neHost1();
  const ne2 = neHost2();
  addClean("ne-host-1.exe", ne1, `Win16 NE, ${thousands(ne1.length)} bytes; 2 segments, alignment shift 4, entry 1:0000`);
  addClean("ne-host-2.exe", ne2, `Win16 NE, ${thousands(ne2.length)} bytes; 3 segments, alignment shift 9, entry 2:0010`);
  const p1 = pe32Host1();
  const p2 = pe32Host2();
  const p64 = pe64Host1();
  addClean("pe32-host-1.exe", p1, `PE32 GUI, ${thousands(p1.length)} bytes; 3 sections, SizeOfHeaders 0x400, entry .text+0x10 (xor eax,eax; ret)`);
  addClean("pe32-host-2.exe", p2, `PE32 console, ${thousands(p2.length)} bytes; 2 sections, SizeOfHeaders 0x200, entry .text+0`);
  addClean("pe64-host-1.exe", p64, `PE32+ (x64) console, ${thousands(p64.length)} bytes; 2 sections, section table fills the headers after infection`);
  const zip = zipStored([
    { name: "README.TXT", data: readmeText() },
    { name: "docs/notes.txt", data: ascii(proseLines("host:zip-notes", 20)) },
    { name: "bin/hello.com", data: com2 },
  ]);
  addClean("archive.zip", zip, "ZIP, 3 stored entries (text, text, the clean COM host 2), DOS date 2004-03-01 12:00");
  const gzText = ascii(proseLines("host:gzip", 80));
  const gz = gzip(gzText, "notes.txt");
  addClean("notes.txt.gz", gz, `gzip of a ${thousands(gzText.length)}-byte text (fixed-Huffman deflate, FNAME notes.txt, MTIME 0, OS 3)`);
  const tar = tarUstar([
    { name: "bundle/readme.txt", data: readmeText() },
    { name: "bundle/run.sh", data: shellScript(), mode: 0o755 },
    { name: "bundle/data.bin", data: prngBytes("host:tar-data", 700) },
  ]);
  addClean("bundle.tar", tar, "POSIX ustar, 3 members, mtime 0");
  const eml = mimeMessage({
    from: "Alice Example <alice@example.org>",
    to: "Bob Example <bob@example.net>",
    subject: "tgvx clean sample message",
    id: "clean-1",
    text: "Hello Bob,\n\nthe attached program only exits. This message is a clean tgvx sample.\n\nAlice\n",
    attachmentName: "hello.com",
    attachment: com2,
  });
  addClean("message.eml", eml, "MIME e-mail (CRLF), text part + base64 attachment (the clean COM host 2)");
  addClean("mailbox.mbox", mbox(), "mbox with 3 plain-text messages (LF), one '>From ' quoted line");
  addClean("boot-144.img", boot144(), "FAT12 1.44 MB floppy boot sector, 512 bytes, code = cli; hlt");
  addClean("boot-720.img", boot720(), "FAT12 720 KB floppy boot sector, 512 bytes, code = cli; hlt");
  addClean("script.sh", shellScript(), "POSIX shell script (text)");
  addClean("build.bat", batchFile(), "DOS batch file (text, CRLF)");
  addClean("random.bin", randomBinary(), "3,000 pseudo-random bytes (unknown type)");

  // ---------- infected
  add("infected/eicar.com", EICAR, ["Test.EICAR.68"], "the 68-byte EICAR test file (no host: cleaning removes the file)", { removed: true });
  add("infected/eicar-trailing.txt", cat(EICAR, ascii("\r\n")), ["Test.EICAR.68"], "EICAR followed by CRLF (no host: cleaning removes the file)", { removed: true });

  const infected = {};
  const apply = (famKey, hostName, fn, note) => {
    const fam = FAMILY[famKey];
    const host = clean[hostName];
    const bytes = fn(host);
    infected[`${famKey}/${hostName}`] = bytes;
    add(`infected/${famKey}/${hostName}`, bytes, [fam.name], note(host, bytes), { original: `clean/${hostName}` });
  };
  for (const h of ["com-host-1.com", "com-host-2.com", "com-host-3.com"])
    apply("tailgate-a", h, infectTailgate, (host) => `COM appender on a ${thousands(host.length)}-byte host; jump target ${hex(host.length)}, host bytes 0..2 at body+0x40`);
  for (const h of ["com-host-1.com", "com-host-3.com"])
    apply("headstone-a", h, infectHeadstone, (host) => `COM prepender (0x200-byte body) on a ${thousands(host.length)}-byte host`);
  for (const h of ["mz-host-1.exe", "mz-host-2.exe"])
    apply(
      "exetail-a",
      h,
      infectExetail,
      (host, bytes) =>
        `MZ appender on a ${thousands(host.length)}-byte host; entry = body+0x60 at file offset ${hex(host.length + 0x60)}; SS:SP ${hex(host.readUInt16LE(0x0e), 4)}:${hex(host.readUInt16LE(0x10), 4)} -> ${hex(bytes.readUInt16LE(0x0e), 4)}:${hex(bytes.readUInt16LE(0x10), 4)}`,
    );
  for (const h of ["pe32-host-1.exe", "pe32-host-2.exe", "pe64-host-1.exe"])
    apply(
      "pesection-a",
      h,
      infectPesection,
      (host, bytes) =>
        `new last section at file offset ${hex(host.length)}; entry = section+0x100 (${h.startsWith("pe64") ? "PE32+" : "PE32"}); CheckSum ${hex(host.readUInt32LE(peChecksumAt(host)), 8)} -> ${hex(bytes.readUInt32LE(peChecksumAt(bytes)), 8)}`,
    );
  for (const h of ["ne-host-1.exe", "ne-host-2.exe"])
    apply("netail-a", h, infectNetail, (host, bytes) => `new NE segment at file offset ${hex(bytes.length - FAMILY["netail-a"].bodyLen)} (host ${thousands(host.length)} bytes)`);
  for (const h of ["script.sh", "archive.zip", "pe32-host-1.exe"])
    apply("trailer-a", h, infectTrailer, (host) => `0x1A0-byte body appended to a ${thousands(host.length)}-byte file`);
  for (const h of ["boot-144.img", "boot-720.img"])
    apply("stonewall-a", h, infectStonewall, () => "1024-byte image: sector 0 infected (body at 0x3E), sector 1 = the original boot sector");
  const overwriteKeys = new Set();
  for (const h of ["com-host-1.com", "com-host-2.com", "com-host-3.com"]) {
    const key = overwriteKey(clean[h]);
    assert(!overwriteKeys.has(key), `Overwrite key ${hex(key, 2)} repeats; the samples must use different keys`);
    overwriteKeys.add(key);
    apply(
      "overwrite-a",
      h,
      infectOverwrite,
      (host) => `first 0x200 bytes of a ${thousands(host.length)}-byte COM overwritten by the body; originals XOR ${hex(key, 2)} in the last 0x200 bytes, key at 0x40`,
    );
  }
  {
    const fam = FAMILY["dropper-a"];
    for (const [n, size] of [
      [1, 0x700],
      [2, 0x1480],
    ]) {
      const bytes = buildDropper(n, size);
      add(
        `infected/dropper-a/dropper-${n}.exe`,
        bytes,
        [fam.name],
        `standalone PE32 dropper, ${thousands(bytes.length)} bytes: entry .text+0 = the inert body banner, .data = ${hex(size)}-byte inert payload (cleaning removes the file)`,
        { removed: true },
      );
    }
  }

  // ---------- the control-layer families: a Nimda-like mailer + infector, a CIH-like infector, a psexec-like tool
  apply(
    "postbox-a",
    "pe32-host-2.exe",
    infectPostbox,
    (host, bytes) =>
      `Nimda-like mailer + PE infector: new last section .postbx at file offset ${hex(host.length)}, entry = section+0x80; CheckSum ${hex(host.readUInt32LE(peChecksumAt(host)), 8)} -> ${hex(bytes.readUInt32LE(peChecksumAt(bytes)), 8)}`,
  );
  for (const h of ["pe32-host-1.exe", "pe32-host-2.exe"])
    apply("cinder-a", h, infectCinder, (host) => {
      const c = cinderCavity(host);
      return `CIH-like cavity infector: body in the zero slack of section ${host.toString("latin1", c.sh, c.sh + 8).replace(/\0+$/, "")} at file offset ${hex(c.at)}, entry moved there; file size unchanged (${thousands(host.length)} bytes)`;
    });
  add(
    "infected/remoterun-a/remoterun.exe",
    buildRemoteRun(),
    ["Riskware.RemoteRun.A"],
    "psexec-like remote administration tool (riskware, a grey area): standalone PE32, entry .text+0 = the inert body banner, .rdata = an inert usage text; cleaning removes the file where a policy asks for it",
    { removed: true },
  );

  // ---------- the module families. DOS.Veil.A (type 1, module xor-add): 20 copies, 20 different
  // keys, XOR and ADD alternating, each with its own step and stub length, on the three COM hosts
  // (mostly the smallest: the corpus stays under 200 KB). Win32.Keyhole.A (type 4 + processing
  // module xorshift-decode).
  const veilKeys = new Set();
  const veilSamples = [];
  for (let n = 1; n <= 20; n++) {
    const hostName = n % 10 === 0 ? "com-host-3.com" : n % 5 === 3 ? "com-host-1.com" : "com-host-2.com";
    const host = clean[hostName];
    const params = { ...veilParams(`corpus-${n}`), xor: n % 2 === 1, key: (0x11 + 0x3b * n) & 0xff };
    assert(params.key !== 0 && !veilKeys.has(params.key), `Veil key ${hex(params.key, 2)} is 0 or repeats; the samples must use different keys`);
    veilKeys.add(params.key);
    const p = `infected/veil-a/veil-${String(n).padStart(2, "0")}.com`;
    const bytes = infectVeil(host, params);
    veilSamples.push({ path: p, host, params, bytes });
    add(
      p,
      bytes,
      [FAMILY["veil-a"].name],
      `${params.xor ? "XOR" : "ADD"} key ${hex(params.key, 2)} step ${hex(params.step, 2)}, ${hex(params.stubLen)}-byte stub`,
      { original: `clean/${hostName}` },
    );
  }
  for (const h of ["pe32-host-2.exe", "pe64-host-1.exe"])
    apply("keyhole-a", h, infectKeyhole, (host) => {
      const k = keyholeParams(crc32(host));
      return `section .keyhol at ${hex(host.length)}, entry = section+0x80; stored entry RVA and CheckSum encrypted (seed ${hex(k.seed, 8)}, ${thousands(k.rounds)} rounds)`;
    });

  // ---------- damaged: detected (windows intact), but cleaning must be refused
  {
    const host = clean["com-host-1.com"];
    const b = Buffer.from(infected["tailgate-a/com-host-1.com"]);
    const slot = host.length + 0x40; // stored original bytes 0..2
    const bad = Buffer.from([0xe9, 0xfd, 0x7f]); // jmp to 0x8000
    bad.copy(b, slot);
    add(
      "damaged/tailgate-a-bad-jump.com",
      b,
      ["DOS.Tailgate.A"],
      `infected/tailgate-a/com-host-1.com with the stored first bytes (${hex(slot)}) changed to E9 FD 7F`,
      { unclean: `the stored original first bytes are a jump to 0x8000, beyond the end of the ${thousands(host.length)}-byte restored file` },
    );
  }
  {
    const host = clean["com-host-3.com"];
    const src = infected["headstone-a/com-host-3.com"];
    const cut = 0x100;
    add(
      "damaged/headstone-a-truncated.com",
      src.subarray(0, src.length - cut),
      ["DOS.Headstone.A"],
      `infected/headstone-a/com-host-3.com with the last ${hex(cut)} bytes cut off`,
      { unclean: `the stored host size ${thousands(host.length)} (${hex(host.length)}) is larger than the ${thousands(host.length - cut)} bytes left after the body` },
    );
  }
  {
    const host = clean["mz-host-2.exe"];
    const b = Buffer.from(infected["exetail-a/mz-host-2.exe"]);
    const slot = host.length + 0x42; // stored original CS
    const cs = b.readUInt16LE(slot) ^ 0x1000;
    b.writeUInt16LE(cs, slot);
    const entry = host.readUInt16LE(0x08) * 16 + ((cs * 16 + host.readUInt16LE(0x14)) & 0xfffff);
    assert(entry >= host.length, "damaged Exetail: entry still inside");
    add(
      "damaged/exetail-a-bad-cs.exe",
      b,
      ["DOS.Exetail.A"],
      `infected/exetail-a/mz-host-2.exe with the stored original CS (${hex(slot)}) changed to ${hex(cs, 4)}`,
      { unclean: `the restored entry point ${hex(cs, 4)}:${hex(host.readUInt16LE(0x14), 4)} (file offset ${hex(entry)}) lies beyond the end of the ${thousands(host.length)}-byte restored file` },
    );
  }

  {
    const v = veilSamples[1];
    const fake = Buffer.from(v.host);
    Buffer.from([0xe9, 0xfd, 0x7f]).copy(fake, 0); // what the encoded slot will decode to
    add(
      "damaged/veil-a-bad-jump.com",
      infectVeil(fake, v.params),
      ["DOS.Veil.A"],
      `${v.path} with the encoded stored first bytes changed so they decode to E9 FD 7F`,
      { unclean: `the stored original first bytes decode to a jump to 0x8000, beyond the end of the ${thousands(v.host.length)}-byte restored file` },
    );
  }

  if (WITH_CONTAINERS) {
    add("infected/containers/eicar.zip", zipStored([{ name: "eicar.com", data: EICAR }]), ["Test.EICAR.68"], "stored ZIP holding eicar.com (needs unpacking)");
    add("infected/containers/eicar.com.gz", gzip(EICAR, "eicar.com"), ["Test.EICAR.68"], "gzip of eicar.com (needs unpacking)");
    add(
      "infected/containers/tailgate-a.tar",
      tarUstar([
        { name: "dos/readme.txt", data: readmeText() },
        { name: "dos/com-host-1.com", data: infected["tailgate-a/com-host-1.com"] },
      ]),
      ["DOS.Tailgate.A"],
      "ustar holding infected/tailgate-a/com-host-1.com as dos/com-host-1.com (needs unpacking; the member name makes it a COM)",
    );
    add(
      "infected/containers/eicar-attachment.eml",
      mimeMessage({
        from: "Mallory Example <mallory@example.com>",
        to: "Bob Example <bob@example.net>",
        subject: "tgvx sample: EICAR attachment",
        id: "eicar-1",
        text: "The attachment is the harmless EICAR anti-virus test file.\n",
        attachmentName: "eicar.com",
        attachment: EICAR,
      }),
      ["Test.EICAR.68"],
      "MIME e-mail with eicar.com as a base64 attachment (needs unpacking)",
    );
    add(
      "infected/containers/postbox-a-message.eml",
      mimeMessage({
        from: "Carol Example <carol@example.com>",
        to: "Bob Example <bob@example.net>",
        subject: "tgvx sample: the message I-Worm.Postbox.A sends of itself",
        id: "postbox-1",
        text: "This is the harmless tgvx sample of a mass-mailer's own message; readme.exe holds only inert data.\n",
        attachmentName: "readme.exe",
        attachment: infected["postbox-a/pe32-host-2.exe"],
      }),
      ["I-Worm.Postbox.A"],
      "MIME e-mail as the Nimda-like worm sends itself: infected/postbox-a/pe32-host-2.exe as readme.exe (needs unpacking; a mail gateway discards it)",
    );
    add(
      "infected/containers/cinder-a-attachment.eml",
      mimeMessage({
        from: "Dave Example <dave@example.org>",
        to: "Bob Example <bob@example.net>",
        subject: "tgvx sample: the tool you asked for",
        id: "cinder-1",
        text: "Hi Bob,\n\nhere is the program. (A harmless tgvx sample: its sender's copy was infected by the CIH-like Win95.Cinder.A.)\n\nDave\n",
        attachmentName: "tool.exe",
        attachment: infected["cinder-a/pe32-host-2.exe"],
      }),
      ["Win95.Cinder.A"],
      "MIME e-mail with infected/cinder-a/pe32-host-2.exe attached as tool.exe (needs unpacking; a mail gateway repairs the attachment and delivers the message)",
    );
  }

  // ---------- near misses
  const flip = (bytes, pos) => {
    const b = Buffer.from(bytes);
    b[pos] ^= 0x01;
    return b;
  };
  {
    const src = infected["tailgate-a/com-host-2.com"];
    const t = clean["com-host-2.com"].length; // jump target = body start
    const pos = t + 0x60 + 0x21;
    add("near-miss/tailgate-a-flipped.com", flip(src, pos), [], `infected/tailgate-a/com-host-2.com with byte ${hex(pos)} (jump+0x81, inside window 2) xor 0x01`);
    const src3 = infected["tailgate-a/com-host-3.com"];
    const t3 = clean["com-host-3.com"].length;
    const cut = t3 + 0x60 + 0xc0 - 1;
    add(
      "near-miss/tailgate-a-truncated.com",
      src3.subarray(0, cut),
      [],
      `infected/tailgate-a/com-host-3.com cut to ${thousands(cut)} bytes: window 2 (jump+0x60, 0xC0 bytes) runs 1 byte past the end`,
    );
  }
  {
    const src = infected["pesection-a/pe32-host-2.exe"];
    const entry = clean["pe32-host-2.exe"].length + 0x100;
    const pos = entry + 0x20 + 0x70;
    add("near-miss/pesection-a-flipped.exe", flip(src, pos), [], `infected/pesection-a/pe32-host-2.exe with byte ${hex(pos)} (entry+0x90, inside window 2) xor 0x01`);
  }
  {
    const src = infected["trailer-a/script.sh"];
    const pos = src.length - 0x70 + 0x10;
    add("near-miss/trailer-a-flipped.sh", flip(src, pos), [], `infected/trailer-a/script.sh with byte ${hex(pos)} (end-0x60, inside window 2) xor 0x01`);
    add(
      "near-miss/trailer-a-short.bin",
      src.subarray(src.length - 0x100),
      [],
      "the last 0x100 bytes of the Trailer body alone: window 2 matches, but the first word (end-0x1A0) and window 1 lie before the start",
    );
  }
  {
    const v = veilSamples[0];
    const pos = v.host.length + v.params.stubLen + 0x50 + 0x21;
    add("near-miss/veil-a-flipped.com", flip(v.bytes, pos), [], `${v.path} with byte ${hex(pos)} (encoded body+0x71, inside the decoded CRC window) xor 0x01`);
  }
  add(
    "near-miss/headstone-a-not-com.bin",
    infectHeadstone(clean["script.sh"]),
    [],
    "Headstone body prepended to the shell script, named .bin: first word and windows match but the object is not a COM (type 4, filetypes [com])",
  );

  for (const i of items) assert(i.bytes.length <= 16 * 1024, `${i.path} is larger than 16 KB`);
  assert(items.reduce((a, i) => a + i.bytes.length, 0) <= 200 * 1024, "corpus is larger than 200 KB");
  return items;
}

// ==================================================================================================
// manifest

/** A plain YAML scalar when that is unambiguous in block context, else a double-quoted one. */
function yamlScalar(s) {
  const plain = /^[A-Za-z0-9(.][^\n"]*$/.test(s) && !/: |:$| #|\s$/.test(s) && !/^(true|false|null|yes|no|on|off|~|[-+.\d][\d_.xXa-fA-F]*)$/i.test(s);
  return plain ? s : JSON.stringify(s);
}

function manifestYaml(items) {
  const lines = [
    "# yaml-language-server: $schema=../schemas/sample-manifest.schema.json",
    "# Generated by samples/generate.mjs: do not edit; change the generator and run `npm run samples`.",
    "# Every path is relative to this file. `detect`: exact record names that must be reported ([] = clean).",
    "# `original`: the clean host an infected sample was made from; cleaning must restore it byte for byte.",
    "# `removed: true`: there is no host (EICAR, a dropper); cleaning must delete the file.",
    "# `unclean`: a damaged sample: it is detected, but cleaning must be refused (the reason).",
    "samples:",
  ];
  for (const i of items) {
    lines.push(`  - path: ${i.path}`);
    lines.push(`    detect: [${i.detect.join(", ")}]`);
    if (i.original) lines.push(`    original: ${i.original}`);
    if (i.removed) lines.push("    removed: true");
    if (i.unclean) lines.push(`    unclean: ${yamlScalar(i.unclean)}`);
    if (i.note) lines.push(`    note: ${yamlScalar(i.note)}`);
  }
  return ascii(lines.join("\n") + "\n");
}

function writeCorpus(outDir) {
  const items = buildCorpus();
  for (const sub of ["clean", "infected", "near-miss", "damaged", "manifest.yaml"]) fs.rmSync(path.join(outDir, sub), { recursive: true, force: true });
  let total = 0;
  for (const i of items) {
    const p = path.join(outDir, ...i.path.split("/"));
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, i.bytes);
    total += i.bytes.length;
  }
  const manifest = manifestYaml(items);
  fs.writeFileSync(path.join(outDir, "manifest.yaml"), manifest);
  total += manifest.length;
  const count = (prefix) => items.filter((i) => i.path.startsWith(prefix)).length;
  process.stdout.write(
    `wrote ${items.length} samples + manifest.yaml to ${outDir} (clean ${count("clean/")}, infected ${count("infected/")}, near-miss ${count("near-miss/")}, damaged ${count("damaged/")}; ${thousands(total)} bytes)\n`,
  );
}

// ==================================================================================================
// --print-records: detection blocks with CRCs taken from the generated samples

function printRecords() {
  const items = buildCorpus();
  const out = [];
  for (const fam of FAMILIES) {
    const samples = items.filter((i) => i.detect.length === 1 && i.detect[0] === fam.name && !i.path.startsWith("infected/containers/"));
    if (fam.type === 1 || fam.type === 2) {
      out.push(`# --- db-src/${fam.file} (${samples.length} samples)`, "records:", ...recordHead(fam), ...moduleLines(fam), "");
      continue;
    }
    let first;
    const crcs = [];
    for (const s of samples) {
      const { anchors } = classify(s.bytes, path.posix.basename(s.path));
      const a = anchors[fam.anchor];
      assert(a !== undefined, `${s.path}: no ${fam.anchor} anchor`);
      const at = a - fam.anchorInBody;
      const word = s.bytes.subarray(at, at + 2).toString("hex").toUpperCase().replace(/(..)(..)/, "$1 $2");
      const c = fam.windows.map(([off, len]) => crc32(s.bytes, a + off, a + off + len));
      if (first === undefined) {
        first = word;
        crcs.push(...c);
      }
      assert(word === first && c.every((x, k) => x === crcs[k]), `${fam.name}: ${s.path} differs from the family's other samples`);
    }
    for (const [off, len] of fam.windows) {
      assert(len >= 32 && len <= 256, `${fam.name}: window length`);
      for (const [so, sl] of fam.slots) {
        const b0 = fam.anchorInBody + off;
        assert(b0 + len <= so || so + sl <= b0, `${fam.name}: window overlaps a host-dependent slot`);
      }
    }
    const at = -fam.anchorInBody;
    out.push(`# --- db-src/${fam.file} (${samples.length} samples)`);
    out.push("records:");
    out.push(...recordHead(fam));
    out.push("    detect:");
    out.push(`      anchor: ${fam.anchor}`);
    if (at !== 0) out.push(`      at: ${hex(at, 2)}`);
    out.push(`      first: "${first}"`);
    if (fam.filetypes) out.push(`      filetypes: [${fam.filetypes.join(", ")}]`);
    out.push("      windows:");
    fam.windows.forEach(([off, len], k) => out.push(`        - { offset: ${hex(off, 2)}, length: ${hex(len, 2)}, crc: ${hex(crcs[k], 8)} }`));
    if (fam.module) out.push(...moduleLines(fam));
    out.push("");
  }
  process.stdout.write(out.join("\n"));
}

function recordHead(fam) {
  return [
    `  - id: ${hex(fam.id, 4)}`,
    `    rev: ${fam.rev ?? 1}`,
    `    name: ${fam.name}`,
    `    type: ${fam.type}`,
    "    status: stable",
    `    category: ${fam.category ?? "virus"}`,
    `    attributes: [${fam.attributes.join(", ")}]`,
    `    description: ${yamlScalar(fam.description)}`,
  ];
}

/** The args a module family's record gives its module (the CRC taken from the family's plain body). */
function moduleArgs(fam) {
  if (fam.key === "veil-a") {
    const b = body(fam);
    const [[off, len]] = fam.windows;
    return {
      anchor: "jump",
      at: VEIL_AT,
      search: VEIL_SEARCH,
      length: fam.bodyLen,
      known: b.subarray(0, VEIL_KNOWN).toString("hex").toUpperCase().replace(/(..)(?!$)/g, "$1 "),
      window: { offset: off, length: len, crc: crc32(b, off, off + len) },
    };
  }
  if (fam.key === "keyhole-a") return { anchor: "entry", at: 0x40 - fam.anchorInBody, length: 8, seed: 0x48 - fam.anchorInBody, rounds: 0x4c - fam.anchorInBody };
  throw new Error(`no module args for ${fam.name}`);
}

function moduleLines(fam) {
  const a = moduleArgs(fam);
  const value = (v, k) => (typeof v === "string" ? (k === "known" ? `"${v}"` : v) : k === "crc" ? hex(v, 8) : hex(v, 2));
  const lines = [`    module: ${fam.module}`, "    args:"];
  for (const [k, v] of Object.entries(a))
    lines.push(
      typeof v === "object"
        ? `      ${k}: { ${Object.entries(v)
            .map(([k2, v2]) => `${k2}: ${value(v2, k2)}`)
            .join(", ")} }`
        : `      ${k}: ${value(v, k)}`,
    );
  return lines;
}

// ==================================================================================================
// --verify: an independent check of the committed corpus against db-src

/**
 * File types and anchors by the rules of the brief (written separately from the engine's code):
 * returns { types: Set, anchors: { start, end, entry?, jump? } }.
 */
function classify(b, name) {
  const size = b.length;
  const types = new Set();
  const anchors = { start: 0, end: size };
  const rd16 = (o) => (o + 2 <= size ? b.readUInt16LE(o) : undefined);
  const rd32 = (o) => (o + 4 <= size ? b.readUInt32LE(o) : undefined);
  const inside = (v) => (v !== undefined && v >= 0 && v < size ? v : undefined);
  const isMZ = size >= 2 && ((b[0] === 0x4d && b[1] === 0x5a) || (b[0] === 0x5a && b[1] === 0x4d));
  if (isMZ) {
    const lfanew = size >= 0x40 ? rd32(0x3c) : undefined;
    let kind = "mz";
    if (lfanew && lfanew + 4 <= size && b.toString("latin1", lfanew, lfanew + 4) === "PE\0\0") {
      const opt = lfanew + 24;
      const magic = rd16(opt);
      if (magic === 0x10b || magic === 0x20b) {
        kind = magic === 0x10b ? "pe32" : "pe64";
        const nsec = rd16(lfanew + 6);
        const table = opt + rd16(lfanew + 20);
        const rva = rd32(opt + 16);
        if (rva < rd32(opt + 60)) anchors.entry = inside(rva);
        for (let i = 0; i < nsec && table + (i + 1) * 40 <= size; i++) {
          const s = table + i * 40;
          const vs = b.readUInt32LE(s + 8);
          const va = b.readUInt32LE(s + 12);
          const rs = b.readUInt32LE(s + 16);
          if (va <= rva && rva < va + Math.max(vs, rs)) {
            anchors.entry = inside(b.readUInt32LE(s + 20) + rva - va);
            break;
          }
        }
      }
    } else if (lfanew && lfanew + 2 <= size && b.toString("latin1", lfanew, lfanew + 2) === "NE") {
      kind = "ne";
      const ne = lfanew;
      const ip = rd16(ne + 0x14);
      const cs = rd16(ne + 0x16);
      const shift = rd16(ne + 0x32) || 9;
      if (cs >= 1 && cs <= rd16(ne + 0x1c)) {
        const sector = rd16(ne + rd16(ne + 0x22) + (cs - 1) * 8);
        if (sector !== undefined) anchors.entry = inside(sector * 2 ** shift + ip);
      }
    }
    if (kind === "mz") anchors.entry = inside(rd16(0x08) * 16 + ((rd16(0x16) * 16 + rd16(0x14)) & 0xfffff));
    types.add(kind);
  } else {
    if (size <= 0xff00 && (/\.com$/i.test(name) || b[0] === 0xe9 || b[0] === 0xeb)) {
      types.add("com");
      anchors.entry = 0;
      if (b[0] === 0xe9 && size >= 3) anchors.jump = inside((3 + b.readInt16LE(1)) & 0xffff);
      else if (b[0] === 0xeb && size >= 2) anchors.jump = inside(2 + b.readInt8(1));
    }
    if (size >= 512 && size % 512 === 0 && b[510] === 0x55 && b[511] === 0xaa) types.add("boot");
  }
  if (size >= 4 && (b.readUInt32LE(0) === 0x04034b50 || b.lastIndexOf(Buffer.from("PK\x05\x06", "latin1")) >= Math.max(0, size - 65557))) types.add("zip");
  if (size >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 8) types.add("gzip");
  if (size >= 512 && b.toString("latin1", 257, 262) === "ustar") types.add("tar");
  const head = b.subarray(0, 4096);
  if (head.length && !head.includes(0)) {
    let good = 0;
    for (const c of head) if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 || c >= 0x80) good++;
    if (good * 20 >= head.length * 19) {
      types.add("text");
      const t = head.toString("latin1");
      if (t.startsWith("From ") || /^(from|to|subject|date|message-id|mime-version|content-type):/im.test(t.split(/\r?\n\r?\n/)[0])) types.add("mail");
    }
  }
  return { types, anchors };
}

/**
 * The xor-add module's detection, written again from its description (not the engine's code): at
 * each place from anchor+at to anchor+at+search, the first two known bytes give key and step for
 * XOR and for ADD; the block decodes to the known plaintext and its window has the CRC.
 */
function xorAddMatch(a, b, anchors) {
  const base = anchors[a.anchor ?? "start"];
  if (base === undefined) return undefined;
  const known = Buffer.from(a.known.replace(/\s/g, ""), "hex");
  for (let d = 0; d <= (a.search ?? 0); d++) {
    const pos = base + (a.at ?? 0) + d;
    if (pos < 0 || pos + a.length > b.length) continue;
    for (const xor of (a.methods ?? ["xor", "add"]).map((m) => m === "xor")) {
      const key = xor ? b[pos] ^ known[0] : (b[pos] - known[0]) & 0xff;
      const step = ((xor ? b[pos + 1] ^ known[1] : (b[pos + 1] - known[1]) & 0xff) - key) & 0xff;
      const dec = Buffer.alloc(a.length);
      for (let i = 0, k = key; i < a.length; i++, k = (k + step) & 0xff) dec[i] = xor ? b[pos + i] ^ k : (b[pos + i] - k) & 0xff;
      if (dec.subarray(0, known.length).equals(known) && crc32(dec, a.window.offset, a.window.offset + a.window.length) === a.window.crc >>> 0) return { pos, dec };
    }
  }
  return undefined;
}

/** Detection modules the verifier knows (records of type 1 and 2). */
const MODULE_MATCHERS = { "xor-add": xorAddMatch };

/** Records that match `b`. */
function matchRecords(records, b, name) {
  const { types, anchors } = classify(b, name);
  const found = [];
  for (const r of records) {
    if (r.type === 1 || r.type === 2) {
      if (r.status !== "deprecated" && MODULE_MATCHERS[r.module]?.(r.args, b, anchors)) found.push(r.name);
      continue;
    }
    if (r.type !== 3 && r.type !== 4) continue;
    const d = r.detect;
    if (r.type === 4 && !d.filetypes.some((t) => types.has(t))) continue;
    const a = anchors[d.anchor];
    if (a === undefined) continue;
    const at = a + (d.at ?? 0);
    if (at < 0 || at + 2 > b.length) continue;
    if (b.subarray(at, at + 2).toString("hex") !== d.first.replace(/\s/g, "").toLowerCase()) continue;
    const ok = d.windows.every((w) => {
      const s = a + w.offset;
      return s >= 0 && s + w.length <= b.length && crc32(b, s, s + w.length) === w.crc >>> 0;
    });
    if (ok) found.push(r.name);
  }
  return found;
}

/** Members of a container (enough for this corpus: stored/deflated ZIP, gzip, ustar, base64 MIME parts). */
function members(b, types) {
  const out = [];
  if (types.has("zip")) {
    const eocd = b.lastIndexOf(Buffer.from("PK\x05\x06", "latin1"));
    if (eocd >= 0) {
      let p = b.readUInt32LE(eocd + 16);
      for (let i = 0; i < b.readUInt16LE(eocd + 10); i++) {
        const method = b.readUInt16LE(p + 10);
        const csize = b.readUInt32LE(p + 20);
        const nlen = b.readUInt16LE(p + 28);
        const name = b.toString("latin1", p + 46, p + 46 + nlen);
        const lh = b.readUInt32LE(p + 42);
        const data0 = lh + 30 + b.readUInt16LE(lh + 26) + b.readUInt16LE(lh + 28);
        const raw = b.subarray(data0, data0 + csize);
        out.push({ name, bytes: method === 0 ? raw : zlib.inflateRawSync(raw) });
        p += 46 + nlen + b.readUInt16LE(p + 30) + b.readUInt16LE(p + 32);
      }
    }
  }
  if (types.has("gzip")) {
    const nameEnd = b[3] & 8 ? b.indexOf(0, 10) : -1;
    out.push({ name: nameEnd > 0 ? b.toString("latin1", 10, nameEnd) : "gzip-member", bytes: zlib.gunzipSync(b) });
  }
  if (types.has("tar")) {
    for (let p = 0; p + 512 <= b.length && b[p] !== 0; ) {
      const name = b.toString("latin1", p, p + 100).replace(/\0.*$/s, "");
      const size = parseInt(b.toString("latin1", p + 124, p + 136).replace(/\0.*$/s, ""), 8);
      out.push({ name: path.posix.basename(name), bytes: b.subarray(p + 512, p + 512 + size) });
      p += 512 + align(size, 512);
    }
  }
  if (types.has("mail")) {
    const t = b.toString("latin1");
    const re = /Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([A-Za-z0-9+/=\r\n]+)/g;
    for (let m; (m = re.exec(t)); ) {
      const fn = /filename="([^"]+)"/.exec(t.slice(Math.max(0, m.index - 200), m.index + 300));
      out.push({ name: fn ? fn[1] : "attachment", bytes: Buffer.from(m[1].replace(/\s/g, ""), "base64") });
    }
  }
  return out;
}

function scanDeep(records, b, name, depth = 0) {
  const found = new Set(matchRecords(records, b, name));
  if (depth < 4) for (const m of members(b, classify(b, name).types)) for (const n of scanDeep(records, m.bytes, m.name, depth + 1)) found.add(n);
  return [...found].sort();
}

/** A cleaner's refusal: the sample is detected, but what it holds cannot give back a sane host. */
class Refusal extends Error {}
const refuse = (ok, why) => {
  if (!ok) throw new Refusal(why);
};
/** What a cleaner returns when cleaning means deleting the file (there is no host). */
const REMOVE = null;

/** A COM's initial jump, if any, must land inside the file. */
function comJumpInside(b) {
  if (b[0] === 0xe9 && b.length >= 3) return ((3 + b.readInt16LE(1)) & 0xffff) < b.length;
  if (b[0] === 0xeb && b.length >= 2) return 2 + b.readInt8(1) < b.length;
  return true;
}

/**
 * Reference cleaning (the reverse of each infector), only from what is in the infected file: returns
 * the restored host, REMOVE (delete the file), or throws a Refusal when the stored data is not sane.
 */
/** Reference cleaner for a body appended as a new last PE section (Pesection, Postbox). */
function cleanPeSection(f, family, entryInBody, bodyLen) {
  const out = Buffer.from(f);
  const pe = out.readUInt32LE(0x3c);
  const o = pe + 24;
  const nsec = out.readUInt16LE(pe + 6);
  const s = o + out.readUInt16LE(pe + 20) + (nsec - 1) * 40;
  const va = out.readUInt32LE(s + 12);
  const raw = out.readUInt32LE(s + 20);
  refuse(nsec >= 2 && classify(f, "x.exe").anchors.entry === raw + entryInBody && raw + bodyLen <= f.length, `${family}: entry is not in a whole last section`);
  const rva = out.readUInt32LE(raw + 0x40);
  refuse(rva < va, `${family}: the stored entry RVA lies outside the restored image`);
  out.writeUInt32LE(rva, o + 16);
  out.writeUInt32LE(out.readUInt32LE(raw + 0x44), o + 64); // CheckSum
  out.writeUInt32LE(va, o + 56);
  out.fill(0, s, s + 40);
  out.writeUInt16LE(nsec - 1, pe + 6);
  return out.subarray(0, raw);
}

const CLEANERS = {
  "Test.EICAR.68": () => REMOVE,
  "DOS.Tailgate.A": (f) => {
    const t = classify(f, "x.com").anchors.jump;
    refuse(t !== undefined && t >= 3 && t + 0x180 <= f.length, "Tailgate: jump target / body out of range");
    const out = Buffer.from(f.subarray(0, t));
    f.copy(out, 0, t + 0x40, t + 0x43);
    refuse(comJumpInside(out), "Tailgate: the restored first bytes jump outside the restored file");
    return out;
  },
  "DOS.Headstone.A": (f) => {
    refuse(f.length >= 0x200 && f.readUInt16LE(0x40) === f.length - 0x200, "Headstone: stored host size is not the size after the body");
    return Buffer.from(f.subarray(0x200));
  },
  "DOS.Exetail.A": (f) => {
    const bodyAt = classify(f, "x.exe").anchors.entry - 0x60;
    const hdr = f.readUInt16LE(0x08) * 16;
    refuse(bodyAt >= hdr && bodyAt + 0x240 <= f.length, "Exetail: body out of range");
    const out = Buffer.from(f.subarray(0, bodyAt));
    out.writeUInt16LE(f.readUInt16LE(bodyAt + 0x40), 0x14); // IP
    out.writeUInt16LE(f.readUInt16LE(bodyAt + 0x42), 0x16); // CS
    out.writeUInt16LE(f.readUInt16LE(bodyAt + 0x44), 0x0e); // SS
    out.writeUInt16LE(f.readUInt16LE(bodyAt + 0x46), 0x10); // SP
    out.writeUInt16LE(out.length % 512, 0x02);
    out.writeUInt16LE(Math.ceil(out.length / 512), 0x04);
    const entry = hdr + ((out.readUInt16LE(0x16) * 16 + out.readUInt16LE(0x14)) & 0xfffff);
    refuse(entry < out.length, "Exetail: the restored entry point lies beyond the end of the restored file");
    return out;
  },
  "Win32.Pesection.A": (f) => cleanPeSection(f, "Pesection", 0x100, 0x300),
  "Win16.Netail.A": (f) => {
    const out = Buffer.from(f);
    const ne = out.readUInt32LE(0x3c);
    const bodyAt = classify(f, "x.exe").anchors.entry;
    const nseg = out.readUInt16LE(ne + 0x1c);
    refuse(out.readUInt16LE(ne + 0x16) === nseg && nseg >= 2, "Netail segment is not the last one");
    refuse(f.readUInt32LE(bodyAt + 0x44) <= bodyAt && f.readUInt16LE(bodyAt + 0x42) >= 1 && f.readUInt16LE(bodyAt + 0x42) < nseg, "Netail: stored size / CS out of range");
    const segEntry = ne + out.readUInt16LE(ne + 0x22) + (nseg - 1) * 8;
    const tablesEnd = neTablesEnd(out, ne);
    out.copyWithin(segEntry, segEntry + 8, tablesEnd);
    out.fill(0, tablesEnd - 8, tablesEnd);
    for (const off of NE_TABLE_OFFSETS) out.writeUInt16LE(out.readUInt16LE(ne + off) - 8, ne + off);
    out.writeUInt32LE(out.readUInt32LE(ne + 0x2c) - 8, ne + 0x2c);
    out.writeUInt16LE(nseg - 1, ne + 0x1c);
    out.writeUInt16LE(f.readUInt16LE(bodyAt + 0x40), ne + 0x14);
    out.writeUInt16LE(f.readUInt16LE(bodyAt + 0x42), ne + 0x16);
    return out.subarray(0, f.readUInt32LE(bodyAt + 0x44));
  },
  "Generic.Trailer.A": (f) => {
    refuse(f.length >= 0x1a0, "Trailer: shorter than its body");
    return Buffer.from(f.subarray(0, f.length - 0x1a0));
  },
  "Boot.Stonewall.A": (f) => {
    refuse(f.length === 1024 && f[1022] === 0x55 && f[1023] === 0xaa, "Stonewall: no saved boot sector");
    return Buffer.from(f.subarray(512, 1024));
  },
  "DOS.Overwrite.A": (f) => {
    refuse(f.length >= 0x400, "Overwrite: shorter than body + tail block");
    const key = f[0x40];
    const out = Buffer.from(f.subarray(0, f.length - 0x200));
    for (let i = 0; i < 0x200; i++) out[i] = f[f.length - 0x200 + i] ^ key;
    return out;
  },
  "Win32.Dropper.A": () => REMOVE,
  "I-Worm.Postbox.A": (f) => cleanPeSection(f, "Postbox", 0x80, 0x280),
  "Win95.Cinder.A": (f) => {
    const out = Buffer.from(f);
    const pe = out.readUInt32LE(0x3c);
    const o = pe + 24;
    const at = classify(f, "x.exe").anchors.entry;
    refuse(at !== undefined && at + 0x140 <= f.length, "Cinder: body out of range");
    const sh = f.readUInt32LE(at + 0x4c);
    refuse(sh >= o && sh + 40 <= out.readUInt32LE(o + 60), "Cinder: the stored section header is not in the PE headers");
    const rva = f.readUInt32LE(at + 0x40);
    refuse(rva < out.readUInt32LE(o + 56), "Cinder: the stored entry RVA lies outside the image");
    out.writeUInt32LE(rva, o + 16);
    out.writeUInt32LE(f.readUInt32LE(at + 0x44), o + 64); // CheckSum
    out.writeUInt32LE(f.readUInt32LE(at + 0x48), sh + 8); // VirtualSize
    out.fill(0, at, at + 0x140);
    return out;
  },
  "Riskware.RemoteRun.A": () => REMOVE,
  "DOS.Veil.A": (f) => {
    const t = classify(f, "x.com").anchors.jump;
    refuse(t !== undefined && t >= 3, "Veil: no jump target");
    const hit = xorAddMatch(moduleArgs(FAMILY["veil-a"]), f, { jump: t });
    refuse(hit, "Veil: no encoded body after the jump target");
    const out = Buffer.from(f.subarray(0, t));
    hit.dec.copy(out, 0, 0x40, 0x43);
    refuse(comJumpInside(out), "Veil: the restored first bytes jump outside the restored file");
    return out;
  },
  "Win32.Keyhole.A": (f) => {
    const entry = classify(f, "x.exe").anchors.entry;
    refuse(entry !== undefined && entry >= 0x80 && entry - 0x80 + 0x280 <= f.length, "Keyhole: body out of range");
    const at = entry - 0x80;
    const g = Buffer.from(f);
    const seed = g.readUInt32LE(at + 0x48);
    refuse(seed !== 0, "Keyhole: the stored seed is 0");
    keyholeCrypt(g, at + 0x40, 8, seed, g.readUInt16LE(at + 0x4c));
    return cleanPeSection(g, "Keyhole", 0x80, 0x280);
  },
};

/** PE CheckSum, written apart from the generator's: plain sum of the u16 words, folded at the end. */
function checksumOfPE(b) {
  const at = b.readUInt32LE(0x3c) + 24 + 64;
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) if (i !== at && i !== at + 2) sum += b.readUInt16LE(i);
  if (b.length % 2) sum += b[b.length - 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return (sum + b.length) >>> 0;
}

// ---------- a small YAML reader for db-src and the manifest (block maps/lists, flow [..] / {..}, scalars)

function yamlValue(s) {
  s = s.trim();
  if (s === "" || s === "~" || s === "null") return null;
  if (s.startsWith("[") || s.startsWith("{")) {
    const close = s[0] === "[" ? "]" : "}";
    assert(s.endsWith(close), `flow collection: ${s}`);
    const parts = [];
    let depth = 0;
    let cur = "";
    let q = null;
    for (const ch of s.slice(1, -1)) {
      if (q) {
        cur += ch;
        if (ch === q) q = null;
      } else if (ch === '"' || ch === "'") {
        q = ch;
        cur += ch;
      } else if (ch === "[" || ch === "{") {
        depth++;
        cur += ch;
      } else if (ch === "]" || ch === "}") {
        depth--;
        cur += ch;
      } else if (ch === "," && depth === 0) {
        parts.push(cur);
        cur = "";
      } else cur += ch;
    }
    if (cur.trim()) parts.push(cur);
    if (close === "]") return parts.map(yamlValue);
    return Object.fromEntries(
      parts.map((p) => {
        const i = p.indexOf(":");
        return [p.slice(0, i).trim(), yamlValue(p.slice(i + 1))];
      }),
    );
  }
  if (s.startsWith('"')) return JSON.parse(s);
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  if (/^[-+]?0x[0-9a-f]+$/i.test(s)) return (s.startsWith("-") ? -1 : 1) * parseInt(s.replace(/^[-+]?0x/i, ""), 16);
  if (/^[-+]?\d+$/.test(s)) return parseInt(s, 10);
  if (s === "true" || s === "false") return s === "true";
  return s;
}

function stripComment(line) {
  let q = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === "\\" && q === '"') i++;
      else if (ch === q) q = null;
    } else if (ch === '"' || ch === "'") q = ch;
    else if (ch === "#" && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

function parseYaml(text) {
  const lines = text
    .split(/\r?\n/)
    .map((l) => stripComment(l).replace(/\s+$/, ""))
    .filter((l) => l.trim() !== "")
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;
  const block = (indent) => {
    if (lines[i].text.startsWith("- ") || lines[i].text === "-") {
      const list = [];
      while (i < lines.length && lines[i].indent === indent && (lines[i].text.startsWith("- ") || lines[i].text === "-")) {
        const rest = lines[i].text.slice(1).trim();
        if (rest && !/^[^\s"'[{][^:]*:(\s|$)/.test(rest)) {
          list.push(yamlValue(rest));
          i++;
        } else {
          lines[i] = { indent: indent + 2, text: rest };
          if (!rest) i++;
          list.push(block(indent + 2));
        }
      }
      return list;
    }
    const map = {};
    while (i < lines.length && lines[i].indent === indent) {
      const t = lines[i].text;
      const k = t.indexOf(":");
      assert(k > 0, `YAML line: ${t}`);
      const key = t.slice(0, k).trim();
      const rest = t.slice(k + 1).trim();
      i++;
      if (rest) map[key] = yamlValue(rest);
      else if (i < lines.length && lines[i].indent > indent) map[key] = block(lines[i].indent);
      else if (i < lines.length && lines[i].indent === indent && lines[i].text.startsWith("-")) map[key] = block(indent);
      else map[key] = null;
    }
    return map;
  };
  return block(lines[0].indent);
}

function verify(dir) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const dbDir = path.join(root, "db-src");
  const problems = [];
  const records = [];
  for (const f of fs.readdirSync(dbDir).filter((n) => n.endsWith(".yaml")).sort()) {
    const doc = parseYaml(fs.readFileSync(path.join(dbDir, f), "utf8"));
    for (const r of doc.records ?? []) records.push({ ...r, file: f });
  }
  const ids = new Map();
  for (const r of records) {
    if (ids.has(r.id)) problems.push(`${r.file}: id ${hex(r.id)} of ${r.name} also used by ${ids.get(r.id)}`);
    ids.set(r.id, r.name);
    if ((r.type === 1 || r.type === 2) && !MODULE_MATCHERS[r.module]) problems.push(`${r.file}: ${r.name} needs module ${r.module}, which the verifier does not re-implement`);
    if (r.type === 3 || r.type === 4) {
      const w = r.detect?.windows ?? [];
      if (w.length !== 2) problems.push(`${r.name}: needs exactly two windows`);
      if (typeof r.detect?.at === "string") problems.push(`${r.name}: "at" did not parse as a number`);
    }
  }
  // the CRC here must agree with zlib's
  const probe = Buffer.from("123456789");
  if (crc32(probe) !== 0xcbf43926 || (zlib.crc32 && zlib.crc32(EICAR) !== crc32(EICAR))) problems.push("crc32 self-test failed");

  const manifest = parseYaml(fs.readFileSync(path.join(dir, "manifest.yaml"), "utf8"));
  const listed = new Set();
  const counts = { infected: 0, clean: 0, cleaned: 0, removed: 0, refused: 0 };
  for (const s of manifest.samples) {
    listed.add(s.path);
    const file = path.join(dir, ...s.path.split("/"));
    if (!fs.existsSync(file)) {
      problems.push(`${s.path}: missing`);
      continue;
    }
    const b = fs.readFileSync(file);
    const found = scanDeep(records, b, path.posix.basename(s.path));
    const want = [...(s.detect ?? [])].sort();
    if (found.join(",") !== want.join(",")) problems.push(`${s.path}: expected [${want}] found [${found}]`);
    if (want.length) counts.infected++;
    else counts.clean++;

    const outcomes = ["original", "removed", "unclean"].filter((k) => s[k] !== undefined && s[k] !== null);
    if (s.removed !== undefined && s.removed !== true) problems.push(`${s.path}: removed must be true`);
    if (s.unclean !== undefined && !(typeof s.unclean === "string" && s.unclean)) problems.push(`${s.path}: unclean must be a reason`);
    if (outcomes.length > 1) problems.push(`${s.path}: ${outcomes.join(" and ")} exclude each other`);
    if (!want.length && outcomes.length) problems.push(`${s.path}: a clean sample with ${outcomes[0]}`);
    if (want.length && !outcomes.length && !s.path.startsWith("infected/containers/")) problems.push(`${s.path}: detected, but no original / removed / unclean`);
    if (s.path.startsWith("damaged/") !== Boolean(s.unclean)) problems.push(`${s.path}: unclean samples are exactly those under damaged/`);
    if (/\.(exe)$/.test(s.path) && (s.path.startsWith("clean/") || /^infected\/(pesection-a|dropper-a|postbox-a|cinder-a|remoterun-a|keyhole-a)\//.test(s.path))) {
      const t = classify(b, s.path).types;
      if ((t.has("pe32") || t.has("pe64")) && b.readUInt32LE(b.readUInt32LE(0x3c) + 88) !== checksumOfPE(b)) problems.push(`${s.path}: PE CheckSum is wrong`);
    }
    if (outcomes.length !== 1) continue;
    if (want.length !== 1) {
      problems.push(`${s.path}: cleaning is checked for samples of exactly one record`);
      continue;
    }
    const cleaner = CLEANERS[want[0]];
    if (!cleaner) {
      problems.push(`${s.path}: no reference cleaner for ${want[0]}`);
      continue;
    }
    let restored;
    let refusal;
    try {
      restored = cleaner(b);
    } catch (e) {
      if (e instanceof Refusal) refusal = e.message;
      else {
        problems.push(`${s.path}: cleaning threw ${e.message}`);
        continue;
      }
    }
    if (s.original) {
      const orig = fs.readFileSync(path.join(dir, ...s.original.split("/")));
      if (refusal) problems.push(`${s.path}: cleaning refused (${refusal})`);
      else if (restored === REMOVE) problems.push(`${s.path}: the cleaner removes the file, the manifest names an original`);
      else if (!restored.equals(orig)) problems.push(`${s.path}: cleaning does not restore ${s.original}`);
      else counts.cleaned++;
      if (scanDeep(records, orig, path.posix.basename(s.original)).length) problems.push(`${s.original}: original is detected`);
    } else if (s.removed) {
      if (refusal) problems.push(`${s.path}: cleaning refused (${refusal})`);
      else if (restored !== REMOVE) problems.push(`${s.path}: the cleaner restores a host, the manifest says removed`);
      else counts.removed++;
    } else {
      if (!refusal) problems.push(`${s.path}: cleaning was not refused (${s.unclean})`);
      else counts.refused++;
    }
  }
  const walk = (d) =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.relative(dir, path.join(d, e.name)).split(path.sep).join("/")]));
  for (const f of walk(dir)) if (!listed.has(f) && !["manifest.yaml", "README.md", "generate.mjs", "acknowledged-losses.yaml"].includes(f)) problems.push(`${f}: not in the manifest`);
  for (const r of records) if (r.status !== "deprecated" && !manifest.samples.some((s) => (s.detect ?? []).includes(r.name))) problems.push(`${r.name}: no sample`);

  if (problems.length) {
    process.stderr.write(problems.map((p) => `verify: ${p}\n`).join(""));
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    `verify: ok — ${records.length} records, ${manifest.samples.length} samples (${counts.infected} detected, ${counts.clean} must be clean); cleaning: ${counts.cleaned} restored to their originals, ${counts.removed} removed, ${counts.refused} refused\n`,
  );
}

// ==================================================================================================

// What tests import (importing this module has no side effects; the CLI below runs only when this
// file is the process entry point).
export { randomHost, randomHostWithParams, HOST_KINDS, HOST_FILE_NAME, INFECTORS, CLEANERS, Refusal, buildCorpus };

/** True when this file is the script node was started with (symlinks resolved on both sides). */
function isEntryPoint() {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(path.resolve(process.argv[1])) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const args = process.argv.slice(2);
  if (args[0] === "--print-records") printRecords();
  else if (args[0] === "--verify") verify(path.resolve(args[1] ?? path.dirname(fileURLToPath(import.meta.url))));
  else if (args.length === 1 && !args[0].startsWith("-")) writeCorpus(path.resolve(args[0]));
  else {
    process.stderr.write("usage: node samples/generate.mjs OUTDIR | --print-records | --verify [DIR]\n");
    process.exitCode = 2;
  }
}
