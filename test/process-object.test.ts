// engine.process: decisions carried out in memory, inside packages and mail, with fallbacks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSources, findRecordFiles, findStencilFiles, readSources } from "@tgvx/compiler";
import { Engine, parseIni } from "@tgvx/engine";

const root = new URL("..", import.meta.url).pathname;
const sample = (p: string) => readFileSync(join(root, "samples", p));
let engine: Engine;

beforeAll(async () => {
  const files = [...(await findRecordFiles([join(root, "db-src")], root)), ...(await findStencilFiles([join(root, "db-src")], root))];
  // One extra record without a cleaning script: its body is the Tailgate sample's, found at the start of a file.
  const tg = sample("infected/tailgate-a/com-host-1.com");
  const at = tg.length - 0x180;
  const { crc32 } = await import("@tgvx/engine");
  const noScript = `records:
  - id: 0xF002
    rev: 1
    name: DOS.Noscript.B
    type: 3
    status: stable
    detect:
      anchor: start
      first: "54 47"
      windows:
        - { offset: 0, length: 0x40, crc: ${crc32(tg, at, at + 0x40)} }
        - { offset: 0x60, length: 0xC0, crc: ${crc32(tg, at + 0x60, at + 0x120)} }
`;
  const r = await compileSources([...(await readSources(files, root)), { path: "noscript.yaml", text: noScript }]);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  engine = await Engine.load(r.bytes!, { allowUnsigned: true });
});

const policy = (stencil?: string, ini = "") => engine.policy({ ...(stencil ? { stencil } : {}), user: parseIni(ini, "t.ini").config!.control });

describe("inside packages", () => {
  it("file-server: the infected member of a tar is repaired in place, the archive rebuilt around it", () => {
    const tar = sample("infected/containers/tailgate-a.tar");
    const r = engine.process(tar, { name: "t.tar", policy: policy("file-server"), kill: true });
    expect(r).toMatchObject({ fate: "cleaned", disposition: "replace", killed: true, quarantine: false });
    expect(r.actions).toEqual([expect.objectContaining({ path: ["dos/com-host-1.com"], applied: "clean", outcome: "done" })]);
    expect(engine.scan(r.output!, { name: "t.tar" }).verdict).toBe("clean");
    const member = engine.openPackage(r.output!, ["tar"], "t.tar");
    if (typeof member === "string") throw new Error(member);
    expect(Buffer.from(member.members.find((m) => m.name === "dos/com-host-1.com")!.read() as Uint8Array).equals(sample("clean/com-host-1.com"))).toBe(true);
  });

  it("mail gateway: EICAR is taken out of a ZIP; a gzip whose only content goes is itself removed", () => {
    const zip = engine.process(sample("infected/containers/eicar.zip"), { name: "e.zip", policy: policy("mail-gateway"), kill: true });
    expect(zip).toMatchObject({ fate: "cleaned", disposition: "replace" });
    expect(Object.keys(unzipSync(zip.output!))).toEqual([]);
    const gz = engine.process(sample("infected/containers/eicar.com.gz"), { name: "e.gz", policy: policy("mail-gateway"), kill: true });
    expect(gz).toMatchObject({ fate: "removed", disposition: "drop", reason: "its only content eicar.com was taken out" });
  });

  it("desktop: an infected member to quarantine is taken out, and the original is to be backed up first", () => {
    const r = engine.process(sample("infected/containers/tailgate-a.tar"), { name: "t.tar", policy: policy("desktop", "[Override]\nDOS.Tailgate=quarantine"), kill: true });
    expect(r).toMatchObject({ fate: "cleaned", disposition: "replace", quarantine: true });
    expect(r.actions[0]).toMatchObject({ applied: "quarantine", decision: { layer: "ini" } });
  });

  it("an mbox: the message holding the CIH-like attachment is rewritten inside the mailbox, the others kept byte for byte", () => {
    const eml = sample("infected/containers/cinder-a-attachment.eml").toString("latin1").replace(/\r\n/g, "\n");
    const mbox = Buffer.from(`From alice@example.org Mon Mar  1 12:00:00 2004\nSubject: first\n\nhello\n\nFrom dave@example.org Mon Mar  1 12:01:00 2004\n${eml}\nFrom carol@example.org Mon Mar  1 12:02:00 2004\nSubject: last\n\nbye\n`, "latin1");
    const r = engine.process(mbox, { name: "box.mbox", policy: policy("mail-gateway"), kill: true });
    expect(r).toMatchObject({ fate: "cleaned", disposition: "replace" });
    expect(r.actions[0]).toMatchObject({ path: ["message-2.eml", "tool.exe"], applied: "clean" });
    const out = Buffer.from(r.output!).toString("latin1");
    expect(out.startsWith("From alice@example.org Mon Mar  1 12:00:00 2004\nSubject: first\n\nhello\n\nFrom dave")).toBe(true);
    expect(out.endsWith("\nFrom carol@example.org Mon Mar  1 12:02:00 2004\nSubject: last\n\nbye\n")).toBe(true);
    expect(engine.scan(r.output!, { name: "box.mbox" }).verdict).toBe("clean");
    const b64 = /filename="tool\.exe"\n\n([A-Za-z0-9+/=\n]+)/.exec(out)![1];
    expect(Buffer.from(b64, "base64").equals(sample("clean/pe32-host-2.exe"))).toBe(true);
  });
});

describe("mail on a gateway", () => {
  const eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  const message = (attachment: string) =>
    Buffer.from(
      [
        "From: alice@example.org",
        "To: bob@example.org",
        "Subject: two files",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain",
        "",
        "see the attached files.",
        "--b1",
        'Content-Type: application/octet-stream; name="test.com"',
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="test.com"',
        "",
        Buffer.from(attachment, "latin1").toString("base64"),
        "--b1",
        'Content-Type: application/octet-stream; name="notes.txt"',
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="notes.txt"',
        "",
        Buffer.from("plain notes, nothing here\n").toString("base64"),
        "--b1--",
        "",
      ].join("\r\n"),
      "latin1",
    );

  it("strips a wholly-bad attachment (stencil rule test-files: remove) and delivers the rest of the message byte for byte", () => {
    const input = message(eicar);
    const r = engine.process(input, { name: "m.eml", policy: policy("mail-gateway"), kill: true });
    expect(r).toMatchObject({ fate: "cleaned", disposition: "replace" });
    expect(r.actions).toEqual([expect.objectContaining({ path: ["test.com"], applied: "remove", outcome: "done", decision: expect.objectContaining({ layer: "stencil" }) })]);
    const out = Buffer.from(r.output!).toString("latin1");
    expect(out).not.toContain('filename="test.com"');
    expect(out).toContain("see the attached files.");
    const notes = input.toString("latin1").slice(input.toString("latin1").indexOf('Content-Type: application/octet-stream; name="notes.txt"'));
    expect(out).toContain(notes.slice(0, notes.indexOf("--b1--")));
    expect(engine.scan(r.output!, { name: "m.eml" }).verdict).toBe("clean");
  });

  it("the user's INI outranks the stencil: with Test.EICAR=discard the whole message is dropped instead", () => {
    const r = engine.process(message(eicar), { name: "m.eml", policy: policy("mail-gateway", "[Override]\nTest.EICAR=discard"), kill: true });
    expect(r).toMatchObject({ fate: "discarded", disposition: "drop" });
    expect(r.actions[0]).toMatchObject({ applied: "discard", decision: expect.objectContaining({ layer: "ini" }) });
  });
});

describe("fallbacks", () => {
  const tg = () => {
    const s = sample("infected/tailgate-a/com-host-1.com");
    return s.subarray(s.length - 0x180); // the body alone: DOS.Noscript.B's feature code at the start
  };

  it("clean without a script: kill reports a failure (NO_SCRIPT) and leaves the object; CleanFailedAction=remove removes it", () => {
    const failed = engine.process(tg(), { name: "x.bin", policy: policy(), kill: true });
    expect(failed).toMatchObject({ fate: "failed", code: "NO_SCRIPT", disposition: "keep" });
    expect(failed.actions[0]).toMatchObject({ outcome: "failed", decision: { action: "report", wanted: "clean", layer: "flow" } });
    const removed = engine.process(tg(), { name: "x.bin", policy: policy(undefined, "CleanFailedAction=remove"), kill: true });
    expect(removed).toMatchObject({ fate: "removed", disposition: "drop" });
    expect(removed.actions[0]).toMatchObject({ applied: "remove", decision: { action: "remove", layer: "flow", wanted: "clean" } });
  });

  it("cleaning refused (a damaged sample): the stencil's fallback quarantines it; with no fallback it stays, with the code", () => {
    const damaged = sample("damaged/tailgate-a-bad-jump.com");
    const q = engine.process(damaged, { name: "d.com", policy: policy("desktop"), kill: true });
    expect(q).toMatchObject({ fate: "quarantined", disposition: "drop", quarantine: true });
    expect(q.actions[0]).toMatchObject({ outcome: "fallback", applied: "quarantine" });
    expect(q.reason).toMatch(/^cleaning failed: .*; fallback: quarantine$/);
    const kept = engine.process(damaged, { name: "d.com", policy: policy(), kill: true });
    expect(kept).toMatchObject({ fate: "failed", disposition: "keep", code: "ASSERTION_FAILED" }); // the record's assert refused it
  });
});
