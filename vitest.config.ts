import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    // `tgvx test` records every run in a ledger: the suite's runs go to a throw-away one, never the project's.
    env: { TGVX_LEDGER: join(mkdtempSync(join(tmpdir(), "tgvx-vitest-")), "ledger.sqlite") },
  },
});
