// The STNC section: stencils written and read by the one layout; a database without stencils has none.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DatabaseError, encodeDatabase, matchName, openDatabase, sha256, sha256HexSync, type RecordImage, type Stencil } from "@tgvx/engine";

const record: RecordImage = { id: 1, rev: 1, type: 1, status: 1, name: "Test.Module.A", category: 0, attributes: 0, module: "m" };

const desktop: Stencil = {
  name: "desktop",
  description: "a workstation",
  fallback: "quarantine",
  categories: { riskware: false, adware: true },
  rules: [
    { name: "spreaders", when: { anyAttributes: ["sfx", "archive-spreader"] }, action: "quarantine", reason: "the package is the worm" },
    { name: "infectors", when: { attributes: ["infector"], notAttributes: ["mailer"], in: ["top", "archive"], filetypes: ["com", "pe32"] }, action: "clean", fallback: "remove", reason: "repair" },
    { name: "named", when: { names: ["Win95.CIH", "I-Worm.*"], categories: ["virus", "worm"] }, action: "report", reason: "named ones" },
    { name: "rest", when: {}, action: "report", reason: "everything else" },
  ],
};
const gateway: Stencil = { name: "mail-gateway", description: "a mail filter", rules: [{ name: "mailers", when: { attributes: ["mailer"] }, action: "discard", reason: "drop" }] };

/** Re-stamp the content digest after patching bytes, so only the patched field is wrong. */
async function restamp(b: Uint8Array): Promise<Uint8Array> {
  b.set(await sha256(b.subarray(112)), 8);
  return b;
}

function stnc(bytes: Uint8Array): { offset: number; length: number; count: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const n = v.getUint32(140, true);
  for (let i = 0; i < n; i++) {
    const e = 160 + i * 16;
    if (String.fromCharCode(...bytes.subarray(e, e + 4)) === "STNC") return { offset: v.getUint32(e + 4, true), length: v.getUint32(e + 8, true), count: v.getUint32(e + 12, true) };
  }
  throw new Error("no STNC");
}

describe("STNC", () => {
  // Lists in conditions are bit sets in the file: they come back in vocabulary order, as written here.
  it("round-trips stencils, sorted by name, with every condition, switch and fallback", async () => {
    const bytes = await encodeDatabase({ dbVersion: 1, records: [record], stencils: [gateway, desktop] });
    const db = await openDatabase(bytes);
    expect(db.stencils()).toEqual([desktop, gateway]);
    expect(db.info.sections.map((s) => s.name)).toContain("STNC");
    expect(stnc(bytes).count).toBe(2);
    // The same stencils in another order give the same bytes.
    expect(Buffer.from(await encodeDatabase({ dbVersion: 1, records: [record], stencils: [desktop, gateway] })).equals(Buffer.from(bytes))).toBe(true);
  });

  it("is not written when there are no stencils: such a database is what it was before stencils existed", async () => {
    const bytes = await encodeDatabase({ dbVersion: 1, records: [record] });
    const db = await openDatabase(bytes);
    expect(db.info.sections.map((s) => s.name)).toEqual(["RECS", "SHAP", "WINS", "PROB", "KEYS", "NAME", "STRS", "SCRP"]);
    expect(db.stencils()).toEqual([]);
  });

  it("refuses a database whose stencils name an unknown action, bits or rules outside the section", async () => {
    const good = await encodeDatabase({ dbVersion: 1, records: [record], stencils: [desktop] });
    const at = stnc(good);
    const rule0 = at.offset + 1 * 24; // one stencil entry, then its rules
    const cases: [string, (b: Uint8Array, v: DataView) => void, RegExp][] = [
      ["action code", (b) => (b[rule0 + 31] = 99), /stencil desktop rule 0: action code 99/],
      ["fallback that is not a fallback", (b) => (b[rule0 + 40 + 32] = 4), /fallback: action code 4/],
      ["unknown attribute bits", (_, v) => v.setUint32(rule0 + 12, 0x80000000, true), /unknown bits 0x80000000/],
      ["a category on and off", (_, v) => v.setUint16(at.offset + 16, 1 << 5, true), /switched both on and off/],
      ["rules beyond the section", (_, v) => v.setUint16(at.offset + 12, 9, true), /rules 0\.\.9 of 4/],
      ["a string outside STRS", (_, v) => v.setUint32(rule0 + 4, 0x7fffff00, true), /string ref .* outside STRS/],
    ];
    for (const [what, patch, message] of cases) {
      const b = new Uint8Array(good);
      patch(b, new DataView(b.buffer));
      const err = await openDatabase(await restamp(b)).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(DatabaseError);
      expect((err as DatabaseError).code, what).toBe("MALFORMED");
      expect((err as DatabaseError).message, what).toMatch(message);
    }
  });
});

describe("record-name patterns", () => {
  it("name a record exactly, a family by dotted prefix, or by glob; more specific scores higher", () => {
    expect(matchName("Win95.CIH.1003", "Win95.CIH.1003")).toBeGreaterThan(matchName("Win95.CIH", "Win95.CIH.1003"));
    expect(matchName("Win95.CIH", "Win95.CIH.1003")).toBeGreaterThan(matchName("Win95.*", "Win95.CIH.1003"));
    expect(matchName("Win95.*", "Win95.CIH.1003")).toBeGreaterThan(matchName("*", "Win95.CIH.1003"));
    expect(matchName("win95.cih", "Win95.CIH.1003")).toBeGreaterThan(0);
    expect(matchName("Win95.CI", "Win95.CIH.1003")).toBe(0); // a prefix ends at a dot
    expect(matchName("Win95.CIH.100?", "Win95.CIH.1003")).toBeGreaterThan(0);
    expect(matchName("I-Worm.*", "Win95.CIH.1003")).toBe(0);
  });
});

describe("sha256HexSync", () => {
  it("agrees with node:crypto for every length around the block boundaries", () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let n = 0; n <= 300; n++) expect(sha256HexSync(data.subarray(0, n)), `${n} bytes`).toBe(createHash("sha256").update(data.subarray(0, n)).digest("hex"));
  });
});
