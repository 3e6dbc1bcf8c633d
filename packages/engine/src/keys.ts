/**
 * Signing key files: the one definition of their text format (`tgvx keygen` writes them, engines
 * and the release tools read them) and of key ids.
 *
 *   # comment lines start with '#'; blank lines are ignored
 *   tgvx-public-key ed25519 <key id> <public key: 32 bytes, base64>
 *   tgvx-private-key ed25519 <key id> <private key seed: 32 bytes, base64>
 *
 * The key id is the first 8 bytes of SHA-256(public key), as 16 hex digits. Databases and patches
 * carry it in their header, so the trusted key that must verify them is found by id and a
 * database signed by an unknown key is named as such. The engine only ever reads public keys;
 * the private key format is here so that both halves are defined in one place.
 */
import { sha256, toHex } from "./sha256.js";

export const PUBLIC_KEY_TAG = "tgvx-public-key";
export const PRIVATE_KEY_TAG = "tgvx-private-key";
export const KEY_ALGORITHM = "ed25519";
export const ED25519_KEY_SIZE = 32;

/** An ed25519 public key and its id. */
export interface PublicKey {
  /** 16 hex digits: the first 8 bytes of SHA-256(raw). */
  readonly id: string;
  /** The 32-byte public key. */
  readonly raw: Uint8Array;
}

/** A trusted key as an embedder may give it: the text of a `.pub` file, its 32 raw bytes, or a parsed key. */
export type TrustedKey = string | Uint8Array | PublicKey;

export type KeyFormatErrorCode = "BAD_KEY_FILE" | "WRONG_KEY_KIND" | "KEY_ID_MISMATCH";

/** A key file (or key bytes) that cannot be used, with what is wrong and what to do. */
export class KeyFormatError extends Error {
  override readonly name = "KeyFormatError";
  constructor(
    readonly code: KeyFormatErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Strict base64 (padding required), or undefined. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The id of a 32-byte public key. */
export async function keyIdOf(raw: Uint8Array): Promise<string> {
  return toHex((await sha256(raw)).subarray(0, 8));
}

/** The fields of a key file's one key line: tag, id, and the 32 key bytes. */
export function parseKeyLine(text: string, what: string): { tag: string; id: string; bytes: Uint8Array } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const example = `"${PUBLIC_KEY_TAG} ${KEY_ALGORITHM} <key id> <base64>" (made by tgvx keygen)`;
  if (lines.length !== 1)
    throw new KeyFormatError("BAD_KEY_FILE", `${what}: expected one key line like ${example}, found ${lines.length} non-comment lines`);
  const fields = lines[0].split(/\s+/);
  const [tag, alg, id, b64] = fields;
  if ((tag !== PUBLIC_KEY_TAG && tag !== PRIVATE_KEY_TAG) || fields.length !== 4)
    throw new KeyFormatError("BAD_KEY_FILE", `${what}: not a tgvx key file; expected a line like ${example}`);
  if (alg !== KEY_ALGORITHM) throw new KeyFormatError("BAD_KEY_FILE", `${what}: key algorithm "${alg}"; tgvx keys are ${KEY_ALGORITHM}`);
  if (!/^[0-9a-f]{16}$/.test(id)) throw new KeyFormatError("BAD_KEY_FILE", `${what}: key id "${id}" is not 16 lowercase hex digits`);
  const bytes = fromBase64(b64);
  if (!bytes || bytes.length !== ED25519_KEY_SIZE)
    throw new KeyFormatError("BAD_KEY_FILE", `${what}: the key is not ${ED25519_KEY_SIZE} bytes of base64 (the file is damaged; copy it again)`);
  return { tag, id, bytes };
}

/** Parse the text of a public key file (`NAME.pub`). Throws `KeyFormatError`. */
export async function parsePublicKey(text: string, what = "public key"): Promise<PublicKey> {
  const { tag, id, bytes } = parseKeyLine(text, what);
  if (tag === PRIVATE_KEY_TAG)
    throw new KeyFormatError("WRONG_KEY_KIND", `${what} is a PRIVATE key: give the public half (the .pub file) and keep the private one secret`);
  const actual = await keyIdOf(bytes);
  if (actual !== id) throw new KeyFormatError("KEY_ID_MISMATCH", `${what}: the line says key id ${id} but the key's id is ${actual}: the file was edited or damaged`);
  return { id, raw: bytes };
}

export function formatPublicKey(key: PublicKey): string {
  return (
    `# tgvx signing key ${key.id}: public half. Give it to engines (trusted keys) so they accept\n` +
    `# databases and patches signed with the private half.\n` +
    `${PUBLIC_KEY_TAG} ${KEY_ALGORITHM} ${key.id} ${toBase64(key.raw)}\n`
  );
}

/** A public key from any accepted form. Throws `KeyFormatError`. */
export async function toPublicKey(key: TrustedKey, what = "trusted key"): Promise<PublicKey> {
  if (typeof key === "string") return parsePublicKey(key, what);
  if (key instanceof Uint8Array) {
    if (key.length !== ED25519_KEY_SIZE) throw new KeyFormatError("BAD_KEY_FILE", `${what}: a raw ed25519 public key is ${ED25519_KEY_SIZE} bytes, not ${key.length}`);
    return { id: await keyIdOf(key), raw: key.slice() };
  }
  if (key.raw.length !== ED25519_KEY_SIZE || (await keyIdOf(key.raw)) !== key.id)
    throw new KeyFormatError("KEY_ID_MISMATCH", `${what}: key id ${key.id} does not belong to its key bytes`);
  return key;
}

/**
 * The id and 32-byte seed of a private key file's text (`NAME.key`). Whether the id belongs to
 * the seed needs the public key, which the signing side derives (`@tgvx/compiler`).
 */
export function parsePrivateKeyText(text: string, what = "private key"): { id: string; seed: Uint8Array } {
  const { tag, id, bytes } = parseKeyLine(text, what);
  if (tag === PUBLIC_KEY_TAG) throw new KeyFormatError("WRONG_KEY_KIND", `${what} is a public key: signing needs the private key file (NAME.key from tgvx keygen)`);
  return { id, seed: bytes };
}

export function formatPrivateKey(id: string, seed: Uint8Array): string {
  return (
    `# tgvx signing key ${id}: PRIVATE half. Whoever holds this file can sign databases and patches\n` +
    `# that engines trusting ${id} will load. Keep it out of version control, mode 0600.\n` +
    `${PRIVATE_KEY_TAG} ${KEY_ALGORITHM} ${id} ${toBase64(seed)}\n`
  );
}
