/**
 * Opening a database file for a command, with the engine's refusal turned into a user message,
 * and the CLI's signature policy:
 *   - no trusted key configured (no --trusted-key, no $TGVX_TRUSTED_KEYS): development mode; any
 *     intact database loads, and one warning line on stderr says its signature was not checked;
 *   - trusted keys configured: only databases signed by one of them load; --allow-unsigned also
 *     accepts an unsigned one, with the warning.
 */
import { readFileSync } from "node:fs";
import { Option } from "commander";
import { DatabaseError, Engine, openDatabase, type Database, type LoadOptions } from "@tgvx/engine/core";
import { readTrustedKeys } from "./key-files.js";
import { resolveDbPath, UserError } from "./io.js";

/** The signature options of commands that use a database (`addOption` each). */
export interface TrustCliOptions {
  trustedKey?: string[];
  allowUnsigned?: boolean;
}

export function trustedKeyOption(): Option {
  return new Option(
    "--trusted-key <file>",
    "accept only databases signed by this public key (KEY.pub from `tgvx keygen`); repeat for several (default: $TGVX_TRUSTED_KEYS, files separated by ':'). Without any, a database loads unchecked, with a warning (development)",
  ).argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
}

export function allowUnsignedOption(): Option {
  return new Option("--allow-unsigned", "with a trusted key: still accept an unsigned (development) database, with a warning");
}

const HINT: Partial<Record<DatabaseError["code"], string>> = {
  UNSIGNED: "; add --allow-unsigned to use it anyway",
  UNTRUSTED_KEY: "; give the publisher's public key with --trusted-key",
};

async function readDatabaseFile(path: string): Promise<Uint8Array> {
  try {
    return readFileSync(path); // sync: one file, read before anything else can run
  } catch (err) {
    throw new UserError(`cannot read database ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}

/**
 * Read and load the database a command uses. `trust` undefined: an inspecting command (info,
 * decompile), which loads any intact database silently; otherwise the policy above.
 */
export async function loadEngine(given: string | undefined, trust?: TrustCliOptions): Promise<{ engine: Engine; path: string }> {
  const path = resolveDbPath(given);
  const bytes = await readDatabaseFile(path);
  const keys = trust ? (await readTrustedKeys(trust.trustedKey)).keys : [];
  const options: LoadOptions = keys.length ? { trustedKeys: keys, allowUnsigned: !!trust?.allowUnsigned } : { allowUnsigned: true };
  let engine: Engine;
  try {
    engine = await Engine.load(bytes, options);
  } catch (err) {
    if (err instanceof DatabaseError) throw new UserError(`database ${path} refused (${err.code}): ${err.message}${HINT[err.code] ?? ""}`);
    throw err;
  }
  if (trust) {
    const t = engine.trust;
    if (t.signature === "unsigned")
      process.stderr.write(
        keys.length
          ? `tgvx: warning: ${path} is not signed: accepted because of --allow-unsigned (development database)\n`
          : `tgvx: warning: ${path} is not signed: used without any signature check (development database); give --trusted-key KEY.pub or set TGVX_TRUSTED_KEYS to accept only signed releases\n`,
      );
    else if (t.signature === "not-checked")
      process.stderr.write(`tgvx: warning: ${path} is signed by key ${t.keyId}, but no trusted key was given: its signature was not checked; give --trusted-key KEY.pub or set TGVX_TRUSTED_KEYS\n`);
  }
  return { engine, path };
}

/**
 * Read and verify a database file (length, digest, structure) without making an engine of it: for
 * commands that describe a database, including one this engine would refuse (a module it lacks).
 */
export async function readDatabase(given: string | undefined): Promise<{ db: Database; path: string }> {
  const path = resolveDbPath(given);
  const bytes = await readDatabaseFile(path);
  try {
    return { db: await openDatabase(bytes), path };
  } catch (err) {
    if (err instanceof DatabaseError) throw new UserError(`database ${path} refused (${err.code}): ${err.message}`);
    throw err;
  }
}
