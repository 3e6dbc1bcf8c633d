/**
 * @tgvx/cli — the `tgvx` command. `main` returns the exit code instead of exiting, so tests can
 * call it in-process.
 */
import { Command, CommanderError } from "commander";
import { register as clean } from "./commands/clean.js";
import { register as compile } from "./commands/compile.js";
import { register as decompile } from "./commands/decompile.js";
import { register as diff } from "./commands/diff.js";
import { register as exportRules } from "./commands/export.js";
import { register as history } from "./commands/history.js";
import { register as info } from "./commands/info.js";
import { register as lint } from "./commands/lint.js";
import { register as fmt } from "./commands/fmt.js";
import { register as keygen } from "./commands/keygen.js";
import { register as patch } from "./commands/patch.js";
import { register as release } from "./commands/release.js";
import { register as scan } from "./commands/scan.js";
import { register as test } from "./commands/test.js";
import { register as update } from "./commands/update.js";
import { Exit, UserError } from "./io.js";

export const VERSION = "0.1.0";

export function buildProgram(): Command {
  const program = new Command("tgvx")
    .version(VERSION)
    .description(
      "tgvx: YAML virus records -> signed binary database (tgvxdb) -> scanning engine.\n\n" +
        "Typical flow:\n" +
        "  tgvx compile db-src -o build/main.tgvxdb   compile the records\n" +
        "  tgvx test --db build/main.tgvxdb samples   prove them against the sample corpus\n" +
        "  tgvx scan PATH...                          scan files and directories",
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const r of [lint, fmt, compile, info, decompile, exportRules, scan, clean, test, history, diff, keygen, release, patch, update]) r(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : Exit.clean;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with code 0; usage errors are already printed by commander
      return err.exitCode === 0 ? Exit.clean : Exit.error;
    }
    if (err instanceof UserError) {
      process.stderr.write(`tgvx: ${err.message}\n`);
      return Exit.error;
    }
    process.stderr.write(`tgvx: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return Exit.error;
  }
}
