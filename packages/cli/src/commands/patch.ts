import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { DatabaseError } from "@tgvx/engine/core";
import { Exit, formatBytes, printJson, UserError, writeFileAtomic } from "../io.js";
import { readSigningKey } from "../key-files.js";
import { databasePathOf } from "../releases.js";

export function register(program: Command): void {
  program
    .command("patch")
    .summary("make a signed patch from one database release to a newer one")
    .description(
      "Make a signed patch that turns OLD into NEW: the records removed, added and\n" +
        "replaced (by id, with the revision OLD has), the stencils when they changed,\n" +
        "the versions and content SHA-256s of both, and the SHA-256 of the NEW file.\n" +
        "Applying it (`tgvx update`, or `applyPatches` in the engine) gives NEW byte\n" +
        "for byte, or nothing. OLD may be any older release: a patch straight to the\n" +
        "newest spares an engine that missed updates every step between. NEW must be\n" +
        "signed with the same key (as `tgvx release` does); the patch is applied once\n" +
        "here before it is written. OLD and NEW are database files or release\n" +
        "folders. (`tgvx release` makes these patches itself, from its last\n" +
        "releases.)",
    )
    .argument("<old>", "the database the patch applies to (file or release folder)")
    .argument("<new>", "the newer, signed database it produces (file or release folder)")
    .requiredOption("-o, --output <file>", "patch file to write (.tgvxpatch)")
    .option("-k, --key <file>", "private signing key from `tgvx keygen` (default: $TGVX_SIGNING_KEY)")
    .option("--json", "print what the patch holds as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  tgvx patch releases/1 releases/3 -o 1-to-3.tgvxpatch --key keys/release.key\n" +
        "  tgvx patch old.tgvxdb new.tgvxdb -o update.tgvxpatch --json\n\n" +
        "Exit status: 0 written, 2 error (NEW not signed or not newer, a damaged database, wrong key):\n" +
        "nothing is written then.",
    )
    .action(async (oldArg: string, newArg: string, opts: { output: string; key?: string; json?: boolean }) => {
      const t0 = performance.now();
      const { key } = await readSigningKey(opts.key);
      const { makePatch, MakePatchError } = await import("@tgvx/compiler");
      const read = async (arg: string) => {
        const path = await databasePathOf(arg);
        try {
          return { path, bytes: await readFile(path) };
        } catch (err) {
          throw new UserError(`cannot read database ${path}: ${(err as Error).message}`);
        }
      };
      const oldDb = await read(oldArg);
      const newDb = await read(newArg);
      let made: Awaited<ReturnType<typeof makePatch>>;
      try {
        made = await makePatch(oldDb.bytes, newDb.bytes, key);
      } catch (err) {
        if (err instanceof MakePatchError) throw new UserError(`no patch (${err.code}): ${err.message}`);
        if (err instanceof DatabaseError) throw new UserError(`no patch: a database is refused (${err.code}): ${err.message}`);
        throw err;
      }
      try {
        await writeFileAtomic(opts.output, made.bytes);
      } catch (err) {
        throw new UserError(`cannot write the patch ${opts.output}: ${(err as Error).message}`);
      }
      const s = made.summary;
      const share = (100 * s.bytes) / s.target.bytes;
      const ms = performance.now() - t0;
      if (opts.json) printJson({ ok: true, output: opts.output, old: oldDb.path, new: newDb.path, ...s, shareOfDatabase: share / 100, ms: Math.round(ms) });
      else {
        process.stdout.write(
          `patch version ${s.base.dbVersion} -> ${s.target.dbVersion}: ${s.removed} removed, ${s.added} added, ${s.replaced} replaced -> ${opts.output}\n` +
            `  ${formatBytes(s.bytes)}, ${share.toFixed(2)}% of the ${formatBytes(s.target.bytes)} database; signed by key ${key.id}; ${ms.toFixed(0)} ms\n`,
        );
        if (s.revNotBumped.length)
          process.stderr.write(
            `tgvx: warning: ${s.revNotBumped.length} record${s.revNotBumped.length === 1 ? "" : "s"} changed without a rev bump (${s.revNotBumped
              .slice(0, 5)
              .map((id) => `0x${id.toString(16)}`)
              .join(", ")}${s.revNotBumped.length > 5 ? ", ..." : ""}): shipped anyway; bump rev on every change\n`,
          );
      }
      process.exitCode = Exit.clean;
    });
}
