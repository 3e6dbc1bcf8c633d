// The patch format and applying patches: byte-identical results, and every refusal with its own code and message.
import { deflateSync, inflateSync } from "fflate";
import { describe, expect, it } from "vitest";
import {
  Anchor,
  applyPatch,
  applyPatches,
  databaseImage,
  encodeDatabase,
  encodePatch,
  openDatabase,
  PatchError,
  readPatchInfo,
  sha256,
  storedDigest,
  toHex,
  type DatabaseImage,
  type PatchErrorCode,
  type RecordImage,
  type Stencil,
} from "@tgvx/engine";
import { compileCleanScript, generateSigningKey, makePatch, MakePatchError, signDatabase, signPatch, type SigningKey } from "@tgvx/compiler";

function prng(seed: number) {
  return () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
}

const scripts = [compileCleanScript(["remove"], () => {})!, compileCleanScript([{ "truncate-tail": "anchor" }], () => {})!];

/** A varied record set: type 3/4 detections sharing windows, module records, scripts, attributes. */
function records(n: number, seed = 1): RecordImage[] {
  const r = prng(seed);
  const out: RecordImage[] = [];
  for (let i = 0; i < n; i++) {
    const id = 0x1000 + i * 3;
    const type = r() < 0.05 ? 2 : r() < 0.2 ? 4 : 3;
    const rec: RecordImage = { id, rev: 1, type: type as RecordImage["type"], status: 1, name: `Test.Fam${Math.floor(i / 10)}.V${i}`, category: 0, attributes: r() < 0.3 ? 1 : 0 };
    if (type === 2) {
      rec.module = "poly-decoder";
      rec.args = JSON.stringify({ key: i });
    } else {
      const anchor = r() < 0.7 ? Anchor.start : Anchor.end;
      const off = anchor === Anchor.end ? -0x100 : 0;
      rec.detect = {
        anchor,
        at: off,
        first: Math.floor(r() * 0x10000),
        filetypes: type === 4 ? 1 : 0,
        windows: [
          { offset: off + 16 * Math.floor(r() * 4), length: 32, crc: Math.floor(r() * 2 ** 32) },
          { offset: off + 0x80, length: 16 + 16 * Math.floor(r() * 3), crc: Math.floor(r() * 2 ** 32) },
        ],
      };
    }
    if (r() < 0.5) rec.clean = scripts[Math.floor(r() * scripts.length)];
    out.push(rec);
  }
  return out;
}

const mailGateway: Stencil = {
  name: "mail-gateway",
  description: "a mail server: mailers are discarded",
  rules: [{ name: "mailers", when: { attributes: ["infector"] }, action: "discard", reason: "it mails itself" }],
};

const key = await generateSigningKey();
const other = await generateSigningKey();
const trusted = { trustedKeys: [key.publicKey] };

async function release(img: DatabaseImage, k: SigningKey = key): Promise<Uint8Array> {
  return signDatabase(await encodeDatabase(img), k);
}

/** Apply `v1 -> v2` style edits: remove, replace (rev bumped), add. */
function edit(recs: RecordImage[], seed: number, share = 0.1): RecordImage[] {
  const r = prng(seed);
  const out: RecordImage[] = [];
  let nextId = Math.max(...recs.map((x) => x.id)) + 1;
  for (const x of recs) {
    const u = r();
    if (u < share / 3) continue;
    if (u < (2 * share) / 3) out.push({ ...x, rev: x.rev + 1, name: `${x.name}.b` });
    else out.push(x);
    if (r() < share / 3) out.push({ ...x, id: nextId++, name: `${x.name}.new` });
  }
  return out;
}

const r1 = records(300);
const r2 = edit(r1, 2);
const r3 = edit(r2, 3);
const v1 = await release({ dbVersion: 1, records: r1 });
const v2 = await release({ dbVersion: 2, records: r2, stencils: [mailGateway] });
const v3 = await release({ dbVersion: 3, records: r3, stencils: [mailGateway], buildTime: 1_750_000_000 });
const p12 = (await makePatch(v1, v2, key)).bytes;
const p23 = (await makePatch(v2, v3, key)).bytes;
const p13 = (await makePatch(v1, v3, key)).bytes;

async function refusal(p: Promise<unknown>, code: PatchErrorCode): Promise<PatchError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a PatchError ${code}`).toBeInstanceOf(PatchError);
  expect((err as PatchError).code, (err as Error).message).toBe(code);
  return err as PatchError;
}

/** A changed patch with its digest recomputed and signed again by `k`: content errors must be caught past the signature. */
async function resign(patch: Uint8Array, k: SigningKey = key): Promise<Uint8Array> {
  const out = patch.slice();
  out.set(await sha256(out.subarray(112)), 8);
  return signPatch(out, k);
}

describe("database images", () => {
  it("encodeDatabase(databaseImage(db)) gives the database's content back, stencils included", async () => {
    for (const bytes of [v1, v2, v3]) {
      const again = await encodeDatabase(databaseImage(await openDatabase(bytes)));
      expect(toHex(again.subarray(112))).toBe(toHex(bytes.subarray(112)));
      expect(storedDigest(again)).toBe(storedDigest(bytes));
    }
  });
});

describe("making and applying a patch", () => {
  it("gives the target byte for byte, from records removed, added and replaced, and a stencil change", async () => {
    const { bytes, summary } = await makePatch(v1, v2, key);
    expect(summary.removed + summary.added + summary.replaced).toBeGreaterThan(10);
    expect(summary).toMatchObject({ stencilsChanged: true, revNotBumped: [], base: { dbVersion: 1 }, target: { dbVersion: 2, keyId: key.id } });
    expect(summary.bytes).toBe(bytes.length);
    expect(bytes.length).toBeLessThan(v2.length / 2);
    const before = v1.slice();
    const out = await applyPatch(v1, bytes, trusted);
    expect(toHex(out.bytes)).toBe(toHex(v2));
    expect(toHex(v1)).toBe(toHex(before)); // the input is never touched
    expect(out.steps).toEqual([
      expect.objectContaining({ index: 0, alreadyApplied: false, removed: summary.removed, added: summary.added, replaced: summary.replaced, keyId: key.id }),
    ]);
    // No stencil change: the patch carries none.
    expect((await makePatch(v2, v3, key)).summary.stencilsChanged).toBe(false);
  });

  it("carries a patch that replaces every record of a larger database (a body of many buffers)", async () => {
    const big = records(3000, 7);
    const a = await release({ dbVersion: 10, records: big });
    const b = await release({ dbVersion: 11, records: big.map((x) => ({ ...x, rev: x.rev + 1, name: `${x.name}.renamed` })) });
    const { bytes, summary } = await makePatch(a, b, key);
    expect(summary.replaced).toBe(3000);
    expect((await readPatchInfo(bytes)).bodyLength).toBeGreaterThan(100_000);
    expect(toHex((await applyPatch(a, bytes, trusted)).bytes)).toBe(toHex(b));
  });

  it("is deterministic", async () => {
    expect(toHex((await makePatch(v1, v2, key)).bytes)).toBe(toHex(p12));
  });

  it("applies a chain in order, and a patch from any older release straight to the newest", async () => {
    expect(toHex((await applyPatches(v1, [p12, p23], trusted)).bytes)).toBe(toHex(v3));
    expect(toHex((await applyPatch(v1, p13, trusted)).bytes)).toBe(toHex(v3));
    expect(toHex((await applyPatch(v2, p23, trusted)).bytes)).toBe(toHex(v3));
  });

  it("counts a patch whose target the database already is as applied, so an update can be run again", async () => {
    const again = await applyPatches(v2, [p12, p23], trusted);
    expect(toHex(again.bytes)).toBe(toHex(v3));
    expect(again.steps.map((s) => s.alreadyApplied)).toEqual([true, false]);
    const none = await applyPatch(v3, p23, trusted);
    expect(none.bytes).toBe(v3);
    expect(none.steps[0].alreadyApplied).toBe(true);
  });

  it("warns about content changed without a rev bump, and ships it", async () => {
    const sneaky = await release({ dbVersion: 2, records: r1.map((x, i) => (i === 5 ? { ...x, name: "Test.Changed" } : x)) });
    const { bytes, summary } = await makePatch(v1, sneaky, key);
    expect(summary.revNotBumped).toEqual([r1[5].id]);
    expect(toHex((await applyPatch(v1, bytes, trusted)).bytes)).toBe(toHex(sneaky));
  });

  it("is refused at making time when the new database is unsigned, signed by another key, or not newer", async () => {
    const code = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as MakePatchError).code;
    expect(await code(makePatch(v1, await encodeDatabase({ dbVersion: 2, records: r2 }), key))).toBe("TARGET_UNSIGNED");
    expect(await code(makePatch(v1, v2, other))).toBe("KEY_MISMATCH");
    expect(await code(makePatch(v2, v1, key))).toBe("VERSION_NOT_NEWER");
    expect(await code(makePatch(v2, await release({ dbVersion: 2, records: r3 }), key))).toBe("VERSION_NOT_NEWER");
  });
});

describe("refusing a patch: each case its own code and message, the database untouched", () => {
  const base = v1.slice();
  const untouched = () => expect(toHex(v1)).toBe(toHex(base));

  it("TRUNCATED: a download cut short", async () => {
    const e = await refusal(applyPatch(v1, p12.subarray(0, p12.length - 100), trusted), "TRUNCATED");
    expect(e.message).toBe(`patch is ${p12.length - 100} bytes but its header declares ${p12.length}: the file is truncated; fetch it again`);
    expect((await refusal(applyPatch(v1, p12.subarray(0, 200), trusted), "TRUNCATED")).message).toMatch(/shorter than its 336-byte header/);
    untouched();
  });

  it("NOT_A_PATCH: another file, or a database given as a patch", async () => {
    await refusal(applyPatch(v1, new TextEncoder().encode("<html>404 Not Found</html>"), trusted), "NOT_A_PATCH");
    expect((await refusal(applyPatch(v1, v2, trusted), "NOT_A_PATCH")).message).toMatch(/this is a tgvxdb database, not a patch/);
    expect((await refusal(applyPatch(v1, new Uint8Array(0), trusted), "NOT_A_PATCH")).message).toMatch(/empty/);
    untouched();
  });

  it("CORRUPT: a byte changed in transit (the checksum fails)", async () => {
    const bad = p12.slice();
    bad[bad.length - 20] ^= 0x40;
    expect((await refusal(applyPatch(v1, bad, trusted), "CORRUPT")).message).toMatch(/^patch checksum mismatch: .*damaged or altered; fetch it again$/);
    untouched();
  });

  it("BAD_SIGNATURE: a tampered patch whose checksum was recomputed", async () => {
    const bad = p12.slice();
    bad[bad.length - 20] ^= 0x40;
    bad.set(await sha256(bad.subarray(112)), 8);
    const e = await refusal(applyPatch(v1, bad, trusted), "BAD_SIGNATURE");
    expect(e.message).toBe(`patch signature does not verify with trusted key ${key.id}: the patch was altered after it was signed, or the signature is forged; fetch it again from the publisher`);
    untouched();
  });

  it("UNTRUSTED_KEY: signed by another key; UNSIGNED: no signature; and no trusted key at all", async () => {
    const foreign = await resign(p12, other);
    expect((await refusal(applyPatch(v1, foreign, trusted), "UNTRUSTED_KEY")).message).toContain(`signed by key ${other.id}, which is not a trusted key (trusted: ${key.id})`);
    const unsigned = p12.slice();
    unsigned.fill(0, 40, 112);
    await refusal(applyPatch(v1, unsigned, trusted), "UNSIGNED");
    expect((await refusal(applyPatch(v1, p12, { trustedKeys: [] }), "UNTRUSTED_KEY")).message).toMatch(/^no trusted key given/);
    untouched();
  });

  it("WRONG_BASE: made for another database of the same version", async () => {
    const v1b = await release({ dbVersion: 1, records: r1.slice(1) });
    const e = await refusal(applyPatch(v1b, p12, trusted), "WRONG_BASE");
    expect(e.message).toBe(
      `patch is for database version 1 (SHA-256 ${storedDigest(v1).slice(0, 12)}), but the database is version 1 (SHA-256 ${storedDigest(v1b).slice(0, 12)}): it was made for another database; get the patch from version 1 (or the full database)`,
    );
    // A damaged current database cannot be patched either.
    await refusal(applyPatch(v1.subarray(0, 500), p12, trusted), "WRONG_BASE");
  });

  it("CHAIN_GAP: a patch missing in between, alone or inside a chain", async () => {
    const alone = await refusal(applyPatch(v1, p23, trusted), "CHAIN_GAP");
    expect(alone.message).toBe(
      "patch starts at version 2, but the database is version 1: the patches from version 1 to 2 are missing; apply them first, or get one patch from version 1 to the newest (or the full database)",
    );
    const v4 = await release({ dbVersion: 4, records: edit(r3, 4) });
    const p34 = (await makePatch(v3, v4, key)).bytes;
    const inChain = await refusal(applyPatches(v1, [p12, p34], trusted), "CHAIN_GAP");
    expect(inChain.index).toBe(1);
    expect(inChain.message).toMatch(/^patch 2 of 2: patch starts at version 3, but the database is version 2 after patch 1: the patches from version 2 to 3 are missing/);
    untouched();
  });

  it("VERSION_NOT_NEWER: a patch older than the database", async () => {
    const e = await refusal(applyPatch(v3, p12, trusted), "VERSION_NOT_NEWER");
    expect(e.message).toBe("patch updates version 1 to 2, but the database is already version 3: the patch is older than the database; nothing to apply");
  });

  it("TARGET_MISMATCH: the result is not what the patch promises", async () => {
    const info = await readPatchInfo(p12);
    const body = (await import("@tgvx/engine")).readPatchBody(p12, info);
    const lying = await signPatch(
      await encodePatch({ base: info.base, target: { ...info.target, sha256: "00".repeat(32) }, removed: body.removed, put: body.put, stencils: body.stencils }),
      key,
    );
    expect((await refusal(applyPatch(v1, lying, trusted), "TARGET_MISMATCH")).message).toMatch(/^the patched database has content SHA-256 .* but the patch promises 000000000000/);
    untouched();
  });

  it("CORRUPT: trusted but inconsistent content (a record the base lacks, a rev that does not match)", async () => {
    const info = await readPatchInfo(p12);
    const mk = async (removed: { id: number; rev: number }[]) => signPatch(await encodePatch({ base: info.base, target: info.target, removed, put: [] }), key);
    expect((await refusal(applyPatch(v1, await mk([{ id: 0x7fffffff, rev: 1 }]), trusted), "CORRUPT")).message).toBe(
      "patch removes record 0x7fffffff, which the database does not have",
    );
    expect((await refusal(applyPatch(v1, await mk([{ id: r1[0].id, rev: 9 }]), trusted), "CORRUPT")).message).toBe(
      `patch removes record 0x${r1[0].id.toString(16)} rev 9, but the database has rev 1`,
    );
  });

  it("UNSUPPORTED_FORMAT: a newer patch format, or a section this engine does not know", async () => {
    const newer = p12.slice();
    newer[112] = 2;
    expect((await refusal(applyPatch(v1, newer, trusted), "UNSUPPORTED_FORMAT")).message).toMatch(/^patch format version 2; this engine reads version 1/);
    // Append a chunk "XTRA" to the body: refused, never skipped.
    const raw = inflateSync(p12.subarray(336));
    const extra = new Uint8Array(raw.length + 12);
    extra.set(raw);
    extra.set(new TextEncoder().encode("XTRA"), raw.length);
    new DataView(extra.buffer).setUint32(raw.length + 4, 4, true);
    const packed = deflateSync(extra);
    const grown = new Uint8Array(336 + packed.length);
    grown.set(p12.subarray(0, 336));
    grown.set(packed, 336);
    const v = new DataView(grown.buffer);
    v.setUint32(120, grown.length, true);
    v.setUint32(148, extra.length, true);
    expect((await refusal(applyPatch(v1, await resign(grown), trusted), "UNSUPPORTED_FORMAT")).message).toMatch(/a "XTRA" section this engine does not know/);
  });

  it("never crashes on garbage that carries a trusted signature: a PatchError, or exactly the target", async () => {
    const rnd = prng(99);
    for (let i = 0; i < 150; i++) {
      const bad = p12.slice();
      const n = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < n; k++) bad[112 + Math.floor(rnd() * (bad.length - 112))] = Math.floor(rnd() * 256);
      const signed = await resign(bad).catch((e: unknown) => e);
      if (signed instanceof PatchError) continue; // the header itself no longer parses
      const out = await applyPatch(v1, signed as Uint8Array, trusted).then(
        (r) => r.bytes,
        (e: unknown) => e,
      );
      if (out instanceof Uint8Array) expect(toHex(out)).toBe(toHex(v2));
      else expect(out, String(out)).toBeInstanceOf(PatchError);
    }
    untouched();
  });
});
