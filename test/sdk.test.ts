// The embedding API (the original AVLF_SDK_Scan / SetReciver): validation at the boundary, results, events, the example.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSources, findRecordFiles, findStencilFiles, readSources } from "@tgvx/compiler";
import { Engine, SdkError, createSdk, type ActionReport } from "@tgvx/engine";

const root = new URL("..", import.meta.url).pathname;
const sample = (p: string) => readFileSync(join(root, "samples", p));
const work = mkdtempSync(join(tmpdir(), "tgvx-sdk-"));
const dbPath = join(work, "main.tgvxdb");
let engine: Engine;

beforeAll(async () => {
  const files = [...(await findRecordFiles([join(root, "db-src")], root)), ...(await findStencilFiles([join(root, "db-src")], root))];
  const r = await compileSources(await readSources(files, root));
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  writeFileSync(dbPath, r.bytes!);
  engine = await Engine.load(r.bytes!, { allowUnsigned: true });
});

function sdkError(f: () => unknown): SdkError {
  try {
    f();
  } catch (err) {
    if (err instanceof SdkError) return err;
    throw err;
  }
  throw new Error("no SdkError was thrown");
}

describe("Engine.load", () => {
  it("a database at an odd byte offset (an embedder's subarray) scans every sample as the same bytes do", async () => {
    const bytes = readFileSync(dbPath);
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const odd = await Engine.load(shifted, { allowUnsigned: true });
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(join(root, "samples", dir), { withFileTypes: true }))
        if (e.isDirectory()) walk(join(dir, e.name));
        else files.push(join(dir, e.name));
    };
    walk("infected");
    walk("near-miss");
    const found = (e: Engine, f: string) => e.scan(sample(f), { name: f }).detections.map((d) => `${f} ${d.name} ${d.anchor}+${d.offset}`);
    const expected = files.flatMap((f) => found(engine, f));
    expect(expected.length).toBeGreaterThan(30);
    expect(files.flatMap((f) => found(odd, f))).toEqual(expected);
  });
});

describe("validation at the boundary", () => {
  it("options: wrong types and unknown fields are named, with the reason", () => {
    const e = sdkError(() => createSdk(engine, { medium: "pigeon", stencl: "desktop" } as never));
    expect(e.code).toBe("BAD_OPTIONS");
    expect(e.issues).toEqual([expect.stringMatching(/^options\.medium: /), expect.stringMatching(/^options: Unrecognized key: "stencl"/)]);
    expect(sdkError(() => createSdk(engine, { debug: "report-only,loud" })).issues).toEqual(['debug option: unknown item "loud": use report-only, trace, or NAME=action']);
    expect(sdkError(() => createSdk(engine, { stencil: "laptop" }))).toMatchObject({ code: "UNKNOWN_STENCIL" });
  });

  it("an INI with errors: one line per problem, file:line:col", () => {
    const e = sdkError(() => createSdk(engine, { ini: "InfectedAction=zap\n[Nope]\n", iniName: "site.ini" }));
    expect(e.code).toBe("BAD_CONFIG");
    expect(e.issues).toEqual([
      "site.ini:1:1: error BAD_VALUE: InfectedAction=zap: expected one of report, clean, remove, quarantine, discard, block, ignore, or 0 (clean), 1 (report), 2 (remove), 3 (quarantine)",
      "site.ini:2:2: error UNKNOWN_SECTION: unknown section [Nope] (sections: [Scan] [Limits] [Categories] [Override] [Ignore] [Trusted]); its keys are skipped",
    ]);
  });

  it("scan parameters and the receiver", () => {
    const sdk = createSdk(engine);
    expect(sdkError(() => sdk.scan({ buffer: "MZ" } as never)).issues).toEqual(["params.buffer: buffer must be the object's bytes (a Uint8Array or Buffer)"]);
    expect(sdkError(() => sdk.scan({ buffer: new Uint8Array(4), kill: "yes", size: 4 } as never)).issues).toEqual([
      expect.stringMatching(/^params\.kill: /),
      expect.stringMatching(/^params: Unrecognized key: "size"/),
    ]);
    expect(sdkError(() => sdk.setReceiver({ detection: 42 } as never)).issues).toEqual(["receiver.detection: must be a function"]);
  });
});

describe("scan({ buffer, description, unpack, kill })", () => {
  it("kill off: infected 1, the decisions with their layer, nothing done, the buffer untouched", () => {
    const sdk = createSdk(engine, { stencil: "mail-gateway" });
    const buffer = sample("infected/containers/postbox-a-message.eml");
    const before = Buffer.from(buffer);
    const r = sdk.scan({ buffer, description: "msg.eml" });
    expect(r).toMatchObject({ infected: 1, killed: false, disposition: "keep", fate: "reported" });
    expect(r.detections.map((d) => [d.name, d.path])).toEqual([["I-Worm.Postbox.A", ["readme.exe"]]]);
    expect(r.actions[0]).toMatchObject({ outcome: "not-applied", decision: { action: "discard", layer: "stencil" } });
    expect(buffer.equals(before)).toBe(true);
  });

  it("kill on, mail gateway: the Nimda-like message is dropped; the CIH-like one delivered repaired", () => {
    const sdk = createSdk(engine, { stencil: "mail-gateway" });
    const worm = sdk.scan({ buffer: sample("infected/containers/postbox-a-message.eml"), description: "msg.eml", kill: true });
    expect(worm).toMatchObject({ infected: 1, killed: true, disposition: "drop", fate: "discarded" });
    expect(worm.buffer).toBeUndefined();
    const cih = sdk.scan({ buffer: sample("infected/containers/cinder-a-attachment.eml"), description: "msg.eml", kill: true });
    expect(cih).toMatchObject({ infected: 1, killed: true, disposition: "replace", fate: "cleaned" });
    const text = Buffer.from(cih.buffer!).toString("latin1");
    const b64 = /filename="tool\.exe"\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(text)![1];
    expect(Buffer.from(b64, "base64").equals(sample("clean/pe32-host-2.exe"))).toBe(true);
    expect(sdk.scan({ buffer: cih.buffer!, description: "msg.eml" }).infected).toBe(0);
  });

  it("the INI's object control: Packed, Archives, MailPlain and MailBases each open only their own kind", () => {
    const infected = (ini: string, p: string, name: string) => createSdk(engine, { ini }).scan({ buffer: sample(p), description: name }).infected;
    const eml = sample("infected/containers/eicar-attachment.eml").toString("latin1").replace(/\r\n/g, "\n");
    const mbox = Buffer.from(`From a@example.org Mon Mar  1 12:00:00 2004\nSubject: one\n\nhi\n\nFrom m@example.com Mon Mar  1 12:01:00 2004\n${eml}`, "latin1");
    const inMbox = (ini: string) => createSdk(engine, { ini }).scan({ buffer: mbox, description: "box.mbox" }).infected;
    expect([infected("", "infected/containers/eicar.com.gz", "e.gz"), infected("Packed=No", "infected/containers/eicar.com.gz", "e.gz")]).toEqual([1, 0]);
    expect([infected("Packed=No", "infected/containers/eicar.zip", "e.zip"), infected("Archives=No", "infected/containers/eicar.zip", "e.zip")]).toEqual([1, 0]);
    expect([infected("MailBases=No", "infected/containers/eicar-attachment.eml", "m.eml"), infected("MailPlain=No", "infected/containers/eicar-attachment.eml", "m.eml")]).toEqual([1, 0]);
    // A mailbox read (MailBases=Yes) has its messages read too, whatever MailPlain says about single messages.
    expect([inMbox(""), inMbox("MailBases=No"), inMbox("MailPlain=No\nMailBases=Yes")]).toEqual([1, 0, 1]);
  });

  it("unpack: false looks only at the object itself", () => {
    const sdk = createSdk(engine, { stencil: "mail-gateway" });
    expect(sdk.scan({ buffer: sample("infected/containers/postbox-a-message.eml"), unpack: false }).infected).toBe(0);
  });

  it("a stream filter blocks (medium stream); the receiver hears objects, detections with decisions, and actions, in order", () => {
    const sdk = createSdk(engine, { stencil: "stream-filter" });
    const events: string[] = [];
    sdk.setReceiver({
      objectEntered: (e) => events.push(`enter ${e.path.join("/")} ${e.types.join("+")}`),
      objectLeft: (e) => events.push(`leave ${e.path.join("/")} ${e.detections}`),
      detection: (e: ActionReport) => events.push(`detection ${e.name} ${e.decision.action}`),
      action: (e: ActionReport) => events.push(`action ${e.name} ${e.applied} ${e.outcome}`),
      warning: (e) => events.push(`warning ${e.code}`),
    });
    const r = sdk.scan({ buffer: sample("infected/containers/eicar.zip"), description: "eicar.zip", kill: true });
    expect(r).toMatchObject({ infected: 1, killed: true, disposition: "drop", fate: "blocked" });
    expect(events).toEqual(["enter  zip", "enter eicar.com com+text", "leave eicar.com 1", "leave  0", "detection Test.EICAR.68 block", "action Test.EICAR.68 block done"]);
    sdk.setReceiver(null);
    sdk.scan({ buffer: sample("infected/eicar.com") });
    expect(events).toHaveLength(6);
  });

  it("the INI's allow-lists: a trusted SHA-256 is never a threat; an ignored record is not reported", () => {
    const eicar = sample("infected/eicar.com");
    const sha = createHash("sha256").update(eicar).digest("hex");
    const trusted = createSdk(engine, { ini: `[Trusted]\n${sha}=the test file` });
    expect(trusted.scan({ buffer: eicar, kill: true })).toMatchObject({ infected: 0, killed: false, fate: "trusted", disposition: "keep", reason: "trusted by SHA-256 (tgvx.ini:2)" });
    const ignored = createSdk(engine, { ini: "[Ignore]\nTest.EICAR.68=*" }).scan({ buffer: eicar, kill: true });
    expect(ignored).toMatchObject({ infected: 0, fate: "clean", disposition: "keep", detections: [] });
    expect(ignored.actions[0]).toMatchObject({ applied: "ignore", decision: { action: "ignore", layer: "ini", source: "tgvx.ini:2 [Ignore] Test.EICAR.68" } });
  });
});

describe("examples/mail-filter.mjs", () => {
  it("runs as documented: drops the worm's message, repairs the CIH-like attachment, delivers the clean message", () => {
    const out = join(work, "out");
    const r = spawnSync(
      process.execPath,
      [join(root, "examples/mail-filter.mjs"), "--db", dbPath, "--out", out, ...["infected/containers/postbox-a-message.eml", "infected/containers/cinder-a-attachment.eml", "clean/message.eml"].map((p) => join(root, "samples", p))],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/postbox-a-message\.eml:\n {2}found {3}readme\.exe: I-Worm\.Postbox\.A -> discard \(stencil: stencil mail-gateway, rule mass-mailers\)\n {2}=> DROP \(discarded: /);
    expect(r.stdout).toMatch(/cinder-a-attachment\.eml:\n {2}found {3}tool\.exe: Win95\.Cinder\.A -> clean \(stencil: stencil mail-gateway, rule infectors\)\n {2}=> DELIVER REPAIRED \(tool\.exe cleaned\); infected=1 killed=true/);
    expect(r.stdout).toMatch(/message\.eml:\n {2}=> DELIVER; infected=0 killed=false/);
    expect(readdirSync(out).sort()).toEqual(["cinder-a-attachment.eml", "message.eml"]);
    expect(readFileSync(join(out, "message.eml")).equals(sample("clean/message.eml"))).toBe(true);
  });

  it("says how to use it when misused (exit 2)", () => {
    const r = spawnSync(process.execPath, [join(root, "examples/mail-filter.mjs"), "--db", dbPath, "--stencil", "laptop", "x.eml"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/mail-filter: stencil "laptop" \(options\.stencil\) is not in the database; it has desktop, file-server, mail-gateway, stream-filter\nusage: /);
  });
});
