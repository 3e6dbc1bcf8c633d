/**
 * @tgvx/cli — the `tgvx` command. `main` returns the exit code instead of exiting, so tests can
 * call it in-process.
 */
import { runProgram, type Commands } from "./program.js";

export { VERSION } from "./program.js";

// Loaded on demand: `tgvx scan` need not load the compiler, the linter or SQLite (start-up time
// is part of every scan a script runs).
const COMMANDS: Commands = {
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

export function main(argv: string[]): Promise<number> {
  return runProgram(argv, COMMANDS);
}
