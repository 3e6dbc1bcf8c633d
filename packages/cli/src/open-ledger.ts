/** Finding and opening the ledger for a command, with its refusals turned into user messages. */
import { join } from "node:path";
import type { Ledger } from "@tgvx/harness";
import { projectRoot, UserError } from "./io.js";

/** `--ledger FILE`, else $TGVX_LEDGER, else `.tgvx/ledger.sqlite` in the project; false: `--no-ledger`. */
export function resolveLedgerPath(given: string | boolean | undefined): string | undefined {
  if (given === false) return undefined;
  if (typeof given === "string") return given;
  if (process.env.TGVX_LEDGER) return process.env.TGVX_LEDGER;
  return join(projectRoot(), ".tgvx", "ledger.sqlite");
}

export async function openLedger(path: string, options: { create?: boolean } = {}): Promise<Ledger> {
  const { Ledger, LedgerError } = await import("@tgvx/harness");
  try {
    return Ledger.open(path, options);
  } catch (err) {
    if (err instanceof LedgerError) throw new UserError(`ledger ${err.code}: ${err.message}`);
    throw err;
  }
}
