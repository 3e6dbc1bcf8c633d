/**
 * Release signing: ed25519 keys (Web Crypto), and signatures over the content digest of databases
 * and patches. Signing writes only the signature block (signature and key id), outside the digest,
 * so a database keeps its content SHA-256 (its identity) when signed. Key file text formats are
 * defined in `@tgvx/engine` (keys.ts), next to the verifying side.
 */
import {
  COVERED_FROM,
  DATABASE_SIGNATURE_CONTEXT,
  H_DIGEST,
  H_KEY_ID,
  H_SIGNATURE,
  KeyFormatError,
  PATCH_SIGNATURE_CONTEXT,
  fromBase64,
  formatPrivateKey,
  formatPublicKey,
  fromHex,
  keyIdOf,
  openDatabase,
  parsePrivateKeyText,
  readPatchInfo,
  sha256,
  signedMessage,
  toHex,
  verifyEd25519,
  type PublicKey,
} from "@tgvx/engine";

/** A private signing key, ready to sign. */
export interface SigningKey {
  id: string;
  publicKey: PublicKey;
  /** @internal The 32-byte seed (only for writing the key file). */
  seed: Uint8Array;
  privateKey: CryptoKey;
}

// PKCS #8 wrapping of an ed25519 seed (RFC 8410): the fixed prefix, then the 32 bytes.
const PKCS8_PREFIX = fromHex("302e020100300506032b657004220420", 16);

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error("Web Crypto (crypto.subtle) is not available in this runtime: tgvx needs it to sign");
  return s;
}

function base64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = fromBase64(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  if (!bytes) throw new KeyFormatError("BAD_KEY_FILE", "the runtime exported a malformed ed25519 key");
  return bytes;
}

/** The signing key of a 32-byte ed25519 seed. */
export async function signingKeyFromSeed(seed: Uint8Array): Promise<SigningKey> {
  if (seed.length !== 32) throw new KeyFormatError("BAD_KEY_FILE", `an ed25519 private key seed is 32 bytes, not ${seed.length}`);
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(seed, PKCS8_PREFIX.length);
  const extractable = await subtle().importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  const jwk = await subtle().exportKey("jwk", extractable);
  if (!jwk.x) throw new KeyFormatError("BAD_KEY_FILE", "the runtime did not derive the ed25519 public key");
  const raw = base64url(jwk.x);
  const privateKey = await subtle().importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  return { id: await keyIdOf(raw), publicKey: { id: await keyIdOf(raw), raw }, seed: seed.slice(), privateKey };
}

/** A new random signing key. */
export async function generateSigningKey(): Promise<SigningKey> {
  const pair = (await subtle().generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await subtle().exportKey("pkcs8", pair.privateKey));
  return signingKeyFromSeed(pkcs8.subarray(pkcs8.length - 32));
}

/** Parse the text of a private key file (`NAME.key`). Throws `KeyFormatError`. */
export async function parsePrivateKey(text: string, what = "private key"): Promise<SigningKey> {
  const { id, seed } = parsePrivateKeyText(text, what);
  const key = await signingKeyFromSeed(seed);
  if (key.id !== id) throw new KeyFormatError("KEY_ID_MISMATCH", `${what}: the line says key id ${id} but the key's id is ${key.id}: the file was edited or damaged`);
  return key;
}

/** The two key files' text: the private one (keep secret) and the public one (give to engines). */
export function keyFiles(key: SigningKey): { privateText: string; publicText: string } {
  return { privateText: formatPrivateKey(key.id, key.seed), publicText: formatPublicKey(key.publicKey) };
}

async function signHeader(bytes: Uint8Array, key: SigningKey, context: string): Promise<Uint8Array> {
  const out = bytes.slice();
  const digest = out.subarray(H_DIGEST, H_DIGEST + 32);
  const actual = await sha256(out.subarray(COVERED_FROM));
  if (!actual.every((b, i) => b === digest[i])) throw new RangeError(`refusing to sign: the content SHA-256 is ${toHex(actual)} but the header says ${toHex(digest)}`);
  const message = signedMessage(context, digest);
  const signature = new Uint8Array(await subtle().sign({ name: "Ed25519" }, key.privateKey, message as Uint8Array<ArrayBuffer>));
  // Sign, then check with the public half: a key file whose halves do not match never ships a signature.
  if (!(await verifyEd25519(key.publicKey.raw, signature, message))) throw new Error(`signing key ${key.id} produced a signature its public key does not verify`);
  out.set(signature, H_SIGNATURE);
  out.set(fromHex(key.id, 8), H_KEY_ID);
  return out;
}

/**
 * Sign a database: a copy with the signature block filled (any earlier signature replaced). The
 * content, and so the content SHA-256, is unchanged. Throws `DatabaseError` for a damaged database.
 */
export async function signDatabase(bytes: Uint8Array, key: SigningKey): Promise<Uint8Array> {
  await openDatabase(bytes);
  return signHeader(bytes, key, DATABASE_SIGNATURE_CONTEXT);
}

/** Sign a patch (a copy). Throws `PatchError` for a damaged patch. */
export async function signPatch(bytes: Uint8Array, key: SigningKey): Promise<Uint8Array> {
  await readPatchInfo(bytes);
  return signHeader(bytes, key, PATCH_SIGNATURE_CONTEXT);
}
