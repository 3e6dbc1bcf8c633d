// Keys, database signatures, and the engine's trust policy on load.
import { describe, expect, it } from "vitest";
import {
  Anchor,
  DatabaseError,
  encodeDatabase,
  Engine,
  KeyFormatError,
  openDatabase,
  parsePublicKey,
  sha256,
  storedDigest,
  toHex,
  type RecordImage,
} from "@tgvx/engine";
import { generateSigningKey, keyFiles, parsePrivateKey, signDatabase } from "@tgvx/compiler";

const record: RecordImage = {
  id: 0x100,
  rev: 1,
  type: 3,
  status: 1,
  name: "Test.Sign.A",
  category: 0,
  attributes: 0,
  detect: { anchor: Anchor.start, at: 0, first: 0x4d5a, filetypes: 0, windows: [{ offset: 0, length: 16, crc: 1 }, { offset: 16, length: 16, crc: 2 }] },
};
const unsigned = await encodeDatabase({ dbVersion: 5, records: [record] });
const key = await generateSigningKey();
const other = await generateSigningKey();
const signed = await signDatabase(unsigned, key);

async function refusal(p: Promise<unknown>): Promise<DatabaseError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatabaseError);
  return err as DatabaseError;
}

describe("key files", () => {
  it("round-trip: the private file gives back the same key, the public file its public half", async () => {
    const { privateText, publicText } = keyFiles(key);
    expect(privateText).toContain(`tgvx-private-key ed25519 ${key.id} `);
    expect(publicText).toContain(`tgvx-public-key ed25519 ${key.id} `);
    expect(publicText).not.toContain(privateText.split("\n").at(-2)!.split(" ")[3]);
    const back = await parsePrivateKey(privateText);
    expect(back.id).toBe(key.id);
    expect(toHex(back.publicKey.raw)).toBe(toHex(key.publicKey.raw));
    const pub = await parsePublicKey(publicText);
    expect(pub.id).toBe(key.id);
    // The key id is the first 8 bytes of SHA-256(public key).
    expect(pub.id).toBe(toHex((await sha256(pub.raw)).subarray(0, 8)));
  });

  it("refuses the wrong half, an edited id, and damaged text, each saying what to do", async () => {
    const { privateText, publicText } = keyFiles(key);
    const code = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as KeyFormatError).code;
    await expect(parsePublicKey(privateText)).rejects.toThrow(/is a PRIVATE key: give the public half/);
    await expect(parsePrivateKey(publicText)).rejects.toThrow(/is a public key: signing needs the private key file/);
    const wrongId = publicText.replaceAll(key.id, other.id);
    expect(await code(parsePublicKey(wrongId))).toBe("KEY_ID_MISMATCH");
    expect(await code(parsePrivateKey(privateText.replaceAll(key.id, other.id)))).toBe("KEY_ID_MISMATCH");
    expect(await code(parsePublicKey(publicText.replace(/[A-Za-z0-9+/]{10}=\n$/, "=\n")))).toBe("BAD_KEY_FILE");
    expect(await code(parsePublicKey("hello"))).toBe("BAD_KEY_FILE");
    expect(await code(parsePublicKey(publicText + publicText))).toBe("BAD_KEY_FILE");
  });
});

describe("signing a database", () => {
  it("fills only the signature block: the content SHA-256 (the database's identity) is unchanged", async () => {
    expect(storedDigest(signed)).toBe(storedDigest(unsigned));
    expect(signed.length).toBe(unsigned.length);
    const differs = [...signed.keys()].filter((i) => signed[i] !== unsigned[i]);
    expect(Math.min(...differs)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...differs)).toBeLessThan(112);
    const info = (await openDatabase(signed)).info;
    expect(info).toMatchObject({ signed: true, keyId: key.id, sha256: storedDigest(unsigned) });
    expect((await openDatabase(unsigned)).info.signed).toBe(false);
  });

  it("is deterministic (ed25519), and re-signing with another key replaces the signature", async () => {
    expect(toHex(await signDatabase(unsigned, key))).toBe(toHex(signed));
    const resigned = await signDatabase(signed, other);
    expect((await openDatabase(resigned)).info.keyId).toBe(other.id);
    expect(storedDigest(resigned)).toBe(storedDigest(unsigned));
  });

  it("refuses to sign a damaged database", async () => {
    const bad = unsigned.slice();
    bad[bad.length - 1] ^= 1;
    expect((await refusal(signDatabase(bad, key))).code).toBe("CHECKSUM_MISMATCH");
  });
});

describe("Engine.load trusts only what it is told to", () => {
  it("loads a database signed by a trusted key (text, raw bytes or parsed) and says so", async () => {
    const { publicText } = keyFiles(key);
    for (const trusted of [publicText, key.publicKey.raw, key.publicKey]) {
      const engine = await Engine.load(signed, { trustedKeys: [other.publicKey, trusted] });
      expect(engine.trust).toEqual({ signature: "verified", keyId: key.id });
    }
  });

  it("refuses an unsigned database by default (UNSIGNED); allowUnsigned is the explicit opt-out", async () => {
    const err = await refusal(Engine.load(unsigned));
    expect(err.code).toBe("UNSIGNED");
    expect(err.message).toMatch(/^database is not signed .*only databases signed by a trusted key are accepted/);
    expect((await refusal(Engine.load(unsigned, { trustedKeys: [key.publicKey] }))).code).toBe("UNSIGNED");
    expect((await Engine.load(unsigned, { allowUnsigned: true })).trust).toEqual({ signature: "unsigned" });
    expect((await Engine.load(unsigned, { allowUnsigned: true, trustedKeys: [key.publicKey] })).trust).toEqual({ signature: "unsigned" });
  });

  it("refuses a database signed by another key (UNTRUSTED_KEY), naming both keys", async () => {
    const err = await refusal(Engine.load(signed, { trustedKeys: [other.publicKey] }));
    expect(err.code).toBe("UNTRUSTED_KEY");
    expect(err.message).toContain(`signed by key ${key.id}, which is not a trusted key (trusted: ${other.id})`);
    // allowUnsigned does not cover a foreign signature once trusted keys are given...
    expect((await refusal(Engine.load(signed, { trustedKeys: [other.publicKey], allowUnsigned: true }))).code).toBe("UNTRUSTED_KEY");
    // ...and without any trusted key a signed database cannot be checked: loaded only under the opt-out, as not checked.
    expect((await refusal(Engine.load(signed))).message).toMatch(/no trusted key was given/);
    expect((await Engine.load(signed, { allowUnsigned: true })).trust).toEqual({ signature: "not-checked", keyId: key.id });
  });

  it("refuses a forged or altered signature (BAD_SIGNATURE), even under allowUnsigned", async () => {
    const forged = signed.slice();
    forged[50] ^= 0x01;
    const err = await refusal(Engine.load(forged, { trustedKeys: [key.publicKey], allowUnsigned: true }));
    expect(err.code).toBe("BAD_SIGNATURE");
    expect(err.message).toContain(`does not verify with trusted key ${key.id}`);
    // A signature moved onto other content (same key, other database) does not verify either.
    const otherDb = await encodeDatabase({ dbVersion: 6, records: [{ ...record, rev: 2 }] });
    const moved = otherDb.slice();
    moved.set(signed.subarray(40, 112), 40);
    expect((await refusal(Engine.load(moved, { trustedKeys: [key.publicKey] }))).code).toBe("BAD_SIGNATURE");
  });

  it("refuses a header whose signature block is half there (a key id without signature, or the reverse)", async () => {
    const noSig = signed.slice();
    noSig.fill(0, 40, 104);
    expect((await refusal(openDatabase(noSig))).message).toMatch(/names signing key [0-9a-f]{16} but carries no signature/);
    const noId = signed.slice();
    noId.fill(0, 104, 112);
    expect((await refusal(openDatabase(noId))).message).toMatch(/signature bytes but no key id/);
  });

  it("refuses a database that is not newer than the one in use (VERSION_NOT_NEWER)", async () => {
    const err = await refusal(Engine.load(signed, { trustedKeys: [key.publicKey], newerThan: 5 }));
    expect(err.code).toBe("VERSION_NOT_NEWER");
    expect(err.message).toBe("database version 5 is not newer than the version in use (5): updates only move forward; keep the current database");
    await expect(Engine.load(signed, { trustedKeys: [key.publicKey], newerThan: 4 })).resolves.toBeInstanceOf(Engine);
  });
});
