import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Anchor,
  builtInModules,
  crc32,
  databaseImage,
  DatabaseError,
  encodeDatabase,
  Engine,
  FileType,
  openDatabase,
  sha256,
  type RecordImage,
} from "@tgvx/engine";

function prng(seed: number) {
  return () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
}

// An inert "feature code": fixed pseudo-random bytes with a banner.
const body = new Uint8Array(256);
{
  const r = prng(42);
  for (let i = 0; i < body.length; i++) body[i] = Math.floor(r() * 256);
  body.set(new TextEncoder().encode("TGVX-INERT"), 0);
}
const w = (offset: number, length: number, bytes: Uint8Array, base: number) => ({
  offset,
  length,
  crc: crc32(bytes, base + offset, base + offset + length),
});

function hostWithBodyAtStart(tail: number): Uint8Array {
  const out = new Uint8Array(body.length + tail);
  out.set(body, 0);
  return out;
}

const startRecord: RecordImage = {
  id: 0x20,
  rev: 3,
  type: 3,
  status: 1,
  name: "Test.Start.A",
  category: 0,
  attributes: 0b101,
  detect: { anchor: Anchor.start, at: 0, first: body[0] | (body[1] << 8), filetypes: 0, windows: [w(16, 64, body, 0), w(128, 100, body, 0)] },
};
// Same windows as startRecord, different CRC on the second: must share the window table entries.
const sibling: RecordImage = {
  ...startRecord,
  id: 0x10,
  name: "Test.Start.B",
  detect: { ...startRecord.detect!, windows: [startRecord.detect!.windows[0], { ...startRecord.detect!.windows[1], crc: 1 }] },
};
const typed: RecordImage = {
  ...startRecord,
  id: 0x30,
  type: 4,
  name: "Test.Typed.A",
  detect: { ...startRecord.detect!, filetypes: FileType.pe32 },
};
const endRecord: RecordImage = {
  id: 0x40,
  rev: 1,
  type: 3,
  status: 1,
  name: "Test.End.A",
  category: 0,
  attributes: 0,
  detect: { anchor: Anchor.end, at: -256, first: body[0] | (body[1] << 8), filetypes: 0, windows: [w(-240, 64, body, 256), w(-100, 100, body, 256)] },
};
const records = [startRecord, sibling, typed, endRecord];

describe("tgvxdb write + read", () => {
  it("is deterministic whatever the input order", async () => {
    const a = await encodeDatabase({ dbVersion: 7, records });
    const b = await encodeDatabase({ dbVersion: 7, records: [...records].reverse() });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it("reads back every field, windows shared", async () => {
    const db = await openDatabase(await encodeDatabase({ dbVersion: 7, buildTime: 1_700_000_000, records }));
    expect(db.info.dbVersion).toBe(7);
    expect(db.info.buildTime).toBe(1_700_000_000);
    expect(db.recordCount).toBe(4);
    expect([0, 1, 2, 3].map((r) => db.recordId(r))).toEqual([0x10, 0x20, 0x30, 0x40]);
    expect(db.windowCount).toBe(4); // 2 start windows shared by three records + 2 end windows
    const r = db.record(db.findRow(0x30));
    expect(r).toMatchObject({ id: 0x30, rev: 3, type: 4, status: "stable", name: "Test.Typed.A", attributes: ["infector", "net-worm"] });
    expect(r.detect).toEqual({
      anchor: "start",
      at: 0,
      first: [body[0], body[1]],
      filetypes: ["pe32"],
      windows: typed.detect!.windows.map((x) => ({ ...x })),
    });
    expect(db.findRow(0x31)).toBe(-1);
  });

  it("keeps every record of a larger database: rows in index order, names front-coded across blocks, found by id", async () => {
    const rnd = prng(99);
    const many: RecordImage[] = [];
    const ids = new Set<number>();
    while (ids.size < 500) ids.add(1 + Math.floor(rnd() * 0xfffffffe));
    let i = 0;
    for (const id of ids) {
      const fam = Math.floor(rnd() * 40);
      const shape = Math.floor(rnd() * 6);
      const deprecated = rnd() < 0.05;
      many.push({
        id,
        rev: 1 + (i % 7),
        type: shape === 5 ? 2 : shape === 4 ? 4 : 3,
        status: deprecated ? 2 : 1,
        // Many share long prefixes (front coding), some repeat exactly (stored once).
        name: i % 50 === 0 ? "Test.Repeated.A" : `Win32.Family${String(fam).padStart(3, "0")}.${i.toString(36).toUpperCase()}`,
        category: 0,
        attributes: i % 3,
        ...(shape === 5
          ? { module: "xor-decoder", args: JSON.stringify({ key: i }) }
          : {
              detect: {
                anchor: shape === 3 ? Anchor.end : Anchor.start,
                at: shape === 3 ? -64 : shape * 4,
                first: Math.floor(rnd() * 8),
                filetypes: shape === 4 ? FileType.pe32 : 0,
                windows: [
                  { offset: shape === 3 ? -64 : 16, length: 32 + (fam % 3), crc: Math.floor(rnd() * 0x100000000) },
                  { offset: shape === 3 ? -32 : 64, length: 16, crc: Math.floor(rnd() * 0x100000000) },
                ],
              },
            }),
      });
      i++;
    }
    const bytes = await encodeDatabase({ dbVersion: 3, records: many });
    const db = await openDatabase(bytes);
    expect(db.recordCount).toBe(500);
    expect(db.nameCount).toBeLessThan(500);
    const byId = [...db.rowsById()].map((r) => db.recordId(r));
    expect(byId).toEqual([...ids].sort((a, b) => a - b));
    for (const r of many) {
      const v = db.record(db.findRow(r.id));
      expect(v.name).toBe(r.name);
      expect(v.rev).toBe(r.rev);
      expect(v.module).toBe(r.module);
      expect(v.args).toBe(r.args);
      if (r.detect) expect(v.detect!.windows.map((x) => x.crc)).toEqual(r.detect.windows.map((x) => x.crc));
      else expect(v.detect).toBeUndefined();
    }
    // Found by name: the record of that name with the lowest id; a name the database lacks, -1.
    for (const r of many) {
      const row = db.rowOfName(r.name);
      const lowest = Math.min(...many.filter((x) => x.name === r.name).map((x) => x.id));
      expect(db.recordId(row), r.name).toBe(lowest);
    }
    for (const absent of ["", "A", "Test.Repeated", "Test.Repeated.A0", "Win32.Family000", "Win32.Family039.ZZZZZZ", "zzz"]) expect(db.rowOfName(absent), absent).toBe(-1);
    // nameAtLeast: a name's own number; for a string between two names, the later one's.
    const names = db.names();
    expect(names.map((n) => db.nameAtLeast(n))).toEqual(names.map((_, i) => i));
    expect(names.map((n) => db.nameAtLeast(`${n}\0`))).toEqual(names.map((_, i) => i + 1));
    expect([db.nameAtLeast(""), db.nameAtLeast("zzz")]).toEqual([0, names.length]);
    // findName: the first name containing the part (either case) that passes the test.
    for (const part of ["", "repeated", "REPEATED.a", "Family039", ".a", "zzz", "Test.Repeated.A0"])
      for (const test of [() => true, (n: string) => n.endsWith("1"), (n: string) => db.name(0) !== n && n === names[names.length >> 1]]) {
        const want = names.findIndex((n) => n.toLowerCase().includes(part.toLowerCase()) && test(n));
        expect(db.findName(part, test), `${part} ${test}`).toBe(want);
      }
    // Decoded back to an image and encoded again: the same bytes.
    expect(Buffer.from(await encodeDatabase(databaseImage(db))).equals(Buffer.from(bytes))).toBe(true);
    // Every live type 3 record is found by its index key: a run of rows, not a candidate list.
    let indexed = 0;
    for (const r of many) if (r.detect && r.status !== 2) indexed++;
    expect(db.indexedRows).toBe(indexed);
  });

  it("refuses records the format cannot hold, saying which and why", async () => {
    const refusal = (changed: RecordImage[]) => encodeDatabase({ dbVersion: 1, records: changed }).catch((e: unknown) => (e as Error).message);
    expect(await refusal([...records, { ...sibling, name: "Test.Other.A" }])).toBe(`duplicate record id ${sibling.id}`);
    expect(await refusal([startRecord, { ...sibling, name: "Test.Välja.A" }])).toMatch(/record name "Test.Välja.A" is not ASCII of at most 255 bytes/);
    expect(await refusal([startRecord, { ...sibling, name: "T".repeat(256) }])).toMatch(/is not ASCII of at most 255 bytes/);
    const longest = await openDatabase(await encodeDatabase({ dbVersion: 1, records: [startRecord, { ...sibling, name: "T".repeat(255) }] }));
    expect(longest.record(longest.rowOfName("T".repeat(255))).name).toBe("T".repeat(255));
    const long = { ...endRecord, detect: { ...endRecord.detect!, windows: [endRecord.detect!.windows[0], { offset: -16, length: 0x1000000, crc: 0 }] as const } };
    expect(await refusal([startRecord, long])).toBe(`record ${endRecord.id}: window of 16777216 bytes is longer than 16777215`);
  });

  it("refuses a window measured from an anchor there is no such thing as, naming the window", async () => {
    const bytes = await encodeDatabase({ dbVersion: 1, records });
    const wins = (await openDatabase(bytes)).info.sections.find((s) => s.name === "WINS")!;
    const copy = bytes.slice();
    copy[wins.offset + 2 * 8] = 0xc8; // window 2's anchor byte (anchor | length << 8)
    copy.set(await sha256(copy.subarray(112)), 8);
    const err = (await openDatabase(copy).catch((e: unknown) => e)) as DatabaseError;
    expect(err.code).toBe("MALFORMED");
    expect(err.message).toBe("window 2 has an unknown anchor");
  });

  it("refuses a damaged name table with a reason", async () => {
    const bytes = await encodeDatabase({ dbVersion: 1, records });
    const db = await openDatabase(bytes);
    const name = db.info.sections.find((s) => s.name === "NAME")!;
    const copy = bytes.slice();
    copy[name.offset + 4 + 1] = 0xff; // first name's suffix length runs past the section
    copy.set(await sha256(copy.subarray(112)), 8);
    const err = (await openDatabase(copy).catch((e: unknown) => e)) as DatabaseError;
    expect(err.code).toBe("MALFORMED");
    expect(err.message).toMatch(/name 0/);
  });
});

describe("detection", () => {
  it("finds start- and end-anchored feature codes, respects file types, hashes each window once", async () => {
    const engine = await Engine.load(await encodeDatabase({ dbVersion: 1, records }), { allowUnsigned: true });
    const atStart = engine.scan(hostWithBodyAtStart(1000));
    expect(atStart.detections.map((d) => d.name)).toEqual(["Test.Start.A"]);
    expect(atStart.stats.candidates).toBe(3);
    // Test.Start.B shares both windows: 2 distinct windows are hashed for 3 candidates
    expect(atStart.stats.crcs).toBe(2);

    const atEnd = new Uint8Array(700 + body.length);
    atEnd.set(body, 700);
    expect(engine.scan(atEnd).detections.map((d) => [d.name, d.offset])).toEqual([["Test.End.A", 700]]);
  });

  it("hashes each distinct window once per object, however many windows one object needs", async () => {
    // 3,000 records on one key sharing 2,900 windows, two or three records each: far more windows
    // than the engine keeps at hand per object, so some are set aside and must be found again
    // (with the right CRC), not hashed again. A third of the records have a wrong first CRC.
    const many: RecordImage[] = [];
    for (let i = 0; i < 3000; i++) {
      const a = w(2 + ((i % 1500) % 200), 8 + Math.floor((i % 1500) / 200), body, 0);
      const b = w(100 + ((i % 1400) % 50), 20 + Math.floor((i % 1400) / 50), body, 0);
      many.push({
        ...startRecord,
        id: 0x1000 + i,
        name: `Test.Many.N${i}`,
        detect: { ...startRecord.detect!, windows: [i % 3 ? a : { ...a, crc: a.crc ^ 1 }, b] },
      });
    }
    const engine = await Engine.load(await encodeDatabase({ dbVersion: 1, records: many }), { allowUnsigned: true });
    const windows = new Set(many.flatMap((r) => r.detect!.windows.map((x) => `${x.offset}:${x.length}`)));
    for (let round = 0; round < 2; round++) {
      const r = engine.scan(hostWithBodyAtStart(50));
      expect(r.detections).toHaveLength(2000); // every record whose first CRC was not spoiled
      expect(r.stats.candidates).toBe(3000);
      expect(r.stats.crcs).toBe(windows.size);
    }
    // Deciding and cleaning find a detected record by id: the row it was detected in.
    for (const d of engine.scan(hostWithBodyAtStart(50)).detections) expect(engine.db.recordId(engine.db.findRow(d.id))).toBe(d.id);
    // A record never detected (its first CRC is spoiled) is found through the id index; no record, -1.
    expect(engine.db.recordId(engine.db.findRow(0x1000))).toBe(0x1000);
    expect(engine.db.findRow(0x999)).toBe(-1);
  });

  it("hashes the window most records use first: one CRC rejects them all", async () => {
    // 20 records on one key, each written with a window of its own first and a shared one second.
    // The object carries the first word, not the feature codes: hashing the shared window once
    // rejects all 20 (hashing each record's own window first would take 20 CRCs). The 21st record
    // matches: its own window is hashed too, and it is found.
    const shared = w(100, 64, body, 0);
    const spoil = (x: { offset: number; length: number; crc: number }) => ({ ...x, crc: (x.crc ^ 1) >>> 0 });
    const recs: RecordImage[] = Array.from({ length: 20 }, (_, i) => ({
      ...startRecord,
      id: 0x2000 + i,
      name: `Test.Shared.N${String(i).padStart(2, "0")}`,
      detect: { ...startRecord.detect!, windows: [spoil(w(2 + i, 16, body, 0)), spoil(shared)] },
    }));
    const db = await encodeDatabase({ dbVersion: 1, records: recs });
    const engine = await Engine.load(db, { allowUnsigned: true });
    const missed = engine.scan(hostWithBodyAtStart(50));
    expect(missed.detections).toHaveLength(0);
    expect(missed.stats.candidates).toBe(20);
    expect(missed.stats.crcs).toBe(1);
    expect(engine.db.window(0)).toMatchObject({ offset: 100, length: 64 }); // numbered first: 20 records use it

    const found = { ...startRecord, id: 0x2100, name: "Test.Shared.Match", detect: { ...startRecord.detect!, windows: [w(40, 16, body, 0), shared] } };
    const both = await Engine.load(await encodeDatabase({ dbVersion: 1, records: [...recs, found] }), { allowUnsigned: true });
    const hit = both.scan(hostWithBodyAtStart(50));
    expect(hit.detections.map((d) => d.name)).toEqual(["Test.Shared.Match"]);
    expect(hit.stats.candidates).toBe(21);
    expect(hit.stats.crcs).toBe(2);
  });

  it("checks a key many records share a group at a time, by check window and its CRC", async () => {
    // 200 records on one key: 10 check windows shared by 20 records each, every other window a
    // record's own. In each group 3 records expect the object's CRC of the check window and one
    // of those also its other window. Another group's check window runs past a short object.
    const recs: RecordImage[] = [];
    for (let g = 0; g < 10; g++) {
      const check = w(2 + g, 30, body, 0);
      for (let j = 0; j < 20; j++) {
        const other = w(40 + j, 16 + g, body, 0);
        recs.push({
          ...startRecord,
          id: 0x3000 + 100 * g + j,
          name: `Test.Group${g}.N${String(j).padStart(2, "0")}`,
          detect: { ...startRecord.detect!, windows: [j % 2 ? other : check, j % 2 ? check : other].map((x) => ((x === check ? j < 3 : j === 0) ? x : { ...x, crc: (x.crc ^ (j << 8)) >>> 0 })) },
        });
      }
    }
    const far = w(200, 56, body, 0); // [200, 256): past the end of a 230-byte object
    for (let j = 0; j < 5; j++) recs.push({ ...startRecord, id: 0x4000 + j, name: `Test.Far.N${j}`, detect: { ...startRecord.detect!, windows: [far, w(60 + j, 16, body, 0)] } });
    const engine = await Engine.load(await encodeDatabase({ dbVersion: 1, records: recs }), { allowUnsigned: true });
    const r = engine.scan(hostWithBodyAtStart(10));
    expect(r.detections.map((d) => d.name)).toEqual(Array.from({ length: 10 }, (_, g) => `Test.Group${g}.N00`).concat(Array.from({ length: 5 }, (_, j) => `Test.Far.N${j}`)));
    expect(r.stats.candidates).toBe(205);
    // 10 check windows, the other window of the 3 rows per group with the right check CRC, the shared far window and 5 own ones.
    expect(r.stats.crcs).toBe(10 + 30 + 1 + 5);
    const short = engine.scan(body.subarray(0, 230));
    expect(short.detections.map((d) => d.name)).toEqual(Array.from({ length: 10 }, (_, g) => `Test.Group${g}.N00`));
    expect(short.stats.crcs).toBe(10 + 30); // the far group: its window does not fit, nothing hashed
    // firstOnly stops at the first detection, wherever in the key it is
    expect(engine.scan(hostWithBodyAtStart(10), { firstOnly: true }).detections).toHaveLength(1);
  });

  it("finds the same keys in an engine's first object, by searching the sorted keys, as later through its hash table", async () => {
    // An engine builds the keys' filter and hash table for its second object: a one-file scan
    // never pays for them. Six objects, 40 records each read at an offset of their own; every
    // record's code is in its object (a third with a spoiled CRC), so the keys at either end of the
    // sorted keys are met too. Each object is scanned as an engine's first, then after another.
    const r = prng(7);
    const objects = Array.from({ length: 6 }, () => Uint8Array.from({ length: 3000 }, () => Math.floor(r() * 256)));
    const recs: RecordImage[] = [];
    const planted: string[][] = objects.map(() => []);
    objects.forEach((o, n) => {
      for (let j = 0; j < 40; j++) {
        const at = Math.floor(r() * 2000);
        const name = `Test.Keys${n}.N${String(j).padStart(2, "0")}`;
        const spoiled = j % 3 === 2;
        if (!spoiled) planted[n].push(name);
        const a = w(at + 2, 16 + (j % 7), o, 0);
        recs.push({ ...startRecord, id: 0x6000 + 64 * n + j, name, detect: { anchor: Anchor.start, at, first: o[at] | (o[at + 1] << 8), filetypes: 0, windows: [spoiled ? { ...a, crc: (a.crc ^ 1) >>> 0 } : a, w(at + 40, 24, o, 0)] } });
      }
    });
    const bytes = await encodeDatabase({ dbVersion: 1, records: recs });
    const later = await Engine.load(bytes, { allowUnsigned: true });
    later.scan(new Uint8Array(3000));
    for (const [n, o] of objects.entries()) {
      const first = (await Engine.load(bytes, { allowUnsigned: true })).scan(o);
      const tabled = later.scan(o);
      expect(first.detections.map((d) => d.name)).toEqual([...planted[n]].sort());
      expect(tabled.detections).toEqual(first.detections);
      expect(tabled.stats).toEqual(first.stats);
    }
  });

  it("refuses a key whose rows are out of order", async () => {
    const recs = [0, 1].map((j) => ({ ...startRecord, id: 0x50 + j, name: `Test.Order.N${j}`, detect: { ...startRecord.detect!, windows: [w(2, 16, body, 0), w(40 + j, 16, body, 0)] } }));
    const bytes = await encodeDatabase({ dbVersion: 1, records: recs });
    const db = await openDatabase(bytes);
    const rowsAt = db.info.sections.find((s) => s.name === "RECS")!.offset;
    const copy = bytes.slice();
    copy.set(bytes.subarray(rowsAt, rowsAt + 32), rowsAt + 32); // the two rows swapped
    copy.set(bytes.subarray(rowsAt + 32, rowsAt + 64), rowsAt);
    copy.set(await sha256(copy.subarray(112)), 8);
    const err = (await openDatabase(copy).catch((e: unknown) => e)) as DatabaseError;
    expect(err.code).toBe("MALFORMED");
    expect(err.message).toMatch(/rows of index key 0 are not sorted by check window, its CRC and id/);
  });

  it("never matches a window that runs past the end of the object", async () => {
    const engine = await Engine.load(await encodeDatabase({ dbVersion: 1, records: [startRecord] }), { allowUnsigned: true });
    // window 2 covers [128, 228): a 227-byte object holds all but its last byte
    expect(engine.scan(body.subarray(0, 228)).infected).toBe(true);
    expect(engine.scan(body.subarray(0, 227)).infected).toBe(false);
  });

  it("keeps a deprecated record's row but no longer detects with it", async () => {
    const db = await encodeDatabase({ dbVersion: 1, records: [{ ...startRecord, status: 2 }] });
    const engine = await Engine.load(db, { allowUnsigned: true });
    expect(engine.db.record(0).status).toBe("deprecated");
    expect(engine.scan(hostWithBodyAtStart(10)).infected).toBe(false);
  });

  it("stops at the first detection when asked", async () => {
    const engine = await Engine.load(await encodeDatabase({ dbVersion: 1, records }), { allowUnsigned: true });
    const both = new Uint8Array(body.length);
    both.set(body);
    expect(engine.scan(both).detections.length).toBe(2); // start and end anchored at once
    expect(engine.scan(both, { firstOnly: true }).detections.length).toBe(1);
  });
});

describe("refusing a damaged database", () => {
  it("refuses a truncated file with both sizes in the message", async () => {
    const bytes = await encodeDatabase({ dbVersion: 1, records });
    const err = await openDatabase(bytes.subarray(0, bytes.length - 9)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as DatabaseError).code).toBe("TRUNCATED");
    expect((err as DatabaseError).message).toContain(`${bytes.length - 9} bytes but its header declares ${bytes.length}`);
    expect(((await openDatabase(bytes.subarray(0, 50)).catch((e: unknown) => e)) as DatabaseError).code).toBe("TOO_SHORT");
  });

  it("refuses every single-bit flip", async () => {
    const bytes = await encodeDatabase({ dbVersion: 1, records });
    const seen = new Set<string>();
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const copy = bytes.slice();
      copy[bit >> 3] ^= 1 << (bit & 7);
      const err = await openDatabase(copy).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `bit ${bit}`).toBeInstanceOf(DatabaseError);
      seen.add((err as DatabaseError).code);
    }
    expect([...seen].sort()).toEqual(["BAD_MAGIC", "CHECKSUM_MISMATCH", "TRUNCATED"]);
  });

  it("never crashes on structurally corrupt content that carries a valid checksum", async () => {
    const bytes = await encodeDatabase({ dbVersion: 1, records });
    const rnd = prng(7);
    const probe = hostWithBodyAtStart(300);
    let loaded = 0;
    for (let i = 0; i < 600; i++) {
      const copy = bytes.slice();
      const n = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < n; k++) copy[112 + Math.floor(rnd() * (copy.length - 112))] = Math.floor(rnd() * 256);
      copy.set(await sha256(copy.subarray(112)), 8);
      try {
        const engine = await Engine.load(copy, { allowUnsigned: true });
        loaded++;
        engine.scan(probe);
        engine.scan(new Uint8Array(3));
      } catch (e) {
        expect(e).toBeInstanceOf(DatabaseError);
      }
    }
    expect(loaded).toBeGreaterThan(0);
  });

  it("refuses a database whose records need a module the engine lacks", async () => {
    const mod: RecordImage = { id: 5, rev: 1, type: 2, status: 1, name: "Test.Poly.A", category: 0, attributes: 0, module: "xor-decoder" };
    const bytes = await encodeDatabase({ dbVersion: 1, records: [mod] });
    const err = (await Engine.load(bytes, { allowUnsigned: true }).catch((e: unknown) => e)) as DatabaseError;
    expect(err.code).toBe("MISSING_MODULE");
    expect(err.message).toContain("xor-decoder");
    const registry = builtInModules().register({ name: "xor-decoder", version: "1", description: "test", args: z.undefined(), detect: () => undefined, process: () => ({ refuse: "test" }) });
    await expect(Engine.load(bytes, { modules: registry, allowUnsigned: true })).resolves.toBeInstanceOf(Engine);
  });
});
