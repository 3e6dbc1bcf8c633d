// Action resolution through the five layers: flow < record < debug < stencil < INI, with the trace.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileSources, findRecordFiles, findStencilFiles, readSources } from "@tgvx/compiler";
import { Engine, LAYER_NAMES, PolicyError, parseIni, type DecisionContext, type DetectionRef, type PolicyOptions } from "@tgvx/engine";

const root = new URL("..", import.meta.url).pathname;

// A test stencil exercising every kind of condition, and a record without a cleaning script.
const TEST_STENCIL = `
stencil:
  name: lab
  description: conditions of every kind
  fallback: remove
  categories: { adware: false, riskware: false }
  rules:
    - name: named
      when: { names: [Win95.Cinder] }
      action: report
      reason: named by family
    - name: mailed-infectors
      when: { attributes: [mailer, infector], in: [mail] }
      action: discard
      reason: mass-mailers in mail
    - name: pe-infectors
      when: { attributes: [infector], not-attributes: [mailer], filetypes: [pe32] }
      action: clean
      fallback: quarantine
      reason: PE infectors
    - name: standalone
      when: { any-attributes: [trojan, dropper], categories: [trojan] }
      action: quarantine
      reason: standalone trojans
    - name: in-archives
      when: { in: [archive] }
      action: remove
      reason: anything else in an archive
`;
const NO_SCRIPT = `
records:
  - id: 0xF001
    rev: 3
    name: Win32.Noscript.A
    type: 3
    status: stable
    category: virus
    attributes: [infector]
    detect:
      anchor: start
      first: "4E 53"
      windows:
        - { offset: 0, length: 32, crc: 1 }
        - { offset: 32, length: 32, crc: 2 }
  - id: 0xF003
    rev: 1
    name: Win32.Zipworm.A
    type: 3
    status: stable
    category: worm
    attributes: [archive-spreader]
    detect:
      anchor: start
      first: "5A 57"
      windows:
        - { offset: 0, length: 32, crc: 3 }
        - { offset: 32, length: 32, crc: 4 }
    clean:
      - remove
`;

let engine: Engine;
const rec = (name: string): DetectionRef => {
  const row = [...Array(engine.db.recordCount).keys()].find((r) => engine.db.recordName(r) === name)!;
  const v = engine.db.record(row);
  return { id: v.id, rev: v.rev, name: v.name, category: v.category };
};
const decide = (name: string, options: PolicyOptions = {}, ctx: DecisionContext = {}) => engine.decide(rec(name), ctx, engine.policy(options));
const ini = (text: string) => {
  const r = parseIni(text, "t.ini");
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.config!.control;
};

beforeAll(async () => {
  const files = [...(await findRecordFiles([join(root, "db-src")], root)), ...(await findStencilFiles([join(root, "db-src")], root))];
  const sources = [...(await readSources(files, root)), { path: "lab.yaml", text: TEST_STENCIL }, { path: "noscript.yaml", text: NO_SCRIPT }];
  const r = await compileSources(sources);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  engine = await Engine.load(r.bytes!, { allowUnsigned: true });
});

describe("flow control and the record", () => {
  it("the record's processing decides when nothing above speaks: clean by script, or remove the whole object", () => {
    expect(decide("Win95.Cinder.A")).toMatchObject({ action: "clean", layer: "record", source: "record Win95.Cinder.A rev 1", fallback: "report" });
    expect(decide("Win32.Dropper.A")).toMatchObject({ action: "remove", layer: "record" });
    expect(decide("Test.EICAR.68").reason).toMatch(/its processing removes the object/);
    const d = decide("I-Worm.Postbox.A");
    expect(d.trace.map((s) => [s.layer, s.action])).toEqual([
      ["flow", "report"],
      ["record", "clean"],
    ]);
    expect(d.reason).toBe("I-Worm.Postbox.A (worm; infector, mailer): cleaned by its script (the reverse of the infection)");
  });

  it("a worm that spreads as packages, found inside one, makes the record discard that package", () => {
    expect(decide("Win32.Zipworm.A", {}, { containers: ["archive"] })).toMatchObject({ action: "discard", layer: "record", reason: "Win32.Zipworm.A (worm; archive-spreader) spreads as packages: the whole package is the threat" });
    expect(decide("Win32.Zipworm.A")).toMatchObject({ action: "remove", layer: "record" });
    expect(decide("Win32.Zipworm.A", { stencil: "desktop" }, { containers: ["archive"] })).toMatchObject({ action: "quarantine", source: "stencil desktop, rule package-spreaders" });
  });

  it("cleaning needs a script: flow control turns clean into the fallback, and says what was wanted", () => {
    const d = decide("Win32.Noscript.A");
    expect(d).toMatchObject({ action: "report", layer: "flow", wanted: "clean", source: "flow control: clean needs a script or module" });
    expect(d.reason).toMatch(/Win32\.Noscript\.A has neither; fallback report \(program default\)/);
    const q = decide("Win32.Noscript.A", { user: ini("CleanFailedAction=quarantine") });
    expect(q).toMatchObject({ action: "quarantine", layer: "flow", wanted: "clean" });
    expect(q.reason).toMatch(/fallback quarantine \(t\.ini:1 CleanFailedAction\)/);
    // Even the user cannot make cleaning happen without a script.
    expect(decide("Win32.Noscript.A", { user: ini("[Override]\nWin32.Noscript.A=clean") })).toMatchObject({ action: "report", layer: "flow" });
  });

  it("block is for streams: a file at rest is reported instead", () => {
    const stream = decide("Win95.Cinder.A", { stencil: "stream-filter" }, { medium: "stream" });
    expect(stream).toMatchObject({ action: "block", layer: "stencil", source: "stencil stream-filter, rule block-threats" });
    const file = decide("Win95.Cinder.A", { stencil: "stream-filter" }, { medium: "file" });
    expect(file).toMatchObject({ action: "report", layer: "flow", wanted: "block", reason: "a file at rest cannot be blocked: it is reported" });
  });
});

describe("the stencil", () => {
  it("first matching rule wins, by name, attributes (all, any, none), category, file type and where the object was found", () => {
    const lab = (name: string, ctx: DecisionContext = {}) => decide(name, { stencil: "lab" }, ctx);
    expect(lab("Win95.Cinder.A", { types: ["pe32"] })).toMatchObject({ action: "report", source: "stencil lab, rule named" });
    expect(lab("I-Worm.Postbox.A", { types: ["pe32"], containers: ["mail"] })).toMatchObject({ action: "discard", source: "stencil lab, rule mailed-infectors" });
    // Not in mail: the mailer does not pass `not-attributes: [mailer]` either, so no rule holds; the record decides.
    expect(lab("I-Worm.Postbox.A", { types: ["pe32"] })).toMatchObject({ action: "clean", layer: "record" });
    expect(lab("Win32.Pesection.A", { types: ["pe32"] })).toMatchObject({ action: "clean", fallback: "quarantine", source: "stencil lab, rule pe-infectors" });
    expect(lab("Win32.Pesection.A", { types: ["pe64"] })).toMatchObject({ action: "clean", fallback: "remove", layer: "record" });
    expect(lab("Win32.Dropper.A")).toMatchObject({ action: "quarantine", source: "stencil lab, rule standalone" });
    expect(lab("DOS.Tailgate.A", { containers: ["archive"] })).toMatchObject({ action: "remove", source: "stencil lab, rule in-archives" });
    expect(lab("DOS.Tailgate.A", { containers: ["mail"] })).toMatchObject({ action: "clean", layer: "record" });
    // The stencil's fallback applies to cleaning even where no rule spoke.
    expect(lab("DOS.Tailgate.A").fallback).toBe("remove");
  });

  it("Nimda vs CIH: a mailer + infector is cleaned on a desktop and discarded on a mail gateway; an infector is cleaned in both", () => {
    const inMail: DecisionContext = { types: ["pe32"], containers: ["mail"] };
    expect(decide("I-Worm.Postbox.A", { stencil: "desktop" }, inMail)).toMatchObject({ action: "clean", source: "stencil desktop, rule infectors" });
    expect(decide("I-Worm.Postbox.A", { stencil: "mail-gateway" }, inMail)).toMatchObject({ action: "discard", source: "stencil mail-gateway, rule mass-mailers" });
    expect(decide("Win95.Cinder.A", { stencil: "desktop" }, inMail)).toMatchObject({ action: "clean", source: "stencil desktop, rule infectors" });
    expect(decide("Win95.Cinder.A", { stencil: "mail-gateway" }, inMail)).toMatchObject({ action: "clean", source: "stencil mail-gateway, rule infectors" });
  });

  it("an unknown stencil is refused, naming those the database has", () => {
    expect(() => engine.policy({ stencil: "laptop", stencilSource: "--stencil" })).toThrow(PolicyError);
    expect(() => engine.policy({ stencil: "laptop", stencilSource: "--stencil" })).toThrow(/stencil "laptop" \(--stencil\) is not in the database; it has desktop, file-server, lab, mail-gateway, stream-filter/);
  });
});

describe("categories: grey areas switched per environment and per site", () => {
  it("a category switched off ignores the detection; the user's switch beats the stencil's", () => {
    expect(decide("Riskware.RemoteRun.A")).toMatchObject({ action: "remove", layer: "record" });
    const off = decide("Riskware.RemoteRun.A", { stencil: "desktop" });
    expect(off).toMatchObject({ action: "ignore", layer: "stencil", source: "stencil desktop, categories" });
    const on = decide("Riskware.RemoteRun.A", { stencil: "desktop", user: ini("[Categories]\nRiskware=Yes") });
    expect(on).toMatchObject({ action: "report", source: "stencil desktop, rule grey-area" });
    expect(on.trace).toContainEqual(expect.objectContaining({ layer: "ini", category: "on", source: "t.ini:2 [Categories] riskware" }));
    expect(decide("Riskware.RemoteRun.A", { stencil: "mail-gateway", user: ini("[Categories]\nRiskware=No") })).toMatchObject({ action: "ignore", layer: "ini" });
  });

  it("an override naming the record at the switch's layer or above still applies; one below it does not", () => {
    expect(decide("Riskware.RemoteRun.A", { stencil: "desktop", user: ini("[Override]\nRiskware.RemoteRun=quarantine") })).toMatchObject({ action: "quarantine", layer: "ini" });
    expect(decide("Riskware.RemoteRun.A", { stencil: "desktop", debug: { overrides: [{ pattern: "Riskware.*", action: "report" }], source: "TGVX_DEBUG" } })).toMatchObject({ action: "ignore", layer: "stencil" });
  });
});

describe("the user (INI) has the last word", () => {
  it("InfectedAction beats the stencil; [Override] beats InfectedAction; the most specific override wins", () => {
    const a = decide("Win95.Cinder.A", { stencil: "desktop", user: ini("InfectedAction=report") });
    expect(a).toMatchObject({ action: "report", layer: "ini", source: "t.ini:1 InfectedAction" });
    expect(a.trace.map((s) => `${s.layer}:${s.action}`)).toEqual(["flow:report", "record:clean", "stencil:clean", "ini:report"]);
    const user = ini("InfectedAction=report\n[Override]\nWin95.*=remove\nWin95.Cinder=quarantine\nWin95.Cinder.A=clean\nDOS.*=quarantine");
    expect(decide("Win95.Cinder.A", { stencil: "desktop", user })).toMatchObject({ action: "clean", layer: "ini", source: "t.ini:5 [Override] Win95.Cinder.A" });
    expect(decide("DOS.Tailgate.A", { stencil: "desktop", user })).toMatchObject({ action: "quarantine", source: "t.ini:6 [Override] DOS.*" });
  });

  it("[Ignore] allow-lists a record, pinned to a revision or not; a pin that lapsed no longer ignores, and the policy says so", () => {
    expect(decide("Win32.Noscript.A", { user: ini("[Ignore]\nWin32.Noscript.A=3") })).toMatchObject({ action: "ignore", layer: "ini", reason: "allow-listed at rev 3: ignored site-wide" });
    expect(decide("Win32.Noscript.A", { user: ini("[Ignore]\nWin32.Noscript.A=*") })).toMatchObject({ action: "ignore" });
    const policy = engine.policy({ user: ini("[Ignore]\nWin32.Noscript.A=2\nNo.Such.Record=*\n[Override]\nNo.Such=clean") });
    const d = engine.decide(rec("Win32.Noscript.A"), {}, policy);
    expect(d.action).not.toBe("ignore");
    expect(d.trace).toContainEqual(expect.objectContaining({ layer: "ini", reason: "the ignore is pinned to rev 2, the record is rev 3: it has lapsed" }));
    expect(policy.warnings.map((w) => `${w.source}: ${w.message}`)).toEqual([
      "t.ini:5: [Override] No.Such names no record in this database",
      "t.ini:2: [Ignore] Win32.Noscript.A is pinned to rev 2 but the database has rev 3: the ignore has lapsed; check the new record and pin rev 3 if it still applies",
      "t.ini:3: [Ignore] No.Such.Record names no record in this database",
    ]);
    // A name, a family, a glob or another case all name records; a prefix that is not a family
    // does not, nor does a glob that only starts as names do.
    const names = engine.policy({ user: ini("[Ignore]\nwin32.noscript.a=3\n[Override]\nWin95.Cinder.A=clean\nWin95.Cinder=clean\nwin95=clean\nWin95.*=clean\nWin95.Cind=clean\nWin95.Cind?r.Q=clean\n*.cinder.?=clean") });
    expect(names.warnings.map((w) => `${w.source}: ${w.message}`)).toEqual([
      "t.ini:8: [Override] Win95.Cind names no record in this database",
      "t.ini:9: [Override] Win95.Cind?r.Q names no record in this database",
    ]);
  });
});

describe("the debug switch", () => {
  it("its overrides sit below the stencil; report-only is a ceiling over every layer, the INI included", () => {
    const debug = { overrides: [{ pattern: "Win95.Cinder.A", action: "remove" as const }], source: "TGVX_DEBUG" };
    expect(decide("Win95.Cinder.A", { debug })).toMatchObject({ action: "remove", layer: "debug", source: "TGVX_DEBUG Win95.Cinder.A=remove" });
    expect(decide("Win95.Cinder.A", { debug, stencil: "desktop" })).toMatchObject({ action: "clean", layer: "stencil" });
    const ro = decide("Win95.Cinder.A", { stencil: "desktop", user: ini("InfectedAction=remove"), debug: { reportOnly: true, source: "TGVX_DEBUG" } });
    expect(ro).toMatchObject({ action: "report", layer: "debug", wanted: "remove", source: "TGVX_DEBUG report-only" });
    expect(ro.reason).toBe("report-only: nothing is changed (without it: remove, decided by t.ini:1 InfectedAction)");
    expect(decide("Riskware.RemoteRun.A", { stencil: "desktop", debug: { reportOnly: true } }).action).toBe("ignore");
  });

  it("every trace starts at flow control and climbs the layers in order", () => {
    const d = decide("I-Worm.Postbox.A", { stencil: "mail-gateway", user: ini("InfectedAction=quarantine"), debug: { reportOnly: true, overrides: [{ pattern: "I-Worm.*", action: "clean" }] } }, { containers: ["mail"] });
    expect(d.trace[0]).toEqual({ layer: "flow", action: "report", source: "program default", reason: "what is found is reported" });
    const ranks = d.trace.map((s) => LAYER_NAMES.indexOf(s.layer));
    // The limits come last: they are checked after every layer spoke (the ceiling is the debug switch's).
    expect(ranks).toEqual([0, 1, 2, 3, 4, 2]);
    expect(d.action).toBe("report");
  });
});
