/** What every container reader gives the recursion. */
import type { Budget } from "./limits.js";

export interface Member {
  /** Name inside the container (path for archives, file name for attachments). */
  name: string;
  bytes: Uint8Array;
}

export interface ContainerWarning {
  code: string;
  message: string;
}

export interface ExtractContext {
  budget: Budget;
  warn(code: string, message: string): void;
  /** Members that could not be scanned (encrypted, unsupported method): the object is incomplete. */
  skip(name: string, reason: string): void;
}

/** A reader yields members one at a time so only one is held in memory per level. */
export type Extractor = (bytes: Uint8Array, name: string, ctx: ExtractContext) => Iterable<Member>;

/** The name a single-stream container's content gets: `notes.txt.gz` -> `notes.txt`. */
export function innerName(name: string, extensions: readonly string[], fallback: string): string {
  const base = name.split("/").pop() ?? name;
  for (const ext of extensions) if (base.toLowerCase().endsWith(ext) && base.length > ext.length) return base.slice(0, -ext.length);
  return fallback;
}
