import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { DatabaseError, PatchError } from "@tgvx/engine/core";
import type { DatabaseUpdateReport, ReplaceStep } from "@tgvx/engine/node";
import { Exit, formatBytes, printJson, UserError } from "../io.js";
import { readTrustedKeys } from "../key-files.js";

interface UpdateOptions {
  db: string;
  patch: string[];
  trustedKey?: string[];
  dryRun?: boolean;
  json?: boolean;
}

/**
 * Fault injection for the crash tests: with TGVX_TEST_CRASH_AT=<step> the process kills itself
 * (SIGKILL, no clean-up) when the file replacement reaches that step, to prove that an update
 * killed at any point leaves the old database or the new one, never half of either.
 */
function crashHook(): ((step: ReplaceStep) => void) | undefined {
  const at = process.env.TGVX_TEST_CRASH_AT;
  return at ? (step) => void (step === at && process.kill(process.pid, "SIGKILL")) : undefined;
}

export function register(program: Command): void {
  program
    .command("update")
    .summary("apply signed patches to a database file, atomically")
    .description(
      "Update a database file with signed patches (from `tgvx release` or `tgvx\n" +
        "patch`), applied in the order given. Each patch must be signed by a trusted\n" +
        "key and start from the database at hand (its version and content SHA-256);\n" +
        "the result must be the release the patch names, byte for byte (its SHA-256).\n" +
        "The new database is verified as the engine loads it (signature, version\n" +
        "newer), written to a temporary file in the same folder, fsynced, read back,\n" +
        "and renamed over the old one: an update killed at any point leaves the old\n" +
        "database or the new one, never a mix. A patch whose result the database\n" +
        "already is counts as applied, so running an update again is harmless.\n" +
        "Updates are never applied unchecked: a trusted key is required.\n\n" +
        "On any refusal the database is unchanged and the message says why:\n" +
        "BAD_SIGNATURE (tampered), UNTRUSTED_KEY, UNSIGNED, CORRUPT (damaged in\n" +
        "transit), TRUNCATED, WRONG_BASE (made for another database), CHAIN_GAP\n" +
        "(patches missing in between), VERSION_NOT_NEWER, TARGET_MISMATCH,\n" +
        "DISK_ERROR, CANNOT_READ.",
    )
    .requiredOption("-d, --db <file>", "the database file to update in place")
    .requiredOption("-p, --patch <files...>", "patch files, applied in this order")
    .option(
      "--trusted-key <file>",
      "public key whose signatures are accepted (KEY.pub from `tgvx keygen`); repeat for several (default: $TGVX_TRUSTED_KEYS, files separated by ':')",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--dry-run", "check and apply in memory, write nothing")
    .option("--json", "print the outcome as JSON (also on refusal)")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  tgvx update --db /var/lib/tgvx/main.tgvxdb --trusted-key release.pub --patch 1-to-3.tgvxpatch\n" +
        "  tgvx update --db main.tgvxdb --trusted-key release.pub --patch 1-to-2.tgvxpatch 2-to-3.tgvxpatch\n" +
        "  TGVX_TRUSTED_KEYS=/etc/tgvx/release.pub tgvx update --db main.tgvxdb --patch 3-to-4.tgvxpatch --json\n\n" +
        "Exit status: 0 updated (or already up to date, or a dry run that would update), 2 refused or failed:\n" +
        "the database is unchanged.",
    )
    .action(async (opts: UpdateOptions) => {
      const t0 = performance.now();
      const { updateDatabaseFile, ReplaceFileError } = await import("@tgvx/engine/node");
      const refuse = (code: string, message: string): never => {
        const full = `${message}; ${opts.db} is unchanged`;
        if (opts.json) {
          printJson({ ok: false, db: opts.db, code, message: full });
          process.exitCode = Exit.error;
        }
        throw new UserError(`update refused (${code}): ${full}`);
      };
      const { keys } = await readTrustedKeys(opts.trustedKey);
      if (!keys.length)
        throw new UserError(
          "tgvx update needs the publisher's public key to check patches: give --trusted-key KEY.pub or set TGVX_TRUSTED_KEYS (updates are never applied unchecked)",
        );
      const patches: Uint8Array[] = [];
      for (const p of opts.patch) {
        try {
          patches.push(await readFile(p));
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          refuse("CANNOT_READ", `cannot read patch ${p}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
        }
      }
      let report: DatabaseUpdateReport;
      try {
        report = await updateDatabaseFile(opts.db, patches, { trustedKeys: keys, dryRun: opts.dryRun, onStep: crashHook() });
      } catch (err) {
        if (err instanceof PatchError) {
          return refuse(err.code, `${err.message}${err.index !== undefined ? ` (${opts.patch[err.index]})` : ""}`);
        }
        if (err instanceof DatabaseError) return refuse(err.code, `the patched database is not acceptable: ${err.message}`);
        if (err instanceof ReplaceFileError) return refuse(err.stage === "read" ? "CANNOT_READ" : "DISK_ERROR", `${err.message} (${err.code})`);
        throw err;
      }
      const ms = performance.now() - t0;
      const applied = report.steps.filter((s) => !s.alreadyApplied);
      if (opts.json) printJson({ ok: true, ...report, engine: undefined, trust: report.engine.trust, patches: opts.patch, ms: Math.round(ms) });
      else if (!applied.length) process.stdout.write(`${opts.db} is already version ${report.to.dbVersion} (SHA-256 ${report.to.sha256}): nothing to do\n`);
      else {
        const sum = (k: "removed" | "added" | "replaced") => applied.reduce((n, s) => n + s[k], 0);
        const size = applied.reduce((n, s) => n + s.patchBytes, 0);
        process.stdout.write(
          `${report.dryRun ? "dry run: would update" : "updated"} ${opts.db}: version ${report.from.dbVersion} -> ${report.to.dbVersion} ` +
            `(${applied.length} patch${applied.length === 1 ? "" : "es"}, ${formatBytes(size)}: ${sum("removed")} removed, ${sum("added")} added, ${sum("replaced")} replaced)\n` +
            `  ${formatBytes(report.to.bytes)}, content SHA-256 ${report.to.sha256}, signed by key ${report.engine.trust.keyId} (verified)` +
            `${report.dryRun ? "; nothing written" : ""} in ${ms.toFixed(0)} ms\n`,
        );
      }
      process.exitCode = Exit.clean;
    });
}
