// The writer stores each string and each cleaning script once, whatever the number of records
// naming it, and finds them by what their bytes are (UTF-8 for strings).
import { describe, expect, it } from "vitest";
import { encodeDatabase, openDatabase, type RecordImage } from "@tgvx/engine";

const base: RecordImage = { id: 1, rev: 1, type: 1, status: 1, name: "Test.Strings.A", category: 0, attributes: 0, module: "m" };
const record = (id: number, extra: Partial<RecordImage>): RecordImage => ({ ...base, id, name: `Test.Strings.R${id}`, ...extra });

describe("the string and script tables", () => {
  it("store equal strings once, and strings whose UTF-8 is equal once (a lone surrogate is written as U+FFFD)", async () => {
    const twice = await encodeDatabase({ dbVersion: 1, records: [record(1, { args: '{"a":"é"}' }), record(2, { args: '{"a":"é"}' })] });
    const other = await encodeDatabase({ dbVersion: 1, records: [record(1, { args: '{"a":"é"}' }), record(2, { args: '{"a":"è"}' })] });
    expect(other.length - twice.length).toBeGreaterThan(0);

    const lone = await encodeDatabase({ dbVersion: 1, records: [record(1, { args: "\ud800x" }), record(2, { args: "\ufffdx" }), record(3, { args: "\udc00x" })] });
    const replaced = await encodeDatabase({ dbVersion: 1, records: [record(1, { args: "\ufffdx" }), record(2, { args: "\ufffdx" }), record(3, { args: "\ufffdx" })] });
    expect(Buffer.from(lone).equals(Buffer.from(replaced))).toBe(true);
    const db = await openDatabase(lone); // a valid database: every reference checks out
    expect(db.recordCount).toBe(3);
  });

  it("store equal scripts once, different scripts (even of equal hash buckets) each", async () => {
    const a = Uint8Array.of(1, 2, 3, 4);
    const b = Uint8Array.of(1, 2, 3, 5);
    const shared = await encodeDatabase({ dbVersion: 1, records: [record(1, { clean: a }), record(2, { clean: Uint8Array.from(a) })] });
    const distinct = await encodeDatabase({ dbVersion: 1, records: [record(1, { clean: a }), record(2, { clean: b })] });
    expect(distinct.length).toBeGreaterThanOrEqual(shared.length);
    expect(Buffer.from(shared).equals(Buffer.from(distinct))).toBe(false);
    const many = Array.from({ length: 300 }, (_, i) => record(i + 1, { clean: Uint8Array.of(i & 0xff, i >> 8, 7), module: i % 2 ? "m" : "n" }));
    const again = await encodeDatabase({ dbVersion: 1, records: [...many].reverse() });
    expect(Buffer.from(await encodeDatabase({ dbVersion: 1, records: many })).equals(Buffer.from(again))).toBe(true);
  });
});
