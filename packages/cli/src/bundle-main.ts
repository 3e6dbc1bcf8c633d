/**
 * The commands run once per file by scripts, mail gateways and proxies, where start-up is most of
 * the time: `tgvx scan` and `tgvx clean`. scripts/bundle-cli.mjs bundles this entry; bin/tgvx.js
 * runs it for the commands it `handles`, and dist/index.js for the others.
 */
import { runProgram, type Commands } from "./program.js";

const COMMANDS: Commands = {
  scan: () => import("./commands/scan.js"),
  clean: () => import("./commands/clean.js"),
};

export function handles(command: string | undefined): boolean {
  return command !== undefined && Object.hasOwn(COMMANDS, command);
}

export function main(argv: string[]): Promise<number> {
  return runProgram(argv, COMMANDS);
}
