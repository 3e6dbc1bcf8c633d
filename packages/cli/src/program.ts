/**
 * The `tgvx` program: commander set up with a set of commands, and running it to an exit code.
 * index.ts gives it every command; bundle-main.ts (bundled for start-up, see scripts/bundle-cli.mjs)
 * gives it `scan` and `clean`.
 */
import { Command, CommanderError } from "commander";
import { Exit, UserError } from "./io.js";

export const VERSION = "0.1.0";

export type Register = (program: Command) => void;
/** Commands by name, each loaded on demand. */
export type Commands = Record<string, () => Promise<{ register: Register }>>;

/** The program with every command, or only `only` when it names one. */
export async function buildProgram(commands: Commands, only?: string): Promise<Command> {
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
  const names = only === "--version" || only === "-V" ? [] : only !== undefined && only in commands ? [only] : Object.keys(commands);
  for (const m of await Promise.all(names.map((n) => commands[n]()))) m.register(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Run the program on `argv` (as process.argv) and return the exit code; never throws. */
export async function runProgram(argv: string[], commands: Commands): Promise<number> {
  const program = await buildProgram(commands, argv[2]);
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
