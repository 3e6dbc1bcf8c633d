// The compile cache: unchanged files are not parsed; a damaged cache never gives a wrong database.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CompileCache, compileSources, findRecordFiles, findStencilFiles, readSources } from "@tgvx/compiler";

const root = new URL("../../..", import.meta.url).pathname;

/** A copy of db-src/ to change freely, and a cache folder. */
function workspace() {
  const dir = mkdtempSync(join(tmpdir(), "tgvx-cache-"));
  cpSync(join(root, "db-src"), join(dir, "db-src"), { recursive: true });
  return { dir, src: join(dir, "db-src"), cache: join(dir, "cache") };
}

async function compile(src: string, cacheDir?: string) {
  const files = [...new Set([...(await findRecordFiles([src])), ...(await findStencilFiles([src]))])].sort();
  const cache = cacheDir === undefined ? undefined : new CompileCache(cacheDir);
  const r = await compileSources(await readSources(files), { cache });
  const stats = cache?.flush();
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { bytes: Buffer.from(r.bytes!), load: r.load!, stats: stats!, records: r.records.length };
}

const entries = (cache: string) => readdirSync(cache).filter((f) => f.endsWith(".json")).map((f) => join(cache, f));

describe("the compile cache", () => {
  it("parses only what changed, and gives the same bytes as a compile without it", async () => {
    const w = workspace();
    const reference = await compile(w.src);
    const files = reference.load.files;
    expect(files).toBeGreaterThan(5);

    const cold = await compile(w.src, w.cache);
    expect(cold.load).toMatchObject({ cached: 0, fast: files });
    expect(cold.stats).toMatchObject({ hits: 0, misses: files, written: files, pruned: 0, rejected: 0 });
    expect(cold.bytes.equals(reference.bytes)).toBe(true);
    expect(entries(w.cache)).toHaveLength(files);

    const warm = await compile(w.src, w.cache);
    expect(warm.load).toMatchObject({ cached: files, fast: 0, positioned: 0 });
    expect(warm.stats).toMatchObject({ hits: files, misses: 0, written: 0 });
    expect(warm.bytes.equals(reference.bytes)).toBe(true);

    // One file changed: a CRC of the first window.
    const tailgate = join(w.src, "tailgate.yaml");
    writeFileSync(tailgate, readFileSync(tailgate, "utf8").replace(/crc: 0x[0-9A-F]+/, "crc: 0x12345678"));
    const changed = await compile(w.src, w.cache);
    expect(changed.load).toMatchObject({ cached: files - 1, fast: 1 });
    expect(changed.stats).toMatchObject({ hits: files - 1, misses: 1, written: 1 });
    expect(changed.bytes.equals((await compile(w.src)).bytes)).toBe(true);
    expect(changed.bytes.equals(reference.bytes)).toBe(false);
    expect(entries(w.cache)).toHaveLength(files); // replaced, not added
  });

  it("ignores damaged or foreign entries, rebuilds them, and still gives the same bytes", async () => {
    const w = workspace();
    const reference = await compile(w.src);
    await compile(w.src, w.cache);
    const files = reference.load.files;
    const list = entries(w.cache).sort();
    const text = (f: string) => readFileSync(f, "utf8");
    const header = (f: string) => JSON.parse(text(f).slice(0, text(f).indexOf("\n")));
    const withBody = (f: string, body: string, h = header(f)) =>
      writeFileSync(f, JSON.stringify({ ...h, sha256: createHash("sha256").update(body).digest("hex") }) + "\n" + body);
    const damage: ((f: string) => void)[] = [
      (f) => writeFileSync(f, text(f).slice(0, text(f).length - 7)), // torn write
      (f) => writeFileSync(f, text(f).replace(/"crc":(\d)/, (_m, d) => `"crc":${(Number(d) + 1) % 10}`)), // a flipped digit
      (f) => writeFileSync(f, "not json\n[]"),
      (f) => writeFileSync(f, ""),
      (f) => withBody(f, JSON.stringify([{ id: "one", rev: 1 }])), // checksummed, but not records
      (f) => {
        // Fails the type rules: a module record (type 1) made type 3, any other made type 1.
        const first = JSON.parse(text(f).slice(text(f).indexOf("\n") + 1))[0];
        withBody(f, JSON.stringify([{ ...first, type: first.type === 1 ? 3 : 1 }]));
      },
      (f) => withBody(f, "{}", { ...header(f), records: 0 }), // not a list
      (f) => writeFileSync(f, text(f).replace(/"path":"[^"]*"/, '"path":"/elsewhere.yaml"')), // made for another file
      (f) => writeFileSync(f, text(f).replace(/"format":"[^"]*"/, '"format":"tgvx compile cache 0"')),
      (f) => {
        rmSync(f);
        mkdirSync(f); // not even a file
      },
    ];
    // Which entry gets which damage depends on the temporary folder's name (entries are named by
    // their source's path): every damage must change its entry whichever it gets.
    damage.forEach((d, i) => {
      const f = list[i % list.length];
      const before = text(f);
      d(f);
      if (existsSync(f) && !statSync(f).isDirectory()) expect(text(f), `damage ${i} left ${f} as it was`).not.toBe(before);
    });
    const again = await compile(w.src, w.cache);
    expect(again.bytes.equals(reference.bytes)).toBe(true);
    const damaged = Math.min(damage.length, list.length);
    expect(again.load.cached).toBe(files - damaged);
    expect(again.stats.rejected).toBe(damaged - 1); // the directory cannot be read: a plain miss
    expect(again.stats.written).toBe(damaged - 1); // ... and cannot be replaced
    const after = await compile(w.src, w.cache);
    expect(after.bytes.equals(reference.bytes)).toBe(true);
    expect(after.load.cached).toBe(files - 1);
  });

  it("removes entries of files that are gone, and temporary files left behind", async () => {
    const w = workspace();
    await compile(w.src, w.cache);
    const files = entries(w.cache).length;
    // Another tree compiled with the same cache: its entries stay while its files exist.
    const other = join(w.dir, "other");
    mkdirSync(other);
    cpSync(join(w.src, "eicar.yaml"), join(other, "eicar-copy.yaml"));
    writeFileSync(join(other, "eicar-copy.yaml"), readFileSync(join(other, "eicar-copy.yaml"), "utf8").replace(/id: 0x[0-9A-F]+/g, "id: 0x7FFF0001"));
    const o = await compile(other, w.cache);
    expect(o.stats.written).toBe(1);
    expect(entries(w.cache)).toHaveLength(files + 1);

    rmSync(join(w.src, "tailgate.yaml"));
    const leftover = join(w.cache, "0".repeat(40) + ".json.tmp-1-x");
    writeFileSync(leftover, "half");
    utimesSync(leftover, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    const fresh = join(w.cache, "1".repeat(40) + ".json.tmp-2-y");
    writeFileSync(fresh, "being written by another compile");
    const r = await compile(w.src, w.cache);
    expect(r.stats.pruned).toBe(2); // tailgate's entry and the old temporary file
    expect(entries(w.cache)).toHaveLength(files); // the other tree's entry is kept
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(fresh)).toBe(true);

    rmSync(other, { recursive: true });
    const r2 = await compile(w.src, w.cache);
    expect(r2.stats.pruned).toBe(1);
    expect(entries(w.cache)).toHaveLength(files - 1);
  });

  it("keeps no entry for records JSON would not give back exactly", () => {
    const dir = mkdtempSync(join(tmpdir(), "tgvx-cache-"));
    const cache = new CompileCache(join(dir, "cache"));
    const src = { path: join(dir, "a.yaml"), text: "records: []\n" };
    const record = { id: 1, rev: 1, name: "A.B.C", type: 1 as const, status: "stable" as const, module: "m" };
    cache.set(src, [{ ...record, args: { x: Number.NaN } }]);
    cache.set({ ...src, path: join(dir, "b.yaml") }, [{ ...record, args: { x: -0 } }]);
    cache.set({ ...src, path: join(dir, "c.yaml") }, [{ ...record, args: { x: [1, "two", null, true, { y: 1.5 }] } }]);
    writeFileSync(join(dir, "c.yaml"), src.text);
    expect(cache.flush()).toMatchObject({ written: 1 });
    expect(new CompileCache(join(dir, "cache")).get({ ...src, path: join(dir, "c.yaml") })).toEqual([{ ...record, args: { x: [1, "two", null, true, { y: 1.5 }] } }]);
  });
});
