/**
 * The release folder `tgvx release` writes and `tgvx patch` reads:
 *
 *   releases/<version>/main.tgvxdb                      the signed database
 *   releases/<version>/manifest.json                    what it is: sizes, SHA-256s, key id, signature, patches
 *   releases/<version>/patches/<old>-to-<version>.tgvxpatch   signed patches from earlier releases
 */
import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "./io.js";

export const RELEASE_DATABASE = "main.tgvxdb";
export const RELEASE_MANIFEST = "manifest.json";

export interface ReleasePatchEntry {
  /** Relative to the release folder. */
  file: string;
  from: number;
  fromContentSha256: string;
  bytes: number;
  sha256: string;
  removed: number;
  added: number;
  replaced: number;
}

export interface ReleaseManifest {
  format: "tgvx-release";
  formatVersion: 1;
  version: number;
  created: string;
  database: {
    file: string;
    bytes: number;
    /** SHA-256 of the whole file (as sha256sum prints it). */
    sha256: string;
    /** The header digest: SHA-256 of the content (bytes 112..end), the same signed or not. */
    contentSha256: string;
    formatVersion: number;
    records: number;
    buildTime: number;
  };
  signature: {
    algorithm: "ed25519";
    keyId: string;
    /** base64; it is also in the database header (bytes 40..104). */
    value: string;
    message: string;
  };
  previous: number | null;
  patches: ReleasePatchEntry[];
  notes?: string;
}

export interface ReleaseEntry {
  version: number;
  dir: string;
  manifest: ReleaseManifest;
}

/** The releases in `dir` (folders named by a version number holding a manifest), oldest first. */
export async function listReleases(dir: string): Promise<ReleaseEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new UserError(`cannot read the release folder ${dir}: ${(err as Error).message}`);
  }
  const out: ReleaseEntry[] = [];
  for (const n of names) {
    if (!/^[1-9]\d*$/.test(n)) continue;
    const rdir = join(dir, n);
    if (!existsSync(join(rdir, RELEASE_MANIFEST))) continue;
    out.push({ version: Number(n), dir: rdir, manifest: await readManifest(rdir) });
  }
  return out.sort((a, b) => a.version - b.version);
}

export async function readManifest(releaseDir: string): Promise<ReleaseManifest> {
  const p = join(releaseDir, RELEASE_MANIFEST);
  let m: ReleaseManifest;
  try {
    m = JSON.parse(await readFile(p, "utf8")) as ReleaseManifest;
  } catch (err) {
    throw new UserError(`cannot read the release manifest ${p}: ${(err as Error).message}`);
  }
  if (m?.format !== "tgvx-release" || typeof m.version !== "number" || typeof m.database?.file !== "string")
    throw new UserError(`${p} is not a tgvx release manifest`);
  return m;
}

/** A database argument: a tgvxdb file, or a release folder (its database). */
export async function databasePathOf(arg: string): Promise<string> {
  let isDir = false;
  try {
    isDir = statSync(arg).isDirectory();
  } catch {
    throw new UserError(`${arg}: no such file or release folder`);
  }
  if (!isDir) return arg;
  if (!existsSync(join(arg, RELEASE_MANIFEST))) throw new UserError(`${arg} is a folder without a ${RELEASE_MANIFEST}: give a database file or a release folder`);
  return join(arg, (await readManifest(arg)).database.file);
}
