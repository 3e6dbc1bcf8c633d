// A live engine swapping its database: scans in flight keep the database they started with, new
// scans get the new one, and a refused database or patch leaves the current one in place.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Anchor, crc32, DatabaseError, encodeDatabase, encodePatch, EngineHolder, PatchError, readPatchBody, readPatchInfo, type Engine, type RecordImage } from "@tgvx/engine";
import { updateDatabaseFile } from "@tgvx/engine/node";
import { generateSigningKey, makePatch, signDatabase, signPatch } from "@tgvx/compiler";

// One inert object both records match, through different windows: v1 knows X, v2 knows Y.
const object = new Uint8Array(256);
for (let i = 0; i < object.length; i++) object[i] = (i * 73 + 41) & 0xff;
object.set(new TextEncoder().encode("TGVX-INERT-SWAP"), 2);
const win = (offset: number) => ({ offset, length: 16, crc: crc32(object, offset, offset + 16) });
const first = object[0] | (object[1] << 8);
const rec = (id: number, name: string, w: [number, number]): RecordImage => ({
  id,
  rev: 1,
  type: 3,
  status: 1,
  name,
  category: 0,
  attributes: 0,
  detect: { anchor: Anchor.start, at: 0, first, filetypes: 0, windows: [win(w[0]), win(w[1])] },
});
const X = rec(0x10, "Test.Swap.X", [0, 16]);
const Y = rec(0x20, "Test.Swap.Y", [32, 48]);

const key = await generateSigningKey();
const other = await generateSigningKey();
const v1 = await signDatabase(await encodeDatabase({ dbVersion: 1, records: [X] }), key);
const v2 = await signDatabase(await encodeDatabase({ dbVersion: 2, records: [Y] }), key);
const v3 = await signDatabase(await encodeDatabase({ dbVersion: 3, records: [X, Y] }), key);
const options = { trustedKeys: [key.publicKey] };
const names = (e: Engine | EngineHolder) => e.scan(object).detections.map((d) => d.name);
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function refusal(p: Promise<unknown>): Promise<DatabaseError | PatchError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err instanceof DatabaseError || err instanceof PatchError, String(err)).toBe(true);
  return err as DatabaseError;
}

describe("EngineHolder", () => {
  it("new scans get the new database; scans in flight finish on the one they started with", async () => {
    const holder = await EngineHolder.load(v1, options);
    expect(names(holder)).toEqual(["Test.Swap.X"]);
    const pinned = holder.engine;

    // A message scanned part by part, awaiting between parts: it took the engine once, before the swap.
    const message = (async () => {
      const engine = holder.engine;
      const seen: string[][] = [];
      let swappedMeanwhile = false;
      // Parts keep coming until the swap has happened, and a few after it.
      for (let part = 0, after = 0; after < 5 && part < 100_000; part++) {
        await tick();
        seen.push(names(engine));
        swappedMeanwhile ||= holder.engine !== engine;
        if (swappedMeanwhile) after++;
      }
      return { seen, swappedMeanwhile };
    })();

    const swapping = holder.swap(v2);
    let settled = false;
    void swapping.finally(() => (settled = true));
    const during: string[][] = [];
    while (!settled) {
      during.push(names(holder));
      await tick();
    }
    const { previous, engine } = await swapping;
    expect(previous).toBe(pinned);
    expect(engine.info.dbVersion).toBe(2);
    expect(holder.engine).toBe(engine);

    // Every scan saw one whole database: X alone (v1) or Y alone (v2), never a mix or nothing.
    for (const r of during) expect([["Test.Swap.X"], ["Test.Swap.Y"]]).toContainEqual(r);
    expect(during[0]).toEqual(["Test.Swap.X"]);
    expect(names(holder)).toEqual(["Test.Swap.Y"]);
    // The message that started before the swap finished on v1, all of it, after the swap completed.
    const { seen, swappedMeanwhile } = await message;
    expect(swappedMeanwhile).toBe(true);
    expect(seen.length).toBeGreaterThan(5);
    expect(new Set(seen.map((r) => r.join()))).toEqual(new Set(["Test.Swap.X"]));
    expect(names(pinned)).toEqual(["Test.Swap.X"]);
  });

  it("keeps the current database when a new one is refused: older, another key, unsigned, truncated", async () => {
    const holder = await EngineHolder.load(v2, options);
    const current = holder.engine;
    expect((await refusal(holder.swap(v1))).code).toBe("VERSION_NOT_NEWER");
    expect((await refusal(holder.swap(v2))).code).toBe("VERSION_NOT_NEWER");
    expect((await refusal(holder.swap(await signDatabase(v3, other)))).code).toBe("UNTRUSTED_KEY");
    expect((await refusal(holder.swap(await encodeDatabase({ dbVersion: 3, records: [X, Y] })))).code).toBe("UNSIGNED");
    expect((await refusal(holder.swap(v3.subarray(0, v3.length - 1)))).code).toBe("TRUNCATED");
    const forged = v3.slice();
    forged[60] ^= 1;
    expect((await refusal(holder.swap(forged))).code).toBe("BAD_SIGNATURE");
    expect(holder.engine).toBe(current);
    expect(names(holder)).toEqual(["Test.Swap.Y"]);
  });

  it("updates with signed patches, and keeps the current database when a patch is refused", async () => {
    const holder = await EngineHolder.load(v1, options);
    const p12 = (await makePatch(v1, v2, key)).bytes;
    const p23 = (await makePatch(v2, v3, key)).bytes;
    const current = holder.engine;
    expect((await refusal(holder.update([p23]))).code).toBe("CHAIN_GAP");
    expect((await refusal(holder.update([p12.subarray(0, 300)]))).code).toBe("TRUNCATED");
    expect(holder.engine).toBe(current);
    const done = await holder.update([p12, p23]);
    expect(done.swapped).toBe(true);
    expect(Buffer.from(done.patch.bytes).equals(Buffer.from(v3))).toBe(true);
    expect(holder.engine.info.dbVersion).toBe(3);
    expect(names(holder)).toEqual(["Test.Swap.X", "Test.Swap.Y"]);
    // Again: nothing to apply, no swap.
    const again = await holder.update([p23]);
    expect(again.swapped).toBe(false);
    expect(holder.engine).toBe(done.engine);
  });

  it("refuses a trusted patch whose result is signed by a key it does not trust, in memory and on disk", async () => {
    // The publisher's patch key is trusted, but the database it delivers is signed by another key.
    const v2other = await signDatabase(v2, other);
    const honest = await makePatch(v1, v2other, other);
    const info = await readPatchInfo(honest.bytes);
    const body = readPatchBody(honest.bytes, info);
    const patch = await signPatch(await encodePatch({ base: info.base, target: info.target, removed: body.removed, put: body.put }), key);
    const holder = await EngineHolder.load(v1, options);
    const current = holder.engine;
    const err = await refusal(holder.update([patch]));
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.code).toBe("UNTRUSTED_KEY");
    expect(holder.engine).toBe(current);
    const path = join(mkdtempSync(join(tmpdir(), "tgvx-swap-")), "main.tgvxdb");
    writeFileSync(path, v1);
    expect((await refusal(updateDatabaseFile(path, [patch], options))).code).toBe("UNTRUSTED_KEY");
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(v1))).toBe(true);
    const done = await updateDatabaseFile(path, [(await makePatch(v1, v3, key)).bytes], options);
    expect(done).toMatchObject({ updated: true, from: { dbVersion: 1 }, to: { dbVersion: 3 } });
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(v3))).toBe(true);
  });

  it("runs swaps one at a time, in call order, so versions only move forward", async () => {
    const a = await EngineHolder.load(v1, options);
    await Promise.all([a.swap(v2), a.swap(v3)]);
    expect(a.engine.info.dbVersion).toBe(3);
    const b = await EngineHolder.load(v1, options);
    const [to3, to2] = await Promise.allSettled([b.swap(v3), b.swap(v2)]);
    expect(to3.status).toBe("fulfilled");
    expect(to2.status === "rejected" && (to2.reason as DatabaseError).code).toBe("VERSION_NOT_NEWER");
    expect(b.engine.info.dbVersion).toBe(3);
  });
});
