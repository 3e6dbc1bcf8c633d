// One temporary folder per test run, removed at its end: every test's temporary files (os.tmpdir()
// follows TMPDIR) and the throw-away ledger `tgvx test` records runs in, never the project's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "tgvx-vitest-"));
  process.env.TMPDIR = dir;
  process.env.TGVX_LEDGER = join(dir, "ledger.sqlite");
  return () => rmSync(dir, { recursive: true, force: true });
}
