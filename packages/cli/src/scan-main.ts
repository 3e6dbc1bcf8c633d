/**
 * `tgvx scan` alone: the entry scripts/bundle-cli.mjs bundles, so that the command scripts run
 * most often starts without the others (bin/tgvx.js chooses it for `tgvx scan`).
 */
import { runProgram } from "./program.js";

export function main(argv: string[]): Promise<number> {
  return runProgram(argv, { scan: () => import("./commands/scan.js") });
}
