/** SHA-256 through Web Crypto, present in browsers, workers and Node alike. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error("Web Crypto (crypto.subtle) is not available in this runtime: tgvx needs it to verify databases");
  // digest() wants a BufferSource backed by an ArrayBuffer; a view is accepted without copying.
  return new Uint8Array(await subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Bytes of a hex string of exactly `size` bytes; throws RangeError naming `what` otherwise. */
export function fromHex(hex: string, size: number, what = "hex value"): Uint8Array {
  if (hex.length !== size * 2 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RangeError(`${what}: expected ${size * 2} hex digits, got "${hex}"`);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
