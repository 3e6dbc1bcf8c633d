// The recursive engine on real containers built here (zip, tar, gzip, bzip2, e-mail), bombs included.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 as zcrc, deflateRawSync, gunzipSync, gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSources, findRecordFiles, readSources } from "@tgvx/compiler";
import { Engine } from "@tgvx/engine";
// @ts-expect-error plain ESM helper shared with bench/bombs.mjs
import { mail, nestedBomb, overlapBomb, tar, zip } from "./support/archives.mjs";

const root = new URL("..", import.meta.url).pathname;
const sample = (p: string) => readFileSync(join(root, "samples", p));
let engine: Engine;

beforeAll(async () => {
  const r = await compileSources(await readSources(await findRecordFiles(["db-src"], root), root));
  engine = await Engine.load(r.bytes!, { allowUnsigned: true });
});

describe("recursion", () => {
  it("the bzip2 fixture is exactly the tar it says it is", async () => {
    const { bunzip2 } = await import("../packages/engine/dist/containers/bzip2.js");
    const { Budget, DEFAULT_LIMITS } = await import("../packages/engine/dist/containers/limits.js");
    const out = Buffer.from(bunzip2(readFileSync(join(root, "test/fixtures/tailgate-com.tar.bz2")), new Budget(DEFAULT_LIMITS)));
    expect(out.equals(tar([{ name: "dos/x.com", data: sample("infected/tailgate-a/com-host-1.com") }]))).toBe(true);
  });

  it("decodes a multi-block bzip2 (11 blocks at level 1, long runs, every byte value) exactly", async () => {
    const { bunzip2 } = await import("../packages/engine/dist/containers/bzip2.js");
    const { Budget, DEFAULT_LIMITS } = await import("../packages/engine/dist/containers/limits.js");
    const parts: string[] = [];
    for (let i = 0; i < 6000; i++) parts.push(`line ${i}: ${"ab".repeat(i % 17)}${"z".repeat(i % 300)}\n`);
    const all = Buffer.alloc(256 * 3);
    for (let i = 0; i < all.length; i++) all[i] = i & 0xff;
    const want = Buffer.concat([Buffer.from(parts.join(""), "latin1"), all]);
    const out = Buffer.from(bunzip2(readFileSync(join(root, "test/fixtures/lines-11-blocks.txt.bz2")), new Budget(DEFAULT_LIMITS)));
    expect(out.length).toBe(want.length);
    expect(out.equals(want)).toBe(true);
  });

  it("finds a sample five containers deep (e-mail > tar.gz > zip > tar.bz2), naming the path", () => {
    const bz2 = readFileSync(join(root, "test/fixtures/tailgate-com.tar.bz2"));
    const z = zip([
      { name: "readme.txt", data: Buffer.from("nothing here\n") },
      { name: "deep/level3.tar.bz2", data: bz2 },
    ]);
    const tgz = gzipSync(tar([{ name: "bundle/archive.zip", data: z }]));
    const eml = mail({ name: "attachment.tgz", data: tgz });
    const entered: string[] = [];
    const r = engine.scan(eml, { name: "mail.eml", receiver: { enter: (p) => entered.push(p.join("/")) } });
    expect(r.verdict).toBe("infected");
    expect(r.detections.map((d) => [d.name, d.path.join("/")])).toEqual([
      ["DOS.Tailgate.A", "attachment.tgz/attachment.tar/bundle/archive.zip/deep/level3.tar.bz2/level3.tar/dos/x.com"],
    ]);
    expect(entered).toContain("attachment.tgz/attachment.tar/bundle/archive.zip/deep/level3.tar.bz2");
    expect(r.objects).toBe(entered.length);
  });

  it("stops at the depth limit and says so, never plain clean", () => {
    let inner: Buffer = sample("infected/eicar.com");
    for (let i = 0; i < 6; i++) inner = zip([{ name: `l${i}.zip`, data: inner }]);
    const r = engine.scan(inner, { name: "deep.zip", limits: { maxDepth: 3 } });
    expect(r.verdict).toBe("suspicious");
    expect(r.limits.map((l) => [l.name, l.path.length])).toEqual([["Heuristics.Limits.Exceeded.MaxRecursion", 3]]);
    expect(engine.scan(inner, { name: "deep.zip" }).detections.map((d) => d.name)).toEqual(["Test.EICAR.68"]);
  });

  it("does not open containers when told not to", () => {
    const z = zip([{ name: "eicar.com", data: sample("infected/eicar.com") }]);
    expect(engine.scan(z, { name: "a.zip", archives: false }).verdict).toBe("clean");
    expect(engine.scan(mail({ name: "eicar.com", data: sample("infected/eicar.com") }), { mail: false }).verdict).toBe("clean");
  });

  it("lists encrypted members as not scanned", () => {
    const z = zip([{ name: "secret.bin", data: Buffer.from("x") }]);
    z.writeUInt16LE(1, 6); // local header flags
    z.writeUInt16LE(1, z.indexOf(Buffer.from([0x50, 0x4b, 1, 2])) + 8); // central flags: encrypted
    const r = engine.scan(z, { name: "e.zip" });
    expect(r.verdict).toBe("incomplete");
    expect(r.skipped).toEqual([{ path: ["secret.bin"], reason: "encrypted" }]);
  });
});

describe("bombs end as a report, and what lies beside them is still found", () => {
  it("an overlapping-entries zip", () => {
    const bomb = overlapBomb(200);
    const outer = zip([
      { name: "overlap.zip", data: bomb },
      { name: "eicar.com", data: sample("infected/eicar.com") },
    ]);
    const r = engine.scan(outer, { name: "outer.zip" });
    expect(r.limits.map((l) => [l.name, l.path.join("/")])).toEqual([["Suspicious.ArchiveBomb", "overlap.zip"]]);
    expect(r.limits[0].message).toMatch(/199 entries share their data/);
    expect(r.detections.map((d) => [d.name, d.path.join("/")])).toEqual([["Test.EICAR.68", "eicar.com"]]);
  });

  it("a 42.zip-shaped bomb: 16 members per level, 4 levels, 1 GiB innermost", async () => {
    const member = await nestedBomb({ fanout: 16, levels: 4, innermost: 1 << 30 });
    const outer = zip([
      { ...member, name: "42.zip" },
      { name: "eicar.com", data: sample("infected/eicar.com") },
    ]);
    expect(outer.length).toBeLessThan(200_000);
    const r = engine.scan(outer, { name: "outer.zip" });
    expect(r.limits.map((l) => l.name)).toEqual(["Suspicious.ArchiveBomb"]);
    // Caught where a level first expands past the ratio, before the innermost gigabyte is reached.
    expect(r.limits[0].path[0]).toBe("42.zip");
    expect(r.detections.map((d) => [d.name, d.path.join("/")])).toEqual([["Test.EICAR.68", "eicar.com"]]);
  }, 60_000);
});

describe("cleaning inside a package", () => {
  it("cleans an infected zip member, keeps every other member's bytes, leaves a valid zip", async () => {
    const { unzipSync } = await import("fflate");
    const infected = sample("infected/tailgate-a/com-host-2.com");
    const readme = Buffer.from("a readme\n".repeat(50));
    const z = zip([
      { name: "readme.txt", deflated: { bytes: deflateRawSync(readme), size: readme.length, crc: zcrc(readme) } },
      { name: "tools/host.com", data: infected },
      { name: "eicar.com", data: sample("infected/eicar.com") },
      { name: "data.bin", data: Buffer.from([1, 2, 3]) },
    ]);
    const before = Buffer.from(z);
    const r = engine.clean(z, { name: "pack.zip" });
    expect(r.status).toBe("cleaned");
    expect(z.equals(before)).toBe(true);
    expect(r.members).toEqual([
      { path: ["tools/host.com"], action: "cleaned" },
      { path: ["eicar.com"], action: "removed" },
    ]);
    const out = Buffer.from(r.output!);
    // other members' local records are copied byte for byte
    const record = (buf: Buffer, name: string) => {
      const at = buf.indexOf(Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4])]), buf.indexOf(name) - 30 - 1);
      return buf.subarray(at, buf.indexOf(name) + name.length);
    };
    expect(record(out, "readme.txt").equals(record(z, "readme.txt"))).toBe(true);
    const files = unzipSync(new Uint8Array(out));
    expect(Object.keys(files)).toEqual(["readme.txt", "tools/host.com", "data.bin"]);
    expect(Buffer.from(files["readme.txt"]).equals(readme)).toBe(true);
    expect(Buffer.from(files["tools/host.com"]).equals(sample("clean/com-host-2.com"))).toBe(true);
    expect(Buffer.from(files["data.bin"])).toEqual(Buffer.from([1, 2, 3]));
    expect(engine.scan(out, { name: "pack.zip" }).verdict).toBe("clean");
  });

  it("cleans inside a tar (other members byte-identical) and inside a tar.gz", () => {
    const notes = Buffer.from("notes\n".repeat(100));
    const t = tar([
      { name: "notes.txt", data: notes },
      { name: "bin/x.com", data: sample("infected/tailgate-a/com-host-1.com") },
      { name: "eicar.com", data: sample("infected/eicar.com") },
    ]);
    const before = Buffer.from(t);
    const r = engine.clean(t, { name: "t.tar" });
    expect(r.status).toBe("cleaned");
    expect(t.equals(before)).toBe(true); // the caller's Buffer is never written
    expect(r.members).toEqual([
      { path: ["bin/x.com"], action: "cleaned" },
      { path: ["eicar.com"], action: "removed" },
    ]);
    const out = Buffer.from(r.output!);
    expect(out.subarray(0, 512 + notes.length).equals(t.subarray(0, 512 + notes.length))).toBe(true);
    expect(out.equals(tar([{ name: "notes.txt", data: notes }, { name: "bin/x.com", data: sample("clean/com-host-1.com") }]))).toBe(true);

    const tgz = gzipSync(t);
    const g = engine.clean(tgz, { name: "t.tar.gz" });
    expect(g.status).toBe("cleaned");
    expect(g.members?.map((m) => [m.path.join("/"), m.action])).toEqual([
      ["t.tar", "cleaned"],
      ["t.tar/bin/x.com", "cleaned"],
      ["t.tar/eicar.com", "removed"],
    ]);
    expect(Buffer.from(gunzipSync(g.output!)).equals(out)).toBe(true);
    expect(engine.clean(gzipSync(sample("infected/eicar.com")), { name: "e.com.gz" }).status).toBe("removed");
  });

  it("does not pretend to clean what it cannot: a bomb, a bzip2 stream, an e-mail (policy decides)", () => {
    const bombed = zip([{ name: "overlap.zip", data: overlapBomb(10) }]);
    expect(engine.clean(bombed, { name: "b.zip" })).toMatchObject({ status: "no-action", code: "NOT_FULLY_SCANNED" });
    const bz = engine.clean(readFileSync(join(root, "test/fixtures/tailgate-com.tar.bz2")), { name: "t.tar.bz2" });
    expect(bz).toMatchObject({ status: "no-action", code: "PACKAGE_NOT_SUPPORTED" });
    expect(bz.reason).toMatch(/found inside level3\.tar\/dos\/x\.com|found inside .*x\.com; cleaning inside bzip2 files is not supported/);
    const m = engine.clean(mail({ name: "eicar.com", data: sample("infected/eicar.com") }), { name: "m.eml" });
    expect(m).toMatchObject({ status: "no-action", code: "PACKAGE_NOT_SUPPORTED" });
  });
});

describe("truncated and corrupted containers never crash or hang", () => {
  function prng(seed: number) {
    return () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
  }
  const containers: [string, Buffer][] = [
    ["a.zip", zip([{ name: "eicar.com", data: sample("infected/eicar.com") }, { name: "b.txt", deflated: { bytes: deflateRawSync(Buffer.from("x".repeat(5000))), size: 5000, crc: zcrc(Buffer.from("x".repeat(5000))) } }])],
    ["a.tar", tar([{ name: "x.com", data: sample("infected/tailgate-a/com-host-1.com") }])],
    ["a.gz", gzipSync(sample("infected/tailgate-a/com-host-2.com"))],
    ["a.tar.bz2", readFileSync(join(root, "test/fixtures/tailgate-com.tar.bz2"))],
    ["m.eml", mail({ name: "a.zip", data: zip([{ name: "e.com", data: sample("infected/eicar.com") }]) })],
  ];

  for (const [name, bytes] of containers) {
    it(`${name}: 300 truncations and byte flips`, () => {
      expect(engine.scan(bytes, { name }).verdict).toBe("infected");
      const rnd = prng(bytes.length);
      for (let i = 0; i < 300; i++) {
        const copy = Buffer.from(bytes);
        let mutated: Buffer = copy;
        if (i % 3 === 0) mutated = copy.subarray(0, Math.floor(rnd() * copy.length));
        else for (let k = 0; k < 1 + (i % 5); k++) copy[Math.floor(rnd() * copy.length)] = Math.floor(rnd() * 256);
        const r = engine.scan(mutated, { name, limits: { maxScanTime: 5_000 } });
        expect(["clean", "infected", "suspicious", "incomplete"]).toContain(r.verdict);
      }
    });
  }
});
