/**
 * High-granularity control end to end, through the real `tgvx` binary on copies of the real samples
 * (samples/infected/postbox-a: Nimda-like mailer + infector; cinder-a: CIH-like infector;
 * remoterun-a: psexec-like riskware): stencils, the INI, the debug switch, the report, and a
 * malformed INI. Each `describe` is one of the "must show" items.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Engine, LAYER_NAMES } from "@tgvx/engine";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/tgvx.js");
const work = mkdtempSync(join(tmpdir(), "tgvx-control-"));
const db = join(work, "main.tgvxdb");

function tgvx(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: "utf8", env: { ...process.env, TGVX_DEBUG: "", ...env } });
  // The development database is unsigned: loading it says so on stderr; everything else on stderr matters.
  const stderr = r.stderr.split("\n").filter((l) => l && !/is not signed: used without any signature check/.test(l));
  return { status: r.status, stdout: r.stdout, stderr };
}
const sample = (p: string) => readFileSync(join(root, "samples", p));
/** A fresh copy of a sample in its own folder. */
function copy(p: string): string {
  const dir = mkdtempSync(join(work, "case-"));
  const to = join(dir, p.split("/").pop()!);
  cpSync(join(root, "samples", p), to);
  return to;
}
function ini(text: string): string {
  const dir = mkdtempSync(join(work, "ini-"));
  const path = join(dir, "tgvx.ini");
  writeFileSync(path, text);
  return path;
}
interface JsonAction {
  path: string[];
  name: string;
  action: string;
  layer: string;
  source: string;
  reason: string;
  outcome: string;
  applied: string;
  trace: { layer: string; action?: string; category?: string; source: string }[];
}
const cleanJson = (stdout: string) => JSON.parse(stdout) as { files: { path: string; status: string; actions: JsonAction[]; backup?: string; quarantine?: string }[]; exitCode: number };

beforeAll(() => {
  const r = spawnSync(process.execPath, [bin, "compile", join(root, "db-src"), "-o", db], { encoding: "utf8" });
  expect(r.stdout).toMatch(/and 4 stencils/);
  expect(r.status).toBe(0);
});

describe("Nimda-like mailer + infector: cleaned on a desktop, discarded on a mail gateway", () => {
  it("desktop: the infected program is repaired byte for byte (stencil desktop, rule infectors)", () => {
    const file = copy("infected/postbox-a/pe32-host-2.exe");
    const r = tgvx(["clean", "--db", db, "--stencil", "desktop", "--backup-dir", join(work, "bk-desktop"), "--json", file]);
    expect(r.stderr).toEqual([]);
    expect(r.status).toBe(1);
    const f = cleanJson(r.stdout).files[0];
    expect(f.status).toBe("cleaned");
    expect(f.actions).toEqual([expect.objectContaining({ name: "I-Worm.Postbox.A", action: "clean", layer: "stencil", source: "stencil desktop, rule infectors", outcome: "done", applied: "clean" })]);
    expect(readFileSync(file).equals(sample("clean/pe32-host-2.exe"))).toBe(true);
    expect(readFileSync(f.backup!).equals(sample("infected/postbox-a/pe32-host-2.exe"))).toBe(true);
  });

  it("mail gateway: the worm's own message is discarded whole (stencil mail-gateway, rule mass-mailers), after the backup", () => {
    const file = copy("infected/containers/postbox-a-message.eml");
    const r = tgvx(["clean", "--db", db, "--stencil", "mail-gateway", "--backup-dir", join(work, "bk-gateway"), file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/postbox-a-message\.eml: I-Worm\.Postbox\.A FOUND, discarded, backup .*postbox-a-message\.eml \(I-Worm\.Postbox\.A in readme\.exe: the message is the worm's own copy/);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(join(work, "bk-gateway", "postbox-a-message.eml")).equals(sample("infected/containers/postbox-a-message.eml"))).toBe(true);
  });

  it("on a desktop the same message keeps its text and gets the repaired program back", () => {
    const file = copy("infected/containers/postbox-a-message.eml");
    const r = tgvx(["clean", "--db", db, "--stencil", "desktop", file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("I-Worm.Postbox.A FOUND, cleaned (readme.exe cleaned)");
    const text = readFileSync(file, "latin1");
    expect(text).toContain("Subject: tgvx sample: the message I-Worm.Postbox.A sends of itself");
    const b64 = /filename="readme\.exe"\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(text)![1];
    expect(Buffer.from(b64, "base64").equals(sample("clean/pe32-host-2.exe"))).toBe(true);
  });
});

describe("CIH-like infector (does not mail itself): cleaned under both stencils", () => {
  for (const stencil of ["desktop", "mail-gateway"]) {
    it(`${stencil}: both infected programs are repaired byte for byte`, () => {
      const files = ["pe32-host-1.exe", "pe32-host-2.exe"].map((h) => copy(`infected/cinder-a/${h}`));
      const r = tgvx(["clean", "--db", db, "--stencil", stencil, "--json", ...files]);
      expect(r.status).toBe(1);
      for (const [i, f] of cleanJson(r.stdout).files.entries()) {
        expect(f.status).toBe("cleaned");
        expect(f.actions[0]).toMatchObject({ name: "Win95.Cinder.A", action: "clean", layer: "stencil", source: `stencil ${stencil}, rule infectors` });
        expect(readFileSync(files[i]).equals(sample(`clean/pe32-host-${i + 1}.exe`))).toBe(true);
      }
    });
  }

  it("mail gateway: the attachment is repaired inside the message, which is delivered", async () => {
    const file = copy("infected/containers/cinder-a-attachment.eml");
    const r = tgvx(["clean", "--db", db, "--stencil", "mail-gateway", file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("Win95.Cinder.A FOUND, cleaned (tool.exe cleaned)");
    const text = readFileSync(file, "latin1");
    expect(text).toContain("here is the program.");
    const b64 = /filename="tool\.exe"\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(text)![1];
    expect(Buffer.from(b64, "base64").equals(sample("clean/pe32-host-2.exe"))).toBe(true);
    const engine = await Engine.load(readFileSync(db), { allowUnsigned: true });
    expect(engine.scan(readFileSync(file), { name: "m.eml" }).verdict).toBe("clean");
  });
});

describe("psexec-like riskware: reported only when its category is switched on", () => {
  const tool = "infected/remoterun-a/remoterun.exe";

  it("is still detected by the database (the harness proves it); the category switch is policy", async () => {
    const engine = await Engine.load(readFileSync(db), { allowUnsigned: true });
    expect(engine.scan(sample(tool), { name: "remoterun.exe" }).detections.map((d) => d.name)).toEqual(["Riskware.RemoteRun.A"]);
  });

  it("desktop switches riskware off: OK, exit 0, and the JSON says who ignored it", () => {
    const r = tgvx(["scan", "--db", db, "--stencil", "desktop", join(root, "samples", tool)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("remoterun.exe: OK");
    expect(r.stdout).toContain("Infected files: 0");
    const j = JSON.parse(tgvx(["scan", "--db", db, "--stencil", "desktop", "--json", join(root, "samples", tool)]).stdout);
    expect(j.files[0].detections).toEqual([]);
    expect(j.files[0].ignored).toEqual([expect.objectContaining({ name: "Riskware.RemoteRun.A", layer: "stencil", source: "stencil desktop, categories" })]);
  });

  it("[Categories] Riskware=Yes switches it on: FOUND, exit 1, reported (the desktop's grey-area rule), never removed", () => {
    const cfg = ini("[Categories]\nRiskware=Yes\n");
    const r = tgvx(["scan", "--db", db, "--stencil", "desktop", "--config", cfg, join(root, "samples", tool)]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("remoterun.exe: Riskware.RemoteRun.A FOUND");
    const file = copy(tool);
    const c = tgvx(["clean", "--db", db, "--stencil", "desktop", "--config", cfg, "--json", file]);
    expect(c.status).toBe(1);
    const a = cleanJson(c.stdout).files[0].actions[0];
    expect(a).toMatchObject({ action: "report", layer: "stencil", source: "stencil desktop, rule grey-area", outcome: "done" });
    expect(a.trace).toContainEqual(expect.objectContaining({ layer: "ini", category: "on", source: `${cfg}:2 [Categories] riskware` }));
    expect(readFileSync(file).equals(sample(tool))).toBe(true);
  });
});

describe("the INI beats the stencil, and the trace says the INI decided", () => {
  it("InfectedAction=report: the desktop would clean, the user says report; the file is untouched", () => {
    const cfg = ini("; the user only wants to know\nInfectedAction=report\n");
    const file = copy("infected/cinder-a/pe32-host-1.exe");
    const r = tgvx(["clean", "--db", db, "--stencil", "desktop", "--config", cfg, "--json", file]);
    expect(r.status).toBe(1);
    const a = cleanJson(r.stdout).files[0].actions[0];
    expect(a).toMatchObject({ action: "report", layer: "ini", source: `${cfg}:2 InfectedAction` });
    expect(a.trace.map((s) => `${s.layer}:${s.action}`)).toEqual(["flow:report", "record:clean", "stencil:clean", "ini:report"]);
    expect(readFileSync(file).equals(sample("infected/cinder-a/pe32-host-1.exe"))).toBe(true);
    expect(tgvx(["clean", "--db", db, "--stencil", "desktop", "--config", cfg, file]).stdout).toContain(`Win95.Cinder.A FOUND, reported (${cfg}:2 InfectedAction)`);
  });

  it("[Override] Win95.Cinder=quarantine: backed up to InfectedFolder, then removed", () => {
    const cfg = ini("InfectedFolder=Quarantine\n[Override]\nWin95.Cinder=quarantine\n");
    const file = copy("infected/cinder-a/pe32-host-2.exe");
    const r = tgvx(["clean", "--db", db, "--stencil", "desktop", "--config", cfg, "--json", file]);
    expect(r.status).toBe(1);
    const f = cleanJson(r.stdout).files[0];
    expect(f.status).toBe("quarantined");
    expect(f.actions[0]).toMatchObject({ action: "quarantine", layer: "ini", source: `${cfg}:3 [Override] Win95.Cinder` });
    expect(existsSync(file)).toBe(false);
    expect(f.quarantine).toBe(join(cfg, "../Quarantine/pe32-host-2.exe"));
    expect(readFileSync(f.quarantine!).equals(sample("infected/cinder-a/pe32-host-2.exe"))).toBe(true);
  });
});

describe("the debug switch forces report-only without touching files", () => {
  it("TGVX_DEBUG=report-only: every decision is reported by the debug layer, with what would have been done; no file changes", () => {
    const dir = join(work, "debug");
    cpSync(join(root, "samples/infected"), dir, { recursive: true });
    const before = new Map(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => [join(e.parentPath, e.name), readFileSync(join(e.parentPath, e.name))]));
    const cfg = ini("InfectedAction=remove\n");
    const r = tgvx(["clean", "--db", db, "--stencil", "desktop", "--config", cfg, "--json", dir], { TGVX_DEBUG: "report-only" });
    expect(r.status).toBe(1);
    const out = cleanJson(r.stdout);
    const acted = out.files.flatMap((f) => f.actions).filter((a) => a.action !== "ignore");
    expect(acted.length).toBeGreaterThan(30);
    for (const a of acted) expect(a, a.name).toMatchObject({ action: "report", layer: "debug", source: "TGVX_DEBUG report-only", outcome: "done" });
    expect(acted[0].reason).toMatch(/^report-only: nothing is changed \(without it: remove, decided by .*InfectedAction\)$/);
    for (const [p, bytes] of before) expect(readFileSync(p).equals(bytes), p).toBe(true);
    expect(out.files.every((f) => f.status === "reported" || f.status === "clean")).toBe(true);
  });

  it("--debug report-only,trace on the command line does the same and prints each trace", () => {
    const file = copy("infected/postbox-a/pe32-host-2.exe");
    const r = tgvx(["clean", "--db", db, "--stencil", "desktop", "--debug", "report-only,trace", file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("I-Worm.Postbox.A FOUND, reported (--debug report-only)");
    expect(r.stderr[0]).toMatch(/^trace .*pe32-host-2\.exe: I-Worm\.Postbox\.A: report by debug \(--debug report-only\)$/);
    expect(r.stderr.slice(1).map((l) => l.trim().split(/\s+/)[0])).toEqual(["flow", "record", "stencil", "debug"]);
    expect(readFileSync(file).equals(sample("infected/postbox-a/pe32-host-2.exe"))).toBe(true);
  });

  it("a bad debug switch is an error (exit 2), naming the item", () => {
    const r = tgvx(["scan", "--db", db, join(root, "samples/clean/script.sh")], { TGVX_DEBUG: "report-only,shout" });
    expect(r.status).toBe(2);
    expect(r.stderr).toEqual(['tgvx: bad debug switch: TGVX_DEBUG: unknown item "shout": use report-only, trace, or NAME=action']);
  });
});

describe("Report.txt and JSON lines list every action with its deciding layer", () => {
  it("Report=Yes with --json: the text report and Report.jsonl name each finding's action, layer, source, outcome and trace", () => {
    const dir = join(work, "report");
    mkdirSync(dir);
    for (const p of ["infected/postbox-a/pe32-host-2.exe", "infected/cinder-a/pe32-host-1.exe", "infected/remoterun-a/remoterun.exe", "infected/containers/postbox-a-message.eml", "infected/eicar.com", "clean/script.sh"])
      cpSync(join(root, "samples", p), join(dir, p.split("/").pop()!));
    const cfg = ini("Report=Yes\nReportFileName=logs/Report.txt\nInfectedFolder=Infected\n[Override]\nTest.EICAR=quarantine\n");
    const r = tgvx(["clean", "--db", db, "--stencil", "mail-gateway", "--config", cfg, "--json", dir]);
    expect(r.status).toBe(1);
    const out = cleanJson(r.stdout);
    const reportDir = join(cfg, "../logs");
    const text = readFileSync(join(reportDir, "Report.txt"), "utf8");
    const lines = readFileSync(join(reportDir, "Report.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: "run", mode: "clean", control: ["stencil mail-gateway (--stencil)", `config ${cfg}`] });
    expect(lines.at(-1)).toMatchObject({ type: "summary", files: 6 });
    const findings = lines.filter((l) => l.type === "finding");
    const actions = out.files.flatMap((f) => f.actions.map((a) => ({ file: f.path, ...a })));
    expect(findings.length).toBe(actions.length);
    for (const a of actions) {
      const f = findings.find((x) => x.file === a.file && x.name === a.name && JSON.stringify(x.path) === JSON.stringify(a.path));
      expect(f, `${a.file} ${a.name}`).toMatchObject({ action: a.action, layer: a.layer, source: a.source, outcome: a.outcome, applied: a.applied });
      expect(LAYER_NAMES).toContain(f.layer);
      expect(f.trace[0]).toMatchObject({ layer: "flow", source: "program default" });
      expect(text).toContain(`decided by ${a.layer}: ${a.source}: ${a.reason}`);
    }
    expect(findings.map((f) => `${f.name} ${f.action} ${f.layer}`).sort()).toEqual([
      "I-Worm.Postbox.A discard stencil",
      "I-Worm.Postbox.A discard stencil",
      // On a gateway riskware is on; a tool found outside mail has no rule there: its record removes it.
      "Riskware.RemoteRun.A remove record",
      "Test.EICAR.68 quarantine ini",
      "Win95.Cinder.A clean stencil",
    ].sort());
    // Every object scanned, members included, is listed.
    expect(lines.filter((l) => l.type === "object").map((l) => [l.file.split("/").pop(), l.path.join("/")])).toContainEqual(["postbox-a-message.eml", "readme.exe"]);
    expect(text).toMatch(/^tgvx report$/m);
    expect(text).toMatch(/postbox-a-message\.eml: I-Worm\.Postbox\.A FOUND -> discarded/);
    expect(text).toMatch(/eicar\.com: Test\.EICAR\.68 FOUND -> quarantined, quarantined to .*Infected\/eicar\.com/);
    expect(text).toMatch(/script\.sh: OK$/m);
    expect(text).toMatch(/^summary {3}6 files: /m);
  });
});

describe("a malformed INI gives one clear line per problem, with line numbers", () => {
  it("exit 2, nothing scanned, every problem listed as file:line:col with the fix", () => {
    const cfg = ini(["[Scan]", "Memroy=Yes", "InfectedAction=annihilate", "Stencil=desktop", "[Limits]", "MaxDepth=deep", "[Override]", "Win95.CIH=zap", "[Oops]", "x=1", "Report=Yes"].join("\n"));
    const r = tgvx(["scan", "--db", db, "--config", cfg, join(root, "samples/infected")]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toEqual([
      `${cfg}:2:1: error UNKNOWN_KEY: unknown key Memroy in [Scan]; did you mean "Memory"?`,
      `${cfg}:3:1: error BAD_VALUE: InfectedAction=annihilate: expected one of report, clean, remove, quarantine, discard, block, ignore, or 0 (clean), 1 (report), 2 (remove), 3 (quarantine)`,
      `${cfg}:6:1: error BAD_VALUE: MaxDepth=deep: expected a positive whole number`,
      `${cfg}:8:1: error BAD_VALUE: Win95.CIH=zap: expected one of report, clean, remove, quarantine, discard, block, ignore`,
      `${cfg}:9:2: error UNKNOWN_SECTION: unknown section [Oops] (sections: [Scan] [Limits] [Categories] [Override] [Ignore] [Trusted]); its keys are skipped`,
      `tgvx: 5 problems in ${cfg}; nothing was scanned`,
    ]);
  });

  it("a stencil the database lacks is refused with the list of those it has", () => {
    const r = tgvx(["scan", "--db", db, "--config", ini("Stencil=laptop\n"), join(root, "samples/clean")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(/^tgvx: stencil "laptop" \(.*tgvx\.ini:1\) is not in the database; it has desktop, file-server, mail-gateway, stream-filter$/)]);
  });
});

describe("CodeAnalyzer=Yes: heuristics, reported as suspicious and never acted on", () => {
  it("a PE whose entry is in a writable, executable last section: found even where the signature is broken (the near miss)", () => {
    const flipped = join(root, "samples/near-miss/pesection-a-flipped.exe");
    expect(tgvx(["scan", "--db", db, flipped]).status).toBe(0);
    const cfg = ini("CodeAnalyzer=Yes\nSuspiciousCopy=Yes\nSuspiciousFolder=Suspicious\n");
    const r = tgvx(["scan", "--db", db, "--config", cfg, "--json", flipped]);
    expect(r.status).toBe(1);
    const f = JSON.parse(r.stdout).files[0];
    expect(f).toMatchObject({ status: "suspicious", suspicious: true, suspiciousCopy: join(cfg, "../Suspicious/pesection-a-flipped.exe") });
    expect(f.detections).toEqual([expect.objectContaining({ name: "Heuristics.PE.WritableEntrySection", action: "report", layer: "flow", source: "flow control: suspicious results" })]);
    expect(readFileSync(f.suspiciousCopy).equals(readFileSync(flipped))).toBe(true);
  });

  it("no heuristic finding on any clean sample", () => {
    const r = tgvx(["scan", "--db", db, "--config", ini("CodeAnalyzer=Yes\n"), join(root, "samples/clean")]);
    expect(r.stdout).toContain("Infected files: 0");
    expect(r.status).toBe(0);
  });

  it("an e-mail attachment with a double extension; `tgvx clean` reports it and changes nothing", () => {
    const pe = sample("clean/pe32-host-2.exe").toString("base64").replace(/.{76}/g, "$&\r\n");
    const eml = [
      "From: Mallory <mallory@example.com>",
      "To: Bob <bob@example.net>",
      "Subject: your invoice",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain",
      "",
      "See the attachment.",
      "--b1",
      'Content-Type: application/octet-stream; name="invoice.pdf     .exe"',
      "Content-Transfer-Encoding: base64",
      'Content-Disposition: attachment; filename="invoice.pdf     .exe"',
      "",
      pe,
      "--b1--",
      "",
    ].join("\r\n");
    const file = join(mkdtempSync(join(work, "dx-")), "invoice.eml");
    writeFileSync(file, eml);
    const cfg = ini("CodeAnalyzer=Yes\n");
    const r = tgvx(["clean", "--db", db, "--stencil", "mail-gateway", "--config", cfg, "--json", file]);
    expect(r.status).toBe(1);
    const f = cleanJson(r.stdout).files[0];
    expect(f.status).toBe("reported");
    expect(f.actions).toEqual([expect.objectContaining({ path: ["invoice.pdf     .exe"], name: "Heuristics.Mail.DoubleExtension", action: "report", layer: "flow", outcome: "done" })]);
    expect(f.actions[0].reason).toMatch(/named like a \.pdf file \(with spaces hiding the rest\) but is a \.exe that runs when opened/);
    expect(readFileSync(file, "utf8")).toBe(eml);
  });
});
