/**
 * Modules (record types 1 and 2, processing modules): the registry, the argument check shared by
 * compiler, linter and loader, the cooperative budget, the built-in modules on 20 keys, and
 * containment: a module that throws or loops never crashes or hangs a scan or a cleaning.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  builtInModules,
  checkModuleUse,
  crc32,
  DatabaseError,
  encodeDatabase,
  Engine,
  ModuleRegistry,
  xorAddModule,
  xorshift32,
  type RecordImage,
  type TgvxModule,
} from "@tgvx/engine";

// ---------- an inert "body" and an encoding of it with a per-copy key

const BODY = new Uint8Array(0x100);
{
  let x = 0x1234567;
  for (let i = 0; i < BODY.length; i++) BODY[i] = (x = xorshift32(x)) & 0xff;
  BODY.set(new TextEncoder().encode("XA|tgvx inert test body|"), 0);
}
const KNOWN = "58 41 7C 74 67 76 78 20"; // "XA|tgvx "
const WINDOW = { offset: 0x20, length: 0xe0, crc: crc32(BODY, 0x20, 0x100) };

function encode(plain: Uint8Array, xor: boolean, key: number, step: number): Uint8Array {
  const out = new Uint8Array(plain.length);
  for (let i = 0, k = key; i < plain.length; i++, k = (k + step) & 0xff) out[i] = xor ? plain[i] ^ k : (plain[i] + k) & 0xff;
  return out;
}

/** A host, a stub of `stub` filler bytes, then the encoded body. */
function infected(host: Uint8Array, stub: number, xor: boolean, key: number, step: number): Uint8Array {
  const out = new Uint8Array(host.length + stub + BODY.length);
  out.set(host, 0);
  out.fill(0x90 ^ key, host.length, host.length + stub);
  out.set(encode(BODY, xor, key, step), host.length + stub);
  return out;
}

const HOST = new TextEncoder().encode("a harmless host file, text only.\n".repeat(8));

const row = (r: Partial<RecordImage> & Pick<RecordImage, "id" | "name" | "type">): RecordImage => ({ rev: 1, status: 1, category: 0, attributes: 0, ...r });
const xorAddArgs = { anchor: "end", at: -0x100 - 0x20, search: 0x20, length: 0x100, known: KNOWN, window: WINDOW };

async function load(records: RecordImage[], modules?: ModuleRegistry): Promise<Engine> {
  return Engine.load(await encodeDatabase({ dbVersion: 1, records }), { allowUnsigned: true, ...(modules ? { modules } : {}) });
}

// ---------- test-registered modules that misbehave

const findsBanner: TgvxModule<undefined> = {
  name: "finds-banner",
  version: "1",
  description: "type 2 test module: finds the plain body at the end and cuts it off",
  args: z.undefined(),
  detect: (o) => (o.size >= BODY.length && o.u8(o.size - BODY.length) === 0x58 && o.u8(o.size - BODY.length + 1) === 0x41 ? { at: o.size - BODY.length, anchor: "end" } : undefined),
  process: (o, _a, ctx) => ({ output: o.copy().subarray(0, ctx.detection.offset) }),
};
const throws: TgvxModule<undefined> = {
  name: "throws",
  version: "0.1",
  description: "throws on every object",
  args: z.undefined(),
  detect: () => {
    throw new Error("boom");
  },
  process: () => {
    throw new Error("boom in process");
  },
};
const loops: TgvxModule<undefined> = {
  name: "loops",
  version: "0.1",
  description: "loops forever, but calls ctx.step() as a module must",
  args: z.undefined(),
  detect: (_o, _a, ctx) => {
    for (;;) ctx.step();
  },
  process: (_o, _a, ctx) => {
    for (;;) ctx.step();
  },
};
const readsForever: TgvxModule<undefined> = {
  name: "reads-forever",
  version: "0.1",
  description: "loops forever reading the object (reads are counted)",
  args: z.undefined(),
  detect: (o) => {
    let x = 0;
    for (let i = 0; ; i = (i + 1) % o.size) x ^= o.u8(i);
  },
};
const outOfBounds: TgvxModule<undefined> = {
  name: "out-of-bounds",
  version: "0.1",
  description: "reads past the end",
  args: z.undefined(),
  detect: (o) => (o.u32(o.size - 2) ? undefined : undefined),
};

const misbehaving = () => builtInModules().register(findsBanner).register(throws).register(loops).register(readsForever).register(outOfBounds);

describe("the module registry", () => {
  it("holds the built-in modules, a new registry each time", () => {
    const a = builtInModules();
    expect(a.names()).toEqual(["xor-add", "xorshift-decode"]);
    a.register(findsBanner);
    expect(a.has("finds-banner")).toBe(true);
    expect(builtInModules().has("finds-banner")).toBe(false);
  });

  it("refuses a duplicate, a bad name, and a module that does nothing", () => {
    expect(() => builtInModules().register(xorAddModule)).toThrow(/registered already/);
    expect(() => new ModuleRegistry().register({ ...findsBanner, name: "Bad_Name" })).toThrow(/lower-case/);
    expect(() => new ModuleRegistry().register({ name: "idle", version: "1", description: "", args: z.undefined() })).toThrow(/neither detect nor process/);
  });

  it("checks a record's module and args: unknown, wrong kind for the type, args failing the schema", () => {
    const r = builtInModules();
    expect(checkModuleUse(r, { type: 1, module: "xor-add", args: xorAddArgs })).toEqual([]);
    expect(checkModuleUse(r, { type: 3 })).toEqual([]);
    expect(checkModuleUse(r, { type: 1, module: "xor-ad" })).toMatchObject([{ code: "UNKNOWN_MODULE", field: ["module"], message: expect.stringContaining("it provides: xor-add, xorshift-decode") }]);
    expect(checkModuleUse(r, { type: 1, module: "xorshift-decode", args: { at: 0, length: 8, seed: 8, rounds: 12 } })).toMatchObject([{ code: "MODULE_MISMATCH", message: expect.stringContaining("only processes") }]);
    expect(checkModuleUse(r, { type: 4, module: "xorshift-decode", args: { at: 0, length: 8, seed: 8, rounds: 12 } })).toEqual([]);
    const bad = checkModuleUse(r, { type: 1, module: "xor-add", args: { ...xorAddArgs, known: "XYZ", window: { ...WINDOW, crc: -1 }, extra: 1 } });
    expect(bad.map((p) => p.field.join("."))).toEqual(expect.arrayContaining(["args.known", "args.window.crc", "args"]));
    expect(bad.every((p) => p.code === "BAD_ARGS")).toBe(true);
    expect(checkModuleUse(r, { type: 1, module: "xor-add" })).toMatchObject([{ code: "BAD_ARGS", field: ["module"], message: expect.stringMatching(/^module xor-add needs "args"/) }]);
    expect(checkModuleUse(r, { type: 1, module: "xor-add", args: { ...xorAddArgs, window: { offset: 0xf0, length: 0x20, crc: 0 } } })).toMatchObject([
      { field: ["args", "window", "length"], message: expect.stringContaining("runs past") },
    ]);
  });
});

describe("xor-add on 20 keys", () => {
  it("detects every copy (XOR and ADD, any step, stub of any length) and decodes it in place", async () => {
    const engine = await load([row({ id: 1, name: "Test.XorAdd.A", type: 1, module: "xor-add", args: JSON.stringify(xorAddArgs) })]);
    const keys = new Set<number>();
    for (let n = 0; n < 20; n++) {
      const key = (0x21 + n * 0x35) & 0xff;
      keys.add(key);
      const sample = infected(HOST, n % 0x21, n % 2 === 0, key, (n * 0x47) & 0xff);
      const r = engine.scan(sample);
      expect(r.detections.map((d) => d.name), `key ${key}`).toEqual(["Test.XorAdd.A"]);
      expect(r.detections[0]).toMatchObject({ type: 1, anchor: "end", offset: HOST.length + (n % 0x21), anchorOffset: sample.length });
      expect(r.warnings).toEqual([]);
    }
    expect(keys.size).toBe(20);
    expect(engine.scan(HOST).detections).toEqual([]);
    const flipped = infected(HOST, 4, true, 0x5a, 3);
    flipped[HOST.length + 4 + 0x80] ^= 1;
    expect(engine.scan(flipped).detections).toEqual([]);
  });
});

describe("containment: modules that throw or loop", () => {
  const records = [
    row({ id: 1, name: "Test.Throws.A", type: 2, module: "throws" }),
    row({ id: 2, name: "Test.Loops.A", type: 2, module: "loops" }),
    row({ id: 3, name: "Test.ReadsForever.A", type: 1, module: "reads-forever" }),
    row({ id: 4, name: "Test.OutOfBounds.A", type: 1, module: "out-of-bounds" }),
    row({ id: 5, name: "Test.Banner.A", type: 2, module: "finds-banner" }),
  ];

  it("a throwing, looping or out-of-bounds module becomes a warning naming it; the scan goes on and finds the rest", async () => {
    const engine = await load(records, misbehaving());
    const sample = new Uint8Array([...HOST, ...BODY]);
    const t0 = Date.now();
    const r = engine.scan(sample, { name: "x.txt", limits: { maxModuleTime: 30 } });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(r.detections.map((d) => d.name)).toEqual(["Test.Banner.A"]);
    const w = Object.fromEntries(r.warnings.map((x) => [x.message.split(" ")[1], x]));
    expect(w.throws).toMatchObject({ code: "MODULE_ERROR", path: [] });
    expect(w.throws.message).toMatch(/^module throws 0\.1 \(record Test\.Throws\.A\) threw Error: boom; it was stopped/);
    expect(w.loops).toMatchObject({ code: "MODULE_LIMIT", message: expect.stringContaining("ran past its 30 ms budget") });
    expect(w["reads-forever"]).toMatchObject({ code: "MODULE_LIMIT" });
    expect(w["out-of-bounds"]).toMatchObject({ code: "MODULE_ERROR", message: expect.stringContaining("outside the") });
    expect(r.verdict).toBe("infected");
  });

  it("a byte budget stops a module that reads too much", async () => {
    const engine = await load([records[2]], misbehaving());
    const r = engine.scan(HOST, { limits: { maxModuleBytes: 10_000, maxModuleTime: 60_000 } });
    expect(r.warnings).toMatchObject([{ code: "MODULE_LIMIT", message: expect.stringContaining("read more than its 10000-byte budget") }]);
  });

  it("inside an archive, each member's module calls have their own budget and the other members are scanned", async () => {
    const engine = await load([records[1], records[4]], misbehaving());
    // A tar of two members: the loop runs out once per member, the banner is found in the second.
    const tar = (name: string, data: Uint8Array) => {
      const h = new Uint8Array(512);
      const enc = new TextEncoder();
      h.set(enc.encode(name), 0);
      h.set(enc.encode("0000644\0"), 100);
      h.set(enc.encode(data.length.toString(8).padStart(11, "0") + "\0"), 124);
      h.set(enc.encode("ustar\x0000"), 257);
      h.fill(0x20, 148, 156);
      let sum = 0;
      for (const b of h) sum += b;
      h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
      const body = new Uint8Array(Math.ceil(data.length / 512) * 512);
      body.set(data);
      return [...h, ...body];
    };
    const archive = new Uint8Array([...tar("a.txt", HOST), ...tar("b.txt", new Uint8Array([...HOST, ...BODY])), ...new Uint8Array(1024)]);
    const r = engine.scan(archive, { name: "x.tar", limits: { maxModuleTime: 20 } });
    expect(r.detections.map((d) => `${d.path.join("/")}: ${d.name}`)).toEqual(["b.txt: Test.Banner.A"]);
    expect(r.warnings.filter((x) => x.code === "MODULE_LIMIT").map((x) => x.path.join("/"))).toEqual(["", "a.txt", "b.txt"]);
  });

  it("type 2: the module detects and cleans with no args", async () => {
    const engine = await load([records[4]], misbehaving());
    const c = engine.clean(new Uint8Array([...HOST, ...BODY]), { name: "x.txt" });
    expect(c.status).toBe("cleaned");
    expect(c.steps).toEqual([{ record: "Test.Banner.A", id: 5, action: "module" }]);
    expect(Buffer.from(c.output!).equals(Buffer.from(HOST))).toBe(true);
  });

  it("a processing module that throws or loops fails the cleaning (the original is kept); it never crashes it", async () => {
    // Type 2 modules that detect like finds-banner, then throw or loop when asked to clean.
    const detectThenThrow: TgvxModule<undefined> = { ...findsBanner, name: "banner-then-throws", process: throws.process };
    const detectThenLoop: TgvxModule<undefined> = { ...findsBanner, name: "banner-then-loops", process: loops.process };
    const reg = builtInModules().register(detectThenThrow).register(detectThenLoop);
    const sample = new Uint8Array([...HOST, ...BODY]);
    const e1 = await load([row({ id: 1, name: "Test.CleanThrows.A", type: 2, module: "banner-then-throws" })], reg);
    expect(e1.clean(sample)).toMatchObject({ status: "failed", code: "MODULE_FAILED", reason: expect.stringContaining("threw Error: boom in process") });
    const e2 = await load([row({ id: 1, name: "Test.CleanLoops.A", type: 2, module: "banner-then-loops" })], reg);
    const t0 = Date.now();
    expect(e2.clean(sample, { limits: { maxModuleTime: 30 } })).toMatchObject({ status: "failed", code: "MODULE_FAILED", reason: expect.stringContaining("ran past its 30 ms budget") });
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});

describe("a module's answers are checked, and it cannot change what is scanned", () => {
  it("odd answers (a number, a place outside the object, an unknown anchor) are warnings or failed cleanings, never crashes", async () => {
    const odd = (name: string, detect: TgvxModule<undefined>["detect"], process?: TgvxModule<undefined>["process"]): TgvxModule<undefined> => ({
      name,
      version: "1",
      description: "odd",
      args: z.undefined(),
      detect,
      process: process ?? (() => 42 as never),
    });
    const reg = builtInModules()
      .register(odd("answers-a-number", () => 7 as never))
      .register(odd("answers-outside", (o) => ({ at: o.size + 10 })))
      .register(odd("answers-bad-anchor", () => ({ at: 0, anchor: "middle" as never })))
      .register(odd("answers-ok", () => ({ at: 0 })));
    const engine = await load(
      ["answers-a-number", "answers-outside", "answers-bad-anchor", "answers-ok"].map((m, i) => row({ id: i + 1, name: `Test.Odd${i}.A`, type: 2, module: m })),
      reg,
    );
    const r = engine.scan(HOST);
    expect(r.detections.map((d) => d.name)).toEqual(["Test.Odd3.A"]);
    expect(r.warnings.map((w) => w.code)).toEqual(["MODULE_ERROR", "MODULE_ERROR", "MODULE_ERROR"]);
    expect(engine.clean(HOST)).toMatchObject({ status: "failed", code: "MODULE_FAILED", reason: expect.stringContaining("returned neither output, remove nor refuse") });
  });

  it("bytes() is a copy: writing into it leaves the scanned object as it was", async () => {
    const scribbler: TgvxModule<undefined> = {
      name: "scribbler",
      version: "1",
      description: "writes into what it reads",
      args: z.undefined(),
      detect: (o) => {
        o.bytes(0, o.size).fill(0);
        return undefined;
      },
    };
    const engine = await load([row({ id: 1, name: "Test.Scribble.A", type: 1, module: "scribbler" })], builtInModules().register(scribbler));
    const input = Buffer.from(HOST);
    engine.scan(input);
    expect(input.equals(Buffer.from(HOST))).toBe(true);
  });
});

describe("Engine.load and modules", () => {
  it("refuses a database needing a module the registry lacks, naming it and what the engine has", async () => {
    const bytes = await encodeDatabase({ dbVersion: 1, records: [row({ id: 9, name: "Test.Poly.A", type: 2, module: "poly-decoder" })] });
    const err = (await Engine.load(bytes, { allowUnsigned: true }).catch((e: unknown) => e)) as DatabaseError;
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.code).toBe("MISSING_MODULE");
    expect(err.message).toBe(
      "database needs module poly-decoder that this engine does not provide (it provides: xor-add, xorshift-decode); update the engine, or register the module in the registry given to Engine.load",
    );
  });

  it("refuses args the module rejects and a module of the wrong kind (MODULE_MISMATCH)", async () => {
    const badArgs = await encodeDatabase({ dbVersion: 1, records: [row({ id: 9, name: "Test.Xor.A", type: 1, module: "xor-add", args: JSON.stringify({ ...xorAddArgs, length: 2 }) })] });
    await expect(Engine.load(badArgs, { allowUnsigned: true })).rejects.toMatchObject({ code: "MODULE_MISMATCH", message: expect.stringMatching(/^record Test\.Xor\.A \(id 0x9\): args\.length: /) });
    const wrongKind = await encodeDatabase({ dbVersion: 1, records: [row({ id: 9, name: "Test.Xor.A", type: 2, module: "xorshift-decode" })] });
    await expect(Engine.load(wrongKind, { allowUnsigned: true })).rejects.toMatchObject({ code: "MODULE_MISMATCH", message: expect.stringContaining("only processes") });
  });

  it("tells a caller still passing module names what to pass instead", async () => {
    const bytes = await encodeDatabase({ dbVersion: 1, records: [] });
    await expect(Engine.load(bytes, { allowUnsigned: true, modules: ["xor-add"] as never })).rejects.toThrow(/LoadOptions\.modules is a ModuleRegistry/);
  });

  it("a policy lets records with a processing module be cleaned", async () => {
    const engine = await load([row({ id: 5, name: "Test.Banner.A", type: 2, module: "finds-banner" })], misbehaving());
    const d = engine.scan(new Uint8Array([...HOST, ...BODY])).detections[0];
    const decision = engine.decide(d, {}, engine.policy({ user: { infectedAction: { value: "clean", source: "test" } } }));
    expect(decision.action).toBe("clean");
  });
});
