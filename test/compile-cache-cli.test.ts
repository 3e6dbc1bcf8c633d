// `tgvx compile` with its cache: --cache DIR, --no-cache, the default beside the ledger, and what it reports.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/tgvx.js");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-compile-cache-"));

function tgvx(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("tgvx compile with the cache", () => {
  it("reads unchanged record files from the cache and says so, with the same bytes", () => {
    const cache = join(tmp, "cache");
    const cold = tgvx(["compile", "db-src", "-o", join(tmp, "cold.tgvxdb"), "--cache", cache, "--json"]);
    expect(cold.status).toBe(0);
    const c = JSON.parse(cold.stdout);
    expect(c.read).toMatchObject({ cached: 0, positioned: 0 });
    expect(c.read.fast).toBe(c.read.files);
    expect(c.cache).toMatchObject({ dir: cache, hits: 0, written: c.read.files, rejected: 0 });

    const warm = tgvx(["compile", "db-src", "-o", join(tmp, "warm.tgvxdb"), "--cache", cache, "--json"]);
    const w = JSON.parse(warm.stdout);
    expect(w.read).toMatchObject({ cached: c.read.files, fast: 0, positioned: 0 });
    expect(w.cache).toMatchObject({ hits: c.read.files, misses: 0, written: 0 });
    expect(w.sha256).toBe(c.sha256);

    const human = tgvx(["compile", "db-src", "-o", join(tmp, "human.tgvxdb"), "--cache", cache, "-v"]);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`; ${c.read.files} of ${c.read.files} record files unchanged \\(cache\\)\\n$`));
    expect(human.stderr).toBe(`tgvx: ${c.read.files} record documents: ${c.read.files} from the cache, 0 parsed (0 fast, 0 with positions); cache ${cache}: 0 written, 0 damaged ignored, 0 removed\n`);
    expect(readFileSync(join(tmp, "human.tgvxdb")).equals(readFileSync(join(tmp, "cold.tgvxdb")))).toBe(true);
  });

  it("keeps no cache with --no-cache, and by default keeps it beside the ledger", () => {
    const none = tgvx(["compile", "db-src", "-o", join(tmp, "none.tgvxdb"), "--no-cache", "--json"]);
    expect(JSON.parse(none.stdout).cache).toBeNull();
    const ledgerDir = join(tmp, "ledger-home");
    const byDefault = tgvx(["compile", "db-src", "-o", join(tmp, "default.tgvxdb"), "--json"], { TGVX_LEDGER: join(ledgerDir, "ledger.sqlite") });
    expect(JSON.parse(byDefault.stdout).cache.dir).toBe(join(ledgerDir, "compile-cache"));
    expect(readdirSync(join(ledgerDir, "compile-cache")).length).toBeGreaterThan(5);
  });

  it("reports the problems of a changed file the same way with a warm cache", () => {
    const cache = join(tmp, "cache-bad");
    const bad = join(tmp, "bad.yaml");
    const text = readFileSync(join(root, "db-src/tailgate.yaml"), "utf8");
    writeFileSync(bad, text);
    expect(tgvx(["compile", bad, "-o", join(tmp, "bad.tgvxdb"), "--cache", cache]).status).toBe(0);
    writeFileSync(bad, text.replace(/rev: \d+/, "rev: two"));
    const cold = tgvx(["compile", bad, "-o", join(tmp, "bad2.tgvxdb"), "--no-cache"]);
    const warm = tgvx(["compile", bad, "-o", join(tmp, "bad2.tgvxdb"), "--cache", cache]);
    expect(warm.status).toBe(2);
    expect(warm.stderr).toBe(cold.stderr);
    expect(warm.stderr).toMatch(/bad\.yaml:\d+:\d+: error WRONG_TYPE: "rev" must be an integer, got "two" \(records\[0\]\.rev\)/);
    expect(existsSync(join(tmp, "bad2.tgvxdb"))).toBe(false);
  });
});
