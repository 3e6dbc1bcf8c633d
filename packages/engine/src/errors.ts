/** Errors the engine returns to embedders: a code to branch on, and a message saying what to do. */

export type DatabaseErrorCode =
  | "TOO_SHORT"
  | "BAD_MAGIC"
  | "TRUNCATED"
  | "CHECKSUM_MISMATCH"
  | "UNSUPPORTED_FORMAT"
  | "MALFORMED"
  | "MISSING_MODULE"
  /** A record's module cannot do what the record needs, or its args fail the module's schema: built for another engine. */
  | "MODULE_MISMATCH"
  /** No signature, and unsigned databases were not allowed (`allowUnsigned`). */
  | "UNSIGNED"
  /** Signed by a key that is not among the trusted keys (or no trusted key was given). */
  | "UNTRUSTED_KEY"
  /** Signed by a trusted key's id, but the signature does not verify: altered or forged. */
  | "BAD_SIGNATURE"
  /** Its version is not above the version in use: updates only move forward. */
  | "VERSION_NOT_NEWER";

/** A database was refused; the engine keeps whatever database it had before. */
export class DatabaseError extends Error {
  override readonly name = "DatabaseError";
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type PatchErrorCode =
  /** Shorter than its header says (or than a header): an interrupted download. */
  | "TRUNCATED"
  /** Not a tgvx patch at all (bad magic). */
  | "NOT_A_PATCH"
  /** A patch format, or a target database format, this engine does not read. */
  | "UNSUPPORTED_FORMAT"
  /** The patch's checksum fails, or its signed content does not parse or does not fit its base. */
  | "CORRUPT"
  | "UNSIGNED"
  | "UNTRUSTED_KEY"
  | "BAD_SIGNATURE"
  /** Made for another database than the current one (or the current one is damaged). */
  | "WRONG_BASE"
  /** Starts at a later version than the current one: the patches in between are missing. */
  | "CHAIN_GAP"
  /** Would not move the database forward (its target is not newer than the current version). */
  | "VERSION_NOT_NEWER"
  /** Applied, but the result is not the database the patch promises (SHA-256 differs). */
  | "TARGET_MISMATCH";

/** A patch was refused; the database it was to be applied to is unchanged. */
export class PatchError extends Error {
  override readonly name = "PatchError";
  constructor(
    readonly code: PatchErrorCode,
    message: string,
    /** Position of the refused patch in the chain given to `applyPatches` (0-based). */
    readonly index?: number,
  ) {
    super(message);
  }
}
