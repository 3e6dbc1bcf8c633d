/**
 * Applying patches: verify each patch's signature against the trusted keys, check that it starts
 * from the database at hand, apply its record changes, re-encode, and check that the result is the
 * released target byte for byte (content digest and whole-file SHA-256). Nothing is returned
 * unless every patch of the chain applied; the caller's bytes are never modified.
 */
import { databaseImage } from "./database-image.js";
import { DatabaseError, PatchError, type PatchErrorCode } from "./errors.js";
import { openDatabase, type Database } from "./from-binary.js";
import type { TrustedKey } from "./keys.js";
import { readPatchBody, readPatchInfo } from "./patch-from-binary.js";
import { checkHeaderSignature, PATCH_SIGNATURE_CONTEXT, toPublicKeys } from "./signature.js";
import { fromHex, sha256, toHex } from "./sha256.js";
import { encodeDatabase, type RecordImage } from "./to-binary.js";
import * as L from "./tgvxdb-layout.js";

export interface PatchOptions {
  /**
   * Public keys whose patch signatures are accepted (as for `Engine.load`). Patches are always
   * checked: there is no unsigned opt-out for updates.
   */
  trustedKeys: readonly TrustedKey[];
}

export interface AppliedPatch {
  /** Position of the patch in the chain given. */
  index: number;
  from: { dbVersion: number; sha256: string };
  to: { dbVersion: number; sha256: string };
  /** The key that signed the patch. */
  keyId: string;
  /** The database already was this patch's target: nothing was applied. */
  alreadyApplied: boolean;
  removed: number;
  added: number;
  replaced: number;
  patchBytes: number;
}

export interface PatchResult {
  /** The database after the whole chain: the released target file, byte for byte. */
  bytes: Uint8Array;
  dbVersion: number;
  /** Content SHA-256 of the result, hex. */
  sha256: string;
  steps: AppliedPatch[];
}

const short = (sha: string) => sha.slice(0, 12);

function fail(code: PatchErrorCode, message: string): never {
  throw new PatchError(code, message);
}

/** Apply one patch. See `applyPatches`. */
export function applyPatch(base: Uint8Array, patch: Uint8Array, options: PatchOptions): Promise<PatchResult> {
  return applyPatches(base, [patch], options);
}

/**
 * Apply a chain of patches in order to a database. Each patch must be signed by a trusted key and
 * start from the database the previous one produced; a patch whose target the database already
 * is counts as applied (re-running an update is harmless). Throws `PatchError` with a code, a
 * message saying what to do, and the index of the refused patch; the input is never modified.
 */
export async function applyPatches(base: Uint8Array, patches: readonly Uint8Array[], options: PatchOptions): Promise<PatchResult> {
  const keys = await toPublicKeys(options.trustedKeys);
  if (!keys.length)
    fail("UNTRUSTED_KEY", "no trusted key given: a patch is applied only when it is signed by a trusted key; give the publisher's public key");
  let current: Database;
  try {
    current = await openDatabase(base);
  } catch (err) {
    if (!(err instanceof DatabaseError)) throw err;
    fail("WRONG_BASE", `the current database is damaged (${err.code}: ${err.message}); it cannot be patched: install the full database`);
  }
  const steps: AppliedPatch[] = [];
  for (const [index, patch] of patches.entries()) {
    try {
      const step = await applyOne(current, patch, keys, index, steps.at(-1));
      steps.push(step.report);
      current = step.db;
    } catch (err) {
      if (!(err instanceof PatchError)) throw err;
      throw new PatchError(err.code, patches.length > 1 ? `patch ${index + 1} of ${patches.length}: ${err.message}` : err.message, index);
    }
  }
  return { bytes: current.bytes, dbVersion: current.info.dbVersion, sha256: current.info.sha256, steps };
}

async function applyOne(
  current: Database,
  patch: Uint8Array,
  keys: Awaited<ReturnType<typeof toPublicKeys>>,
  index: number,
  previous: AppliedPatch | undefined,
): Promise<{ db: Database; report: AppliedPatch }> {
  const info = await readPatchInfo(patch);
  const sig = await checkHeaderSignature(patch, PATCH_SIGNATURE_CONTEXT, keys);
  const trusted = keys.map((k) => k.id).join(", ");
  if (sig.status === "unsigned") fail("UNSIGNED", "patch is not signed: only patches signed by a trusted key are applied");
  if (sig.status === "unknown-key")
    fail("UNTRUSTED_KEY", `patch is signed by key ${sig.keyId}, which is not a trusted key (trusted: ${trusted}): it comes from another publisher, or its public key is missing`);
  if (sig.status === "bad")
    fail("BAD_SIGNATURE", `patch signature does not verify with trusted key ${sig.keyId}: the patch was altered after it was signed, or the signature is forged; fetch it again from the publisher`);

  const { base, target } = info;
  if (target.dbVersion <= base.dbVersion)
    fail("VERSION_NOT_NEWER", `patch goes from version ${base.dbVersion} to ${target.dbVersion}: versions only move forward, so this patch is invalid`);
  const have = current.info;
  const report = (db: Database, counts: { removed: number; added: number; replaced: number }, alreadyApplied: boolean): AppliedPatch => ({
    index,
    from: { dbVersion: base.dbVersion, sha256: base.sha256 },
    to: { dbVersion: db.info.dbVersion, sha256: db.info.sha256 },
    keyId: sig.keyId,
    alreadyApplied,
    ...counts,
    patchBytes: patch.length,
  });
  if (target.sha256 === have.sha256) return { db: current, report: report(current, { removed: 0, added: 0, replaced: 0 }, true) };
  if (base.sha256 !== have.sha256) {
    const after = previous ? ` after patch ${index}` : "";
    if (target.dbVersion <= have.dbVersion)
      fail(
        "VERSION_NOT_NEWER",
        `patch updates version ${base.dbVersion} to ${target.dbVersion}, but the database is already version ${have.dbVersion}${after}: the patch is older than the database; nothing to apply`,
      );
    if (base.dbVersion > have.dbVersion)
      fail(
        "CHAIN_GAP",
        `patch starts at version ${base.dbVersion}, but the database is version ${have.dbVersion}${after}: the patches from version ${have.dbVersion} to ${base.dbVersion} are missing; apply them first, or get one patch from version ${have.dbVersion} to the newest (or the full database)`,
      );
    fail(
      "WRONG_BASE",
      `patch is for database version ${base.dbVersion} (SHA-256 ${short(base.sha256)}), but the database is version ${have.dbVersion} (SHA-256 ${short(have.sha256)})${after}: it was made for another database; get the patch from version ${have.dbVersion} (or the full database)`,
    );
  }
  if (target.formatVersion !== L.FORMAT_VERSION)
    fail("UNSUPPORTED_FORMAT", `patch makes a database of format version ${target.formatVersion}; this engine reads version ${L.FORMAT_VERSION}: update the engine`);

  const body = readPatchBody(patch, info);
  const image = databaseImage(current);
  const records = applyRecords(image.records, body.removed, body.put);
  const stencils = body.stencils ?? image.stencils;
  let bytes: Uint8Array;
  try {
    bytes = await encodeDatabase({ dbVersion: target.dbVersion, buildTime: target.buildTime, records, ...(stencils?.length ? { stencils } : {}) });
  } catch (err) {
    // Signed by a trusted key, yet not encodable: a broken patch, not a reason to crash.
    return fail("CORRUPT", `the patched database cannot be encoded (${(err as Error).message}): the patch is damaged`);
  }
  const digest = toHex(bytes.subarray(L.H_DIGEST, L.H_DIGEST + 32));
  if (digest !== target.sha256 || bytes.length !== target.fileLength)
    fail(
      "TARGET_MISMATCH",
      `the patched database has content SHA-256 ${short(digest)} (${bytes.length} bytes), but the patch promises ${short(target.sha256)} (${target.fileLength} bytes): this engine builds databases differently from the tool that made the patch; install the full database`,
    );
  bytes.set(target.signature, L.H_SIGNATURE);
  bytes.set(fromHex(target.keyId, L.KEY_ID_SIZE), L.H_KEY_ID);
  const fileSha = toHex(await sha256(bytes));
  if (fileSha !== target.fileSha256)
    fail("TARGET_MISMATCH", `the patched file has SHA-256 ${short(fileSha)}, but the patch promises ${short(target.fileSha256)}: its signature block differs; fetch the patch again`);
  let db: Database;
  try {
    db = await openDatabase(bytes);
  } catch (err) {
    if (!(err instanceof DatabaseError)) throw err;
    return fail("TARGET_MISMATCH", `the patched database does not open (${err.code}: ${err.message})`);
  }
  const added = body.put.filter((p) => p.baseRev === undefined).length;
  return { db, report: report(db, { removed: body.removed.length, added, replaced: body.put.length - added }, false) };
}

/** The base's records with the patch's removals and puts, each checked against the base by id and rev. */
function applyRecords(
  base: readonly RecordImage[],
  removed: readonly { id: number; rev: number }[],
  put: readonly { record: RecordImage; baseRev?: number }[],
): RecordImage[] {
  const byId = new Map<number, RecordImage>();
  for (const r of base) byId.set(r.id, r);
  const id = (n: number) => `0x${n.toString(16)}`;
  for (const r of removed) {
    const had = byId.get(r.id);
    if (!had) fail("CORRUPT", `patch removes record ${id(r.id)}, which the database does not have`);
    if (had.rev !== r.rev) fail("CORRUPT", `patch removes record ${id(r.id)} rev ${r.rev}, but the database has rev ${had.rev}`);
    byId.delete(r.id);
  }
  for (const p of put) {
    const had = byId.get(p.record.id);
    if (p.baseRev === undefined) {
      if (had) fail("CORRUPT", `patch adds record ${id(p.record.id)}, which the database already has (rev ${had.rev})`);
    } else if (!had) fail("CORRUPT", `patch replaces record ${id(p.record.id)}, which the database does not have`);
    else if (had.rev !== p.baseRev) fail("CORRUPT", `patch replaces record ${id(p.record.id)} rev ${p.baseRev}, but the database has rev ${had.rev}`);
    byId.set(p.record.id, p.record);
  }
  return [...byId.values()];
}

