// Replacing a file atomically: a failure at any step before the rename leaves the old file and no
// temporary file; from the rename on, the new file is in place.
import { mkdtempSync, readdirSync, readFileSync, statSync, chmodSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPLACE_STEPS, ReplaceFileError, removeStaleTemps, replaceFileAtomic } from "@tgvx/engine/node";

const dir = mkdtempSync(join(tmpdir(), "tgvx-replace-"));
const oldBytes = new TextEncoder().encode("old database ".repeat(100));
const newBytes = new TextEncoder().encode("new database, longer ".repeat(100));

describe("replaceFileAtomic", () => {
  it.each(REPLACE_STEPS.map((s) => [s]))("a failure at %s leaves the old file whole or the new one whole, never a temporary file", async (step) => {
    const path = join(dir, `db-${step}.tgvxdb`);
    writeFileSync(path, oldBytes);
    const err = await replaceFileAtomic(path, newBytes, {
      onStep: (s) => {
        if (s === step) throw new Error(`injected failure at ${s}`);
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const renamed = REPLACE_STEPS.indexOf(step) >= REPLACE_STEPS.indexOf("renamed");
    if (!renamed) {
      expect(err).toBeInstanceOf(ReplaceFileError);
      expect((err as Error).message).toContain(`injected failure at ${step}`);
    }
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(renamed ? newBytes : oldBytes))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith(`.db-${step}`))).toEqual([]);
  });

  it("keeps an existing file's mode, creates a new one 0644, and says why it cannot write", async () => {
    const path = join(dir, "moded.tgvxdb");
    writeFileSync(path, oldBytes);
    chmodSync(path, 0o640);
    await replaceFileAtomic(path, newBytes);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    const fresh = join(dir, "fresh.tgvxdb");
    await replaceFileAtomic(fresh, newBytes);
    expect(statSync(fresh).mode & 0o777).toBe(0o644);
    const err = (await replaceFileAtomic(join(dir, "no-such-folder", "x.tgvxdb"), newBytes).catch((e: unknown) => e)) as ReplaceFileError;
    expect(err).toBeInstanceOf(ReplaceFileError);
    expect(err.code).toBe("ENOENT");
    expect(err.message).toMatch(/^cannot create a temporary file in .*no-such-folder: ENOENT/);
  });
});

describe("removeStaleTemps", () => {
  it("removes only this file's temporary files, and only stale ones", async () => {
    const path = join(dir, "main.tgvxdb");
    writeFileSync(path, oldBytes);
    const stale = join(dir, ".main.tgvxdb.tgvx-0a1b2c3d.tmp");
    const fresh = join(dir, ".main.tgvxdb.tgvx-11111111.tmp");
    const foreign = join(dir, ".other.tgvxdb.tgvx-22222222.tmp");
    const lookalike = join(dir, ".main.tgvxdb.tgvx-notours.tmp");
    for (const p of [stale, fresh, foreign, lookalike]) writeFileSync(p, "x");
    const hourAgo = new Date(Date.now() - 3600_000);
    for (const p of [stale, foreign, lookalike]) utimesSync(p, hourAgo, hourAgo);
    expect(await removeStaleTemps(path)).toEqual([stale]);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining([".main.tgvxdb.tgvx-11111111.tmp", ".other.tgvxdb.tgvx-22222222.tmp", ".main.tgvxdb.tgvx-notours.tmp"]));
    expect(readdirSync(dir)).not.toContain(".main.tgvxdb.tgvx-0a1b2c3d.tmp");
  });
});
