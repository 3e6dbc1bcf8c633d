/**
 * The commands run once per file by scripts, mail gateways and proxies, where start-up is most of
 * the time: `tgvx scan` and `tgvx clean`. scripts/bundle-cli.mjs bundles this entry and lists
 * BUNDLED_COMMANDS beside it; bin/tgvx.js runs the bundle for those, dist/index.js for the others.
 */
import { runProgram, type Commands } from "./program.js";

const COMMANDS: Commands = {
  scan: () => import("./commands/scan.js"),
  clean: () => import("./commands/clean.js"),
};

export const BUNDLED_COMMANDS = Object.keys(COMMANDS);

export function main(argv: string[]): Promise<number> {
  return runProgram(argv, COMMANDS);
}
