/**
 * Ed25519 signatures over a header's content digest, checked against the keys the embedder
 * trusts. Databases (tgvxdb-layout.ts) and patches (tgvxpatch-layout.ts) share the header block:
 * digest at 8 (32 bytes), signature at 40 (64), key id at 104 (8), content from 112. The signed
 * message is a context string, a zero byte and the digest, so a database signature can never pass
 * as a patch signature or the other way round. Web Crypto only: no Node API.
 */
import { DatabaseError } from "./errors.js";
import type { Database } from "./from-binary.js";
import { toPublicKey, type PublicKey, type TrustedKey } from "./keys.js";
import { toHex } from "./sha256.js";
import * as L from "./tgvxdb-layout.js";

export const DATABASE_SIGNATURE_CONTEXT = "tgvxdb signature v1";
export const PATCH_SIGNATURE_CONTEXT = "tgvxpatch signature v1";

/** The bytes an ed25519 signature is made over: context, 0, digest. */
export function signedMessage(context: string, digest: Uint8Array): Uint8Array {
  const c = new TextEncoder().encode(context);
  const out = new Uint8Array(c.length + 1 + digest.length);
  out.set(c, 0);
  out.set(digest, c.length + 1);
  return out;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error("Web Crypto (crypto.subtle) is not available in this runtime: tgvx needs it to verify signatures");
  return s;
}

/** Verify an ed25519 signature with a raw 32-byte public key. */
export async function verifyEd25519(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  const key = await subtle().importKey("raw", publicKey as Uint8Array<ArrayBuffer>, { name: "Ed25519" }, false, ["verify"]);
  return subtle().verify({ name: "Ed25519" }, key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
}

export type SignatureCheck =
  | { status: "unsigned" }
  | { status: "verified"; keyId: string }
  /** Signed by a key that is not among the given ones. */
  | { status: "unknown-key"; keyId: string }
  /** Signed with a given key's id, but the signature does not verify. */
  | { status: "bad"; keyId: string };

/** The key id in a header's signature block, or undefined when unsigned (all zero). */
export function headerKeyId(bytes: Uint8Array): string | undefined {
  const id = bytes.subarray(L.H_KEY_ID, L.H_KEY_ID + L.KEY_ID_SIZE);
  return id.some((b) => b !== 0) ? toHex(id) : undefined;
}

/**
 * Check the signature block of a header whose digest was already verified against its content.
 * Never throws for a bad or unknown signature: says which it is.
 */
export async function checkHeaderSignature(bytes: Uint8Array, context: string, keys: readonly PublicKey[]): Promise<SignatureCheck> {
  const keyId = headerKeyId(bytes);
  if (!keyId) return { status: "unsigned" };
  const key = keys.find((k) => k.id === keyId);
  if (!key) return { status: "unknown-key", keyId };
  const digest = bytes.subarray(L.H_DIGEST, L.H_DIGEST + 32);
  const signature = bytes.subarray(L.H_SIGNATURE, L.H_SIGNATURE + L.SIGNATURE_SIZE);
  return (await verifyEd25519(key.raw, signature, signedMessage(context, digest))) ? { status: "verified", keyId } : { status: "bad", keyId };
}

/** Parse every trusted key (throws `KeyFormatError` naming the one that is wrong). */
export async function toPublicKeys(keys: readonly TrustedKey[] | undefined): Promise<PublicKey[]> {
  const out: PublicKey[] = [];
  for (const [i, k] of (keys ?? []).entries()) out.push(await toPublicKey(k, `trusted key ${i + 1}`));
  return out;
}

export interface TrustOptions {
  /**
   * Public keys whose signatures are accepted: the text of a `.pub` file from `tgvx keygen`, the
   * 32 raw bytes, or a parsed `PublicKey`. A signed database must verify with the key of its id.
   * A malformed key throws `KeyFormatError` (a configuration error, not a database refusal).
   */
  trustedKeys?: readonly TrustedKey[];
  /**
   * Development opt-out: also accept databases without a signature. When no `trustedKeys` are
   * given either, a signed database is accepted without checking its signature. Tell your user
   * when this is on (`tgvx` prints a warning for every database it loads this way).
   */
  allowUnsigned?: boolean;
}

/** How a loaded database was trusted. */
export interface DatabaseTrust {
  /**
   * verified: signed by a trusted key; unsigned: no signature (allowed by `allowUnsigned`);
   * not-checked: signed, but no trusted key was given (allowed by `allowUnsigned`).
   */
  signature: "verified" | "unsigned" | "not-checked";
  keyId?: string;
}

const listIds = (keys: readonly PublicKey[]) => keys.map((k) => k.id).join(", ");

/** Decide whether a verified-intact database may be used. Throws `DatabaseError` (UNSIGNED, UNTRUSTED_KEY, BAD_SIGNATURE). */
export async function checkDatabaseTrust(db: Database, options: TrustOptions): Promise<DatabaseTrust> {
  const keys = await toPublicKeys(options.trustedKeys);
  const check = await checkHeaderSignature(db.bytes, DATABASE_SIGNATURE_CONTEXT, keys);
  switch (check.status) {
    case "verified":
      return { signature: "verified", keyId: check.keyId };
    case "bad":
      throw new DatabaseError(
        "BAD_SIGNATURE",
        `database signature does not verify with trusted key ${check.keyId}: the database was altered after it was signed, or the signature is forged; download it again from the publisher`,
      );
    case "unknown-key":
      if (!keys.length && options.allowUnsigned) return { signature: "not-checked", keyId: check.keyId };
      throw new DatabaseError(
        "UNTRUSTED_KEY",
        keys.length
          ? `database is signed by key ${check.keyId}, which is not a trusted key (trusted: ${listIds(keys)}): it comes from another publisher, or its public key is missing from the trusted keys`
          : `database is signed by key ${check.keyId} but no trusted key was given: give the publisher's public key to verify it`,
      );
    case "unsigned":
      if (options.allowUnsigned) return { signature: "unsigned" };
      throw new DatabaseError(
        "UNSIGNED",
        `database is not signed (a development build?): only databases signed by a trusted key are accepted${keys.length ? ` (trusted: ${listIds(keys)})` : ""}; use a signed release, or allow unsigned databases for development`,
      );
  }
}
