/**
 * Making a signed patch from one released database to a newer one: the records removed, added
 * and replaced (by id, with the base's rev), in the engine's patch format (tgvxpatch-layout.ts).
 * The patch is applied once before it is returned, and must give the new database byte for byte.
 */
import {
  applyPatch,
  checkHeaderSignature,
  databaseImage,
  DATABASE_SIGNATURE_CONTEXT,
  canonicalJson,
  encodePatch,
  encodePatchRecord,
  H_SIGNATURE,
  openDatabase,
  SIGNATURE_SIZE,
  sha256,
  toHex,
  type RecordImage,
  type RecordPut,
} from "@tgvx/engine";
import { signPatch, type SigningKey } from "./signing.js";

export type MakePatchErrorCode = "TARGET_UNSIGNED" | "KEY_MISMATCH" | "BAD_TARGET_SIGNATURE" | "VERSION_NOT_NEWER" | "SELF_CHECK_FAILED";

/** Why no patch was made. */
export class MakePatchError extends Error {
  override readonly name = "MakePatchError";
  constructor(
    readonly code: MakePatchErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface PatchSummary {
  base: { dbVersion: number; sha256: string; bytes: number };
  target: { dbVersion: number; sha256: string; fileSha256: string; bytes: number; keyId: string };
  removed: number;
  added: number;
  replaced: number;
  /** The stencils differ, and the patch carries the new ones whole. */
  stencilsChanged: boolean;
  /** Ids of records whose content changed while their rev did not (shipped anyway; the rev should be bumped). */
  revNotBumped: number[];
  /** Size of the patch file. */
  bytes: number;
  /** SHA-256 of the patch file, hex. */
  fileSha256: string;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Make a signed patch that turns `oldBytes` into `newBytes`. The new database must be signed with
 * `key` (as `tgvx release` does) and have a higher version. Throws `MakePatchError`, or
 * `DatabaseError` when either database is damaged.
 */
export async function makePatch(oldBytes: Uint8Array, newBytes: Uint8Array, key: SigningKey): Promise<{ bytes: Uint8Array; summary: PatchSummary }> {
  const oldDb = await openDatabase(oldBytes);
  const newDb = await openDatabase(newBytes);
  const n = newDb.info;
  const o = oldDb.info;
  if (!n.signed) throw new MakePatchError("TARGET_UNSIGNED", `the new database (version ${n.dbVersion}) is not signed: patches deliver signed releases; make it with tgvx release`);
  if (n.keyId !== key.id)
    throw new MakePatchError("KEY_MISMATCH", `the new database is signed by key ${n.keyId}, but the patch would be signed by key ${key.id}: sign patches with the key that signed the release`);
  const sig = await checkHeaderSignature(newBytes, DATABASE_SIGNATURE_CONTEXT, [key.publicKey]);
  if (sig.status !== "verified") throw new MakePatchError("BAD_TARGET_SIGNATURE", `the new database's signature does not verify with key ${key.id}: it was altered after signing`);
  if (n.dbVersion <= o.dbVersion)
    throw new MakePatchError("VERSION_NOT_NEWER", `the new database is version ${n.dbVersion}, not newer than the old one (${o.dbVersion}): versions only move forward`);

  const before = databaseImage(oldDb).records;
  const after = databaseImage(newDb).records;
  const removed: { id: number; rev: number }[] = [];
  const put: RecordPut[] = [];
  const revNotBumped: number[] = [];
  let i = 0;
  let j = 0;
  const add = (r: RecordImage) => put.push({ record: r });
  while (i < before.length || j < after.length) {
    const a = before[i];
    const b = after[j];
    if (b === undefined || (a !== undefined && a.id < b.id)) {
      removed.push({ id: a.id, rev: a.rev });
      i++;
    } else if (a === undefined || b.id < a.id) {
      add(b);
      j++;
    } else {
      if (!sameBytes(encodePatchRecord(a), encodePatchRecord(b))) {
        put.push({ record: b, baseRev: a.rev });
        if (a.rev === b.rev) revNotBumped.push(a.id);
      }
      i++;
      j++;
    }
  }
  const stencilsBefore = canonicalJson(oldDb.stencils());
  const stencils = newDb.stencils();
  const stencilsChanged = canonicalJson(stencils) !== stencilsBefore;
  const fileSha256 = toHex(await sha256(newBytes));
  const unsigned = await encodePatch({
    base: { dbVersion: o.dbVersion, sha256: o.sha256 },
    target: {
      dbVersion: n.dbVersion,
      formatVersion: n.formatVersion,
      buildTime: n.buildTime,
      sha256: n.sha256,
      fileSha256,
      fileLength: newBytes.length,
      signature: newBytes.slice(H_SIGNATURE, H_SIGNATURE + SIGNATURE_SIZE),
      keyId: n.keyId,
    },
    removed,
    put,
    ...(stencilsChanged ? { stencils } : {}),
  });
  const bytes = await signPatch(unsigned, key);
  // The applier re-encodes the target: prove now that it gives the released bytes.
  try {
    const check = await applyPatch(oldBytes, bytes, { trustedKeys: [key.publicKey] });
    if (!sameBytes(check.bytes, newBytes)) throw new Error("the patched bytes differ from the new database");
  } catch (err) {
    throw new MakePatchError("SELF_CHECK_FAILED", `the patch does not reproduce the new database (${(err as Error).message}): was it built by another version of tgvx? Patch nothing; ship the full database`);
  }
  const added = put.filter((p) => p.baseRev === undefined).length;
  return {
    bytes,
    summary: {
      base: { dbVersion: o.dbVersion, sha256: o.sha256, bytes: oldBytes.length },
      target: { dbVersion: n.dbVersion, sha256: n.sha256, fileSha256, bytes: newBytes.length, keyId: key.id },
      removed: removed.length,
      added,
      replaced: put.length - added,
      stencilsChanged,
      revNotBumped,
      bytes: bytes.length,
      fileSha256: toHex(await sha256(bytes)),
    },
  };
}
