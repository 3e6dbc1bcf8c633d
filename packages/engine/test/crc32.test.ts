import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32 } from "@tgvx/engine";

describe("crc32 (IEEE, zlib's)", () => {
  it("matches the standard check values", () => {
    const enc = new TextEncoder();
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(enc.encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(enc.encode("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
  });

  it("matches zlib on every length and alignment of a window", () => {
    const buf = new Uint8Array(300);
    let x = 7;
    for (let i = 0; i < buf.length; i++) buf[i] = x = (x * 1103515245 + 12345) >>> 16;
    for (let start = 0; start < 9; start++)
      for (let end = start; end <= buf.length; end += 7)
        expect(crc32(buf, start, end)).toBe(zlibCrc32(buf.subarray(start, end)));
  });
});
