// Builders for containers used by tests and benchmarks: plain, readable writers (no compression
// library decides the layout), so crafted shapes such as overlapping entries can be made.
import { crc32 as zcrc, createDeflateRaw, deflateRawSync } from "node:zlib";

/**
 * @typedef {{ name: string, data?: Uint8Array, deflated?: { bytes: Uint8Array, size: number, crc: number }, localOffset?: number }} ZipItem
 * `data`: stored as is; `deflated`: pre-compressed data with its real size and CRC; `localOffset`:
 * point the central entry at an earlier entry's local header (an overlap bomb).
 */

/** @param {ZipItem[]} items */
export function zip(items) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const it of items) {
    const name = Buffer.from(it.name);
    const method = it.deflated ? 8 : 0;
    const body = Buffer.from(it.deflated ? it.deflated.bytes : it.data);
    const size = it.deflated ? it.deflated.size : body.length;
    const crc = it.deflated ? it.deflated.crc : zcrc(body);
    let at = it.localOffset;
    if (at === undefined) {
      const h = Buffer.alloc(30);
      h.writeUInt32LE(0x04034b50, 0);
      h.writeUInt16LE(20, 4);
      h.writeUInt16LE(method, 8);
      h.writeUInt32LE(crc, 14);
      h.writeUInt32LE(body.length, 18);
      h.writeUInt32LE(size, 22);
      h.writeUInt16LE(name.length, 26);
      at = offset;
      locals.push(h, name, body);
      offset += 30 + name.length + body.length;
    }
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(at, 42);
    central.push(c, name);
  }
  const cd = Buffer.concat(central);
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(items.length, 8);
  e.writeUInt16LE(items.length, 10);
  e.writeUInt32LE(cd.length, 12);
  e.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, e]);
}

/** ustar archive of regular files (mtime 0, uid/gid 0). */
export function tar(files) {
  const parts = [];
  for (const f of files) {
    const h = Buffer.alloc(512);
    h.write(f.name, 0);
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(f.data.length.toString(8).padStart(11, "0") + "\0", 124);
    h.write("00000000000\0", 136);
    h.write("0", 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    parts.push(h, Buffer.from(f.data), Buffer.alloc((512 - (f.data.length % 512)) % 512));
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

/** A multipart e-mail with one base64 attachment. */
export function mail(attachment) {
  const b64 = Buffer.from(attachment.data).toString("base64").replace(/.{76}/g, "$&\r\n");
  return Buffer.from(
    [
      "From: a@example.org",
      "To: b@example.org",
      "Subject: nested",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="XYZ"',
      "",
      "--XYZ",
      "Content-Type: text/plain",
      "",
      "see attached",
      "--XYZ",
      `Content-Type: application/octet-stream; name="${attachment.name}"`,
      "Content-Transfer-Encoding: base64",
      `Content-Disposition: attachment; filename="${attachment.name}"`,
      "",
      b64,
      "--XYZ--",
      "",
    ].join("\r\n"),
  );
}

/** A zip whose `count` entries all point at one deflated megabyte of zeros. */
export function overlapBomb(count) {
  const mb = Buffer.alloc(1 << 20);
  const first = { name: "f0", deflated: { bytes: deflateRawSync(mb), size: mb.length, crc: zcrc(mb) } };
  return zip([first, ...Array.from({ length: count - 1 }, (_, i) => ({ ...first, name: `f${i + 1}`, localOffset: 0 }))]);
}

/**
 * A 42.zip-shaped bomb: `levels` nested zips of `fanout` identical members each, around an
 * innermost member of `innermost` zero bytes (deflated as a stream, never held whole).
 * Returns the outermost level as a deflated zip item.
 */
export async function nestedBomb({ fanout = 16, levels = 4, innermost = 1 << 30 } = {}) {
  const chunk = Buffer.alloc(16 << 20);
  const chunks = [];
  let crc = 0;
  await new Promise((done) => {
    const d = createDeflateRaw({ level: 9 });
    d.on("data", (c) => chunks.push(c));
    d.on("end", done);
    for (let left = innermost; left > 0; left -= chunk.length) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      d.write(part);
      crc = zcrc(part, crc);
    }
    d.end();
  });
  let member = { name: "0.bin", deflated: { bytes: Buffer.concat(chunks), size: innermost, crc } };
  for (let l = 1; l <= levels; l++) {
    const level = zip(Array.from({ length: fanout }, (_, i) => ({ ...member, name: `${l}-${i}${l === 1 ? ".bin" : ".zip"}` })));
    member = { name: "", deflated: { bytes: deflateRawSync(level, { level: 9 }), size: level.length, crc: zcrc(level) } };
  }
  return member;
}
