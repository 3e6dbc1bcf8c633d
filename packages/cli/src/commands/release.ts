import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import type { Command } from "commander";
import { DatabaseError, Engine, H_SIGNATURE, SIGNATURE_SIZE, sha256, toBase64, toHex } from "@tgvx/engine/core";
import type { Ledger } from "@tgvx/harness";
import type { SourceText } from "@tgvx/records";
import { Exit, formatBytes, printJson, UserError } from "../io.js";
import { readSigningKey } from "../key-files.js";
import { openLedger, resolveLedgerPath } from "../open-ledger.js";
import { listReleases, RELEASE_DATABASE, RELEASE_MANIFEST, type ReleaseEntry, type ReleaseManifest, type ReleasePatchEntry } from "../releases.js";

interface ReleaseOptions {
  key?: string;
  outDir: string;
  dbVersion?: number;
  buildTime?: number;
  patches: number;
  ledger?: string | boolean;
  notes?: string;
  json?: boolean;
}

function parseVersion(v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) throw new UserError(`--db-version must be an integer 1..4294967295, got "${v}"`);
  return n;
}

function parseCount(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 1000) throw new UserError(`--patches takes a number of earlier releases 0..1000, got "${v}"`);
  return Number(v);
}

function parseBuildTime(v: string): number {
  if (v === "now") return Math.floor(Date.now() / 1000);
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UserError(`--build-time takes seconds since the epoch, an ISO date or "now", got "${v}"`);
  return Math.floor(t / 1000);
}

async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, "wx", 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncFolder(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Not supported everywhere; the rename has happened either way.
  }
}

export function register(program: Command): void {
  program
    .command("release")
    .summary("compile, sign and publish a release: releases/<version>/ with database, patches and manifest")
    .description(
      "Compile the records (as `tgvx compile`), sign the database with the private\n" +
        "key (ed25519 over its content SHA-256, in the header: the content SHA-256\n" +
        "stays the database's identity), and write OUT/<version>/: main.tgvxdb (the\n" +
        "signed database), patches/<old>-to-<version>.tgvxpatch (signed patches from\n" +
        "each of the last --patches releases in OUT, so an engine that missed updates\n" +
        "fetches one small file), and manifest.json (sizes, file and content\n" +
        "SHA-256s, key id, signature, patches). The folder appears whole or not at\n" +
        "all. The release is recorded in the ledger (database bytes, record set), so\n" +
        "`tgvx test` gates later builds against it and `tgvx diff` and `tgvx history`\n" +
        "know it.\n\n" +
        "Versions only move forward: the version (default: the latest in OUT plus\n" +
        "one) must be above every release in OUT and in the ledger. Releasing the\n" +
        "same records under an existing version again only completes what is missing\n" +
        "(the ledger entry); other content under an existing version is refused.",
    )
    .argument("[paths...]", "record files or directories", ["db-src"])
    .option("-k, --key <file>", "private signing key from `tgvx keygen` (default: $TGVX_SIGNING_KEY)")
    .option("--out-dir <dir>", "release folder", "releases")
    .option("--db-version <n>", "release version, stored in the header (default: latest release + 1, or 1)", parseVersion)
    .option("--build-time <time>", "stamp the build time (seconds, ISO date, or now); unstamped by default (reproducible)", parseBuildTime)
    .option("--patches <n>", "make patches from this many of the latest earlier releases (0: none)", parseCount, 10)
    .option("--notes <text>", "release notes for the ledger and the manifest")
    .option("--ledger <file>", "ledger to record the release in (default: $TGVX_LEDGER or .tgvx/ledger.sqlite in the project)")
    .option("--no-ledger", "do not record the release in a ledger")
    .option("--json", "print the manifest and where it went as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  tgvx keygen -o keys/release\n" +
        "  tgvx release --key keys/release.key                 releases/1/ from db-src/\n" +
        "  tgvx release --key keys/release.key --notes \"CIH variants\"   releases/2/, with patches/1-to-2.tgvxpatch\n" +
        "  tgvx update --db /var/lib/tgvx/main.tgvxdb --trusted-key keys/release.pub --patch releases/2/patches/1-to-2.tgvxpatch\n\n" +
        "Exit status: 0 released (or already released with the same content), 2 error (record errors, no key,\n" +
        "version not newer, a folder or ledger that cannot be written): nothing is published then.",
    )
    .action(async (paths: string[], opts: ReleaseOptions) => {
      const t0 = performance.now();
      const { key, file: keyFile } = await readSigningKey(opts.key);
      const { compileSources, findRecordFiles, makePatch, MakePatchError, readSources, signDatabase } = await import("@tgvx/compiler");
      const { formatDiagnostic } = await import("@tgvx/records");
      const releases = await listReleases(opts.outDir);
      const latest = releases.at(-1);
      const version = opts.dbVersion ?? (latest ? latest.version + 1 : 1);
      const existing = releases.find((r) => r.version === version);
      if (!existing && latest && version <= latest.version)
        throw new UserError(`release ${version} is not newer than the latest release ${latest.version} in ${opts.outDir}: versions only move forward; release ${latest.version + 1} or later`);

      let files: string[];
      try {
        files = await findRecordFiles(paths);
      } catch (err) {
        throw new UserError(`cannot read ${paths.join(", ")}: ${(err as Error).message}`);
      }
      if (!files.length) throw new UserError(`no record files (*.yaml) found in ${paths.join(", ")}`);
      const sources: SourceText[] = await readSources(files);
      const compiled = await compileSources(sources, { dbVersion: version, buildTime: opts.buildTime });
      for (const d of compiled.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
      if (!compiled.bytes) throw new UserError("the records have errors: nothing released");
      const signed = await signDatabase(compiled.bytes, key);
      let engine: Engine;
      try {
        engine = await Engine.load(signed, { trustedKeys: [key.publicKey] });
      } catch (err) {
        if (err instanceof DatabaseError) throw new UserError(`the signed database does not load (${err.code}): ${err.message}`);
        throw err;
      }
      const info = engine.info;

      if (existing && existing.manifest.database.contentSha256 !== info.sha256)
        throw new UserError(
          `release ${version} exists in ${existing.dir} with other content (SHA-256 ${existing.manifest.database.contentSha256.slice(0, 12)}, this build ${info.sha256.slice(0, 12)}): a version names one database; release ${(latest?.version ?? version) + 1}`,
        );

      const ledgerPath = resolveLedgerPath(opts.ledger);
      const ledger: Ledger | undefined = ledgerPath ? await openLedger(ledgerPath) : undefined;
      try {
        if (ledger) {
          const clash = ledger.releases().find((r) => r.version === String(version) && r.sha256 !== info.sha256);
          if (clash) throw new UserError(`the ledger ${ledger.path} has release ${version} for another database (SHA-256 ${clash.sha256.slice(0, 12)}): a version names one database`);
          const newer = ledger.releases().filter((r) => /^\d+$/.test(r.version) && Number(r.version) > version);
          if (newer.length && !existing)
            throw new UserError(`the ledger ${ledger.path} has release ${newer.at(-1)!.version} already: versions only move forward; release ${Number(newer.at(-1)!.version) + 1} or later`);
        }

        let manifest: ReleaseManifest;
        let dir: string;
        if (existing) {
          manifest = existing.manifest;
          dir = existing.dir;
          if (!opts.json) process.stdout.write(`release ${version} already exists in ${dir} with the same content: nothing rewritten\n`);
        } else {
          const fileSha = toHex(await sha256(signed));
          const patches: { entry: ReleasePatchEntry; bytes: Uint8Array }[] = [];
          for (const old of opts.patches ? releases.slice(-opts.patches) : []) {
            const made = await patchFrom(old, signed, key, makePatch, MakePatchError);
            if (typeof made === "string") process.stderr.write(`tgvx: warning: no patch from release ${old.version}: ${made}\n`);
            else patches.push(made);
          }
          manifest = {
            format: "tgvx-release",
            formatVersion: 1,
            version,
            created: new Date().toISOString(),
            database: {
              file: RELEASE_DATABASE,
              bytes: signed.length,
              sha256: fileSha,
              contentSha256: info.sha256,
              formatVersion: info.formatVersion,
              records: info.recordCount,
              buildTime: info.buildTime,
            },
            signature: {
              algorithm: "ed25519",
              keyId: key.id,
              value: toBase64(signed.subarray(H_SIGNATURE, H_SIGNATURE + SIGNATURE_SIZE)),
              message: 'UTF-8 "tgvxdb signature v1", a zero byte, then the 32-byte content SHA-256 (header bytes 8..40)',
            },
            previous: latest && latest.version < version ? latest.version : null,
            patches: patches.map((p) => p.entry),
            ...(opts.notes ? { notes: opts.notes } : {}),
          };
          dir = join(opts.outDir, String(version));
          await publish(opts.outDir, dir, signed, patches, manifest);
        }
        if (ledger) {
          const { recordRelease, LedgerError } = await import("@tgvx/harness");
          try {
            await recordRelease(ledger, signed, { version: String(version), file: join(dir, RELEASE_DATABASE), ...(opts.notes ? { notes: opts.notes } : {}) });
          } catch (err) {
            if (err instanceof LedgerError) throw new UserError(`release ${version} is written to ${dir}, but the ledger refused it (${err.code}): ${err.message}`);
            throw err;
          }
        }
        const ms = performance.now() - t0;
        if (opts.json) printJson({ ok: true, dir, keyFile, ledger: ledgerPath ?? null, manifest, ms: Math.round(ms) });
        else if (!existing) {
          const w = (s: string) => process.stdout.write(s + "\n");
          w(`released version ${version} -> ${dir}/ (signed by key ${key.id}) in ${ms.toFixed(0)} ms`);
          w(`  ${RELEASE_DATABASE}  ${formatBytes(signed.length)}, ${info.recordCount} records, content SHA-256 ${info.sha256}`);
          for (const p of manifest.patches)
            w(
              `  ${p.file}  ${formatBytes(p.bytes)} (${((100 * p.bytes) / signed.length).toFixed(2)}% of the database): ` +
                `${p.removed} removed, ${p.added} added, ${p.replaced} replaced`,
            );
          w(`  ${RELEASE_MANIFEST}`);
          if (ledgerPath) w(`recorded in the ledger ${relative(process.cwd(), ledgerPath) || ledgerPath}`);
        }
        process.exitCode = Exit.clean;
      } finally {
        ledger?.close();
      }
    });
}

type MakePatch = typeof import("@tgvx/compiler").makePatch;

async function patchFrom(
  old: ReleaseEntry,
  target: Uint8Array,
  key: import("@tgvx/compiler").SigningKey,
  makePatch: MakePatch,
  MakePatchError: typeof import("@tgvx/compiler").MakePatchError,
): Promise<{ entry: ReleasePatchEntry; bytes: Uint8Array } | string> {
  let base: Uint8Array;
  const path = join(old.dir, old.manifest.database.file);
  try {
    base = await readFile(path);
  } catch (err) {
    return `cannot read ${path}: ${(err as Error).message}`;
  }
  try {
    const { bytes, summary } = await makePatch(base, target, key);
    const version = summary.target.dbVersion;
    return {
      bytes,
      entry: {
        file: `patches/${old.version}-to-${version}.tgvxpatch`,
        from: old.version,
        fromContentSha256: summary.base.sha256,
        bytes: summary.bytes,
        sha256: summary.fileSha256,
        removed: summary.removed,
        added: summary.added,
        replaced: summary.replaced,
      },
    };
  } catch (err) {
    if (err instanceof MakePatchError || err instanceof DatabaseError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

/** Write the release into a temporary folder beside its final place, then rename it: it appears whole or not at all. */
async function publish(outDir: string, dir: string, db: Uint8Array, patches: { entry: ReleasePatchEntry; bytes: Uint8Array }[], manifest: ReleaseManifest): Promise<void> {
  const tmp = join(outDir, `.release-${manifest.version}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await mkdir(tmp, { recursive: true });
    await writeSynced(join(tmp, RELEASE_DATABASE), db);
    if (patches.length) {
      await mkdir(join(tmp, "patches"));
      for (const p of patches) await writeSynced(join(tmp, p.entry.file), p.bytes);
      await syncFolder(join(tmp, "patches"));
    }
    await writeSynced(join(tmp, RELEASE_MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
    await syncFolder(tmp);
    await rename(tmp, dir);
    await syncFolder(outDir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOTEMPTY" || e.code === "EEXIST") throw new UserError(`${dir} appeared while releasing (another tgvx release?): nothing published`);
    throw new UserError(`cannot write the release to ${dir}: ${e.message}; nothing published`);
  }
}
