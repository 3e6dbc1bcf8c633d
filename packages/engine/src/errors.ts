/** Errors the engine returns to embedders: a code to branch on, and a message saying what to do. */

export type DatabaseErrorCode =
  | "TOO_SHORT"
  | "BAD_MAGIC"
  | "TRUNCATED"
  | "CHECKSUM_MISMATCH"
  | "UNSUPPORTED_FORMAT"
  | "MALFORMED"
  | "MISSING_MODULE";

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
