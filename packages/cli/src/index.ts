/**
 * @tgvx/cli — the `tgvx` command. `main` returns the exit code instead of exiting, so tests can
 * call it in-process.
 */
import { Command, CommanderError } from "commander";
import { Exit, UserError } from "./io.js";

export const VERSION = "0.1.0";

type Register = (program: Command) => void;
// Loaded on demand: `tgvx scan` need not load the compiler, the linter or SQLite (start-up time
// is part of every scan a script runs).
const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
  lint: () => import("./commands/lint.js"),
  fmt: () => import("./commands/fmt.js"),
  compile: () => import("./commands/compile.js"),
  info: () => import("./commands/info.js"),
  decompile: () => import("./commands/decompile.js"),
  export: () => import("./commands/export.js"),
  scan: () => import("./commands/scan.js"),
  clean: () => import("./commands/clean.js"),
  test: () => import("./commands/test.js"),
  history: () => import("./commands/history.js"),
  diff: () => import("./commands/diff.js"),
  keygen: () => import("./commands/keygen.js"),
  release: () => import("./commands/release.js"),
  patch: () => import("./commands/patch.js"),
  update: () => import("./commands/update.js"),
};

/** The program with every command, or only `only` when it names one. */
export async function buildProgram(only?: string): Promise<Command> {
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
  const names = only === "--version" || only === "-V" ? [] : only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const m of await Promise.all(names.map((n) => COMMANDS[n]()))) m.register(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv[2]);
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
