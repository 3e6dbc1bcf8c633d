// INI control: the original engine's keys as written, tgvx's sections, and one line per problem.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CODE_EXTENSIONS, LIMIT_KEYS, SCAN_KEYS, fileExcludedBy, formatIniDiagnostic, iniScanOptions, parseIni, type IniDiagnostic } from "@tgvx/engine";

const codes = (ds: IniDiagnostic[]) => ds.map((d) => `${d.line}:${d.col} ${d.severity} ${d.code}`);

describe("parseIni", () => {
  it("reads every key of the original engine as written in the design talk, with `; comments` after values", () => {
    const talk = [
      "Memory=Yes; check the memory",
      "Sectors=Yes; check the boot sector",
      "Files=Yes; check file system",
      "Packed=Yes; check packages",
      "Archives=Yes; check archives",
      "MailBases=Yes; check emails",
      "MailPlain=Yes; check encoded files",
      "FileMask=2; check the extended names",
      "UserMask= ; user defined extension",
      "Exclude=No; Don't check customized extensions",
      "ExcludeMask= ; Don't check definition of extensions",
      "InfectedAction=0; remove viruses",
      "InfectedCopy=No; back up viruses",
      "InfectedFolder=Infected; back up folders",
      "SuspiciousCopy=No; back up suspicious files",
      "SuspiciousFolder=Suspicious; back up folders",
      "Report=Yes; generate logs",
      "ReportFileName=Report.txt; name of log file",
      "Warnings=Yes; Show warnings",
      "CodeAnalyzer=Yes; Open the code analyzer",
      "RedundantScan=Yes; Redundant scanning",
    ].join("\r\n");
    const r = parseIni(talk, "talk.ini");
    // Memory and Sectors are accepted; in a file scanner they only warn that they do nothing.
    expect(codes(r.diagnostics)).toEqual(["1:1 warning NO_EFFECT", "2:1 warning NO_EFFECT"]);
    expect(r.diagnostics[0].message).toMatch(/Memory=Yes has no effect here: tgvx scans files and buffers/);
    const c = r.config!;
    expect(c.control.infectedAction).toEqual({ value: "clean", source: "talk.ini:12" });
    expect(c.scan).toMatchObject({
      fileMask: { value: 2 },
      userMask: { value: [] },
      infectedFolder: { value: "Infected" },
      reportFileName: { value: "Report.txt", source: "talk.ini:18" },
      codeAnalyzer: { value: true },
      redundantScan: { value: true },
    });
    expect(Object.keys(c.scan).length + 1).toBe(21); // + InfectedAction, which goes to the control layer
    expect(SCAN_KEYS.map((k) => k.key).slice(0, 21)).toEqual(talk.split("\r\n").map((l) => l.split("=")[0]));
  });

  it("is case-insensitive, takes Yes/No/True/False/On/Off/1/0, quoted values, and tgvx's sections", () => {
    const r = parseIni(
      [
        "; a comment",
        "# another",
        "archives = off",
        'reportfilename = "C:\\logs\\a;b.txt" ; the quotes keep the ;',
        "INFECTEDACTION=Quarantine",
        "stencil=Mail-Gateway",
        "CleanFailedAction=remove",
        "[limits]",
        "maxscansize=2M",
        "MaxScanTime=500ms",
        "MaxDepth=4",
        "[Categories]",
        "Riskware=yes",
        "adware=0",
        "[Override]",
        "Win95.CIH=report",
        "I-Worm.*=discard",
        "[Ignore]",
        "Riskware.RemoteRun.A=1",
        "Test.EICAR.68=*",
        "[Trusted]",
        `${"AB".repeat(32)}=our tool`,
      ].join("\n"),
      "t.ini",
    );
    expect(r.diagnostics).toEqual([]);
    const c = r.config!;
    expect(c.scan.archives?.value).toBe(false);
    expect(c.scan.reportFileName?.value).toBe("C:\\logs\\a;b.txt");
    expect(c.scan.stencil?.value).toBe("mail-gateway");
    expect(c.control).toEqual({
      infectedAction: { value: "quarantine", source: "t.ini:5" },
      cleanFailed: { value: "remove", source: "t.ini:7" },
      categories: { riskware: { value: true, source: "t.ini:13" }, adware: { value: false, source: "t.ini:14" } },
      overrides: [
        { pattern: "Win95.CIH", action: "report", source: "t.ini:16" },
        { pattern: "I-Worm.*", action: "discard", source: "t.ini:17" },
      ],
      ignore: [
        { name: "Riskware.RemoteRun.A", rev: 1, source: "t.ini:19" },
        { name: "Test.EICAR.68", source: "t.ini:20" },
      ],
      trusted: [{ sha256: "ab".repeat(32), note: "our tool", source: "t.ini:22" }],
    });
    expect(iniScanOptions(c)).toEqual({ archives: false, limits: { maxScanSize: 2 * 1024 * 1024, maxScanTime: 500, maxDepth: 4 } });
  });

  it("reports every problem at once: one line each, file:line:col, code and the fix", () => {
    const text = [
      "[Scan]",
      "Memroy=Yes",
      "Archives=maybe",
      "InfectedAction=9",
      "Files=No",
      "FileMask=3",
      "[Limit]",
      "MaxDepth=4",
      "[Limits]",
      "MaxDepth=0",
      "MaxScanTime=2h",
      "[Categories]",
      "spyware=Yes",
      "[Override]",
      "Win95 CIH=clean",
      "Win95.CIH=zap",
      "[Ignore]",
      "Win95.*=1",
      "Win95.CIH.A=latest",
      "[Trusted]",
      "abc=short",
      "[Scan]",
      "Archives=Yes",
      "  no equals sign here",
      'ReportFileName="unterminated',
    ].join("\n");
    const r = parseIni(text, "bad.ini");
    expect(r.config).toBeUndefined();
    expect(codes(r.diagnostics)).toEqual([
      "2:1 error UNKNOWN_KEY",
      "3:1 error BAD_VALUE",
      "4:1 error BAD_VALUE",
      "5:1 error BAD_VALUE",
      "6:1 error BAD_VALUE",
      "7:2 error UNKNOWN_SECTION",
      "10:1 error BAD_VALUE",
      "11:1 error BAD_VALUE",
      "13:1 error UNKNOWN_KEY",
      "15:1 error BAD_VALUE",
      "16:1 error BAD_VALUE",
      "18:1 error BAD_VALUE",
      "19:1 error BAD_VALUE",
      "21:1 error BAD_VALUE",
      "23:1 error DUPLICATE_KEY",
      "24:3 error SYNTAX",
      "25:16 error SYNTAX",
    ]);
    const lines = r.diagnostics.map(formatIniDiagnostic);
    expect(lines[0]).toBe('bad.ini:2:1: error UNKNOWN_KEY: unknown key Memroy in [Scan]; did you mean "Memory"?');
    expect(lines[1]).toBe("bad.ini:3:1: error BAD_VALUE: Archives=maybe: expected Yes or No");
    expect(lines[5]).toMatch(/^bad\.ini:7:2: error UNKNOWN_SECTION: unknown section \[Limit\]; did you mean "Limits"\?.*its keys are skipped$/);
    expect(lines[14]).toBe("bad.ini:23:1: error DUPLICATE_KEY: Archives is already set in [Scan] at line 3; a key may appear once");
    for (const l of lines) expect(l).toMatch(/^bad\.ini:\d+:\d+: error [A-Z_]+: .+/);
  });

  it("the example INI in the repository is valid and sets what its comments say", () => {
    const path = new URL("../../../examples/tgvx.ini", import.meta.url);
    const r = parseIni(readFileSync(path, "utf8"), "examples/tgvx.ini");
    expect(r.diagnostics).toEqual([]);
    expect(r.config!.scan.stencil?.value).toBe("desktop");
    expect(r.config!.control.categories?.riskware?.value).toBe(false);
    expect(Object.keys(r.config!.limits).sort()).toEqual(LIMIT_KEYS.map((k) => k.field).sort());
    // Every [Scan] key is written out (commented out at most) in the example.
    const text = readFileSync(path, "utf8");
    for (const k of SCAN_KEYS) expect(text, k.key).toMatch(new RegExp(`^;?${k.key}=`, "m"));
  });
});

describe("object control: FileMask, UserMask, Exclude, ExcludeMask", () => {
  const scan = (ini: string) => parseIni(ini, "m.ini").config!.scan;
  it("FileMask=0 scans everything; 1 the extensions that can carry code; 2 those plus UserMask", () => {
    expect(fileExcludedBy(scan(""), "notes.txt")).toBeUndefined();
    expect(fileExcludedBy(scan("FileMask=1"), "notes.txt")).toMatch(/not in FileMask=1 \(m\.ini:1\)/);
    expect(fileExcludedBy(scan("FileMask=1"), "SETUP.EXE")).toBeUndefined();
    expect(CODE_EXTENSIONS).toContain("eml");
    expect(fileExcludedBy(scan("FileMask=2\nUserMask=txt, *.bak"), "notes.txt")).toBeUndefined();
    expect(fileExcludedBy(scan("FileMask=2\nUserMask=txt, *.bak"), "x.bak")).toBeUndefined();
    expect(fileExcludedBy(scan("FileMask=2\nUserMask=txt"), "x.dat")).toMatch(/FileMask=2 .* or UserMask/);
  });
  it("Exclude=Yes skips what ExcludeMask names; Exclude=No ignores the mask", () => {
    expect(fileExcludedBy(scan("Exclude=Yes\nExcludeMask=iso *.vm?k"), "disk.ISO")).toMatch(/ExcludeMask \(m\.ini:2\)/);
    expect(fileExcludedBy(scan("Exclude=Yes\nExcludeMask=iso *.vm?k"), "a.vmdk")).toBeDefined();
    expect(fileExcludedBy(scan("Exclude=No\nExcludeMask=iso"), "disk.iso")).toBeUndefined();
  });
});
