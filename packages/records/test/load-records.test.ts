import { describe, expect, it } from "vitest";
import { formatDiagnostic, loadRecordSet, parseRecordFile } from "@tgvx/records";

const good = `# yaml-language-server: $schema=../schemas/records.schema.json
records:
  - id: 0x1001
    rev: 2
    name: DOS.Sample.A
    type: 4
    status: stable
    attributes: [infector, resident]
    detect:
      anchor: entry
      at: -4
      first: "55 8b"
      filetypes: [mz]
      windows:
        - { offset: 0x10, length: 0x20, crc: 0xCBF43926 }
        - { offset: -0x40, length: 16, crc: 0 }
`;

function codes(text: string) {
  return parseRecordFile({ path: "f.yaml", text }).diagnostics.map((d) => `${d.start.line}:${d.start.col} ${d.code} ${d.path ?? ""}`);
}

describe("record loading", () => {
  it("loads a valid file, hex numbers as numbers, with positions", () => {
    const r = parseRecordFile({ path: "db-src/sample.yaml", text: good });
    expect(r.diagnostics).toEqual([]);
    expect(r.records).toHaveLength(1);
    const rec = r.records[0].record;
    expect(rec.id).toBe(0x1001);
    expect(rec.detect?.windows[0].crc).toBe(0xcbf43926);
    expect(rec.detect?.windows[1].offset).toBe(-0x40);
    expect(r.records[0].source.locate(["detect", "first"]).start).toEqual({ line: 12, col: 14 });
  });

  it("reports every schema problem at once with line:col and field path", () => {
    const text = good
      .replace("rev: 2", 'rev: "two"')
      .replace("    type: 4\n", "    type: 4\n    colour: red\n")
      .replace('"55 8b"', '"5G 8B"')
      .replace("crc: 0xCBF43926", "crc: 0xZZ12");
    expect(codes(text)).toEqual([
      "4:10 WRONG_TYPE records[0].rev",
      "7:5 UNKNOWN_FIELD records[0].colour",
      "13:14 BAD_HEX records[0].detect.first",
      "16:46 BAD_HEX records[0].detect.windows[0].crc",
    ]);
  });

  it("reports a duplicate key where the second one is written", () => {
    const d = parseRecordFile({ path: "f.yaml", text: good.replace("    type: 4\n", "    type: 4\n    name: DOS.Sample.B\n") }).diagnostics;
    expect(d.map((x) => [x.code, x.start.line, x.start.col])).toEqual([["DUPLICATE_KEY", 7, 5]]);
    expect(formatDiagnostic(d[0])).toBe('f.yaml:7:5: error DUPLICATE_KEY: duplicate key "name": a field may appear once');
  });

  it("reports YAML syntax errors with a position, not a stack trace", () => {
    const d = parseRecordFile({ path: "f.yaml", text: "records:\n  - id: [1, 2\n" }).diagnostics;
    expect(d.length).toBeGreaterThan(0);
    expect(d.every((x) => x.code === "YAML_SYNTAX" && x.start.line >= 2)).toBe(true);
  });

  it("enforces what each record type needs", () => {
    expect(codes(good.replace("type: 4", "type: 3"))).toEqual(["13:18 TYPE_MISMATCH records[0].detect.filetypes"]);
    expect(codes(good.replace("      filetypes: [mz]\n", ""))).toEqual(["6:11 TYPE_MISMATCH records[0].type"]);
    expect(codes(good.replace("type: 4", "type: 1"))).toEqual(["6:11 TYPE_MISMATCH records[0].type", "10:7 TYPE_MISMATCH records[0].detect"]);
  });

  it("asks for exactly two windows", () => {
    const text = good.replace("        - { offset: -0x40, length: 16, crc: 0 }\n", "");
    expect(parseRecordFile({ path: "f.yaml", text }).diagnostics.map((d) => d.message)).toEqual([
      '"windows" needs exactly two windows, got 1',
    ]);
  });

  it("refuses an id used twice across files, naming both places", () => {
    const other = good.replace("DOS.Sample.A", "DOS.Other.A");
    const r = loadRecordSet([
      { path: "b.yaml", text: other },
      { path: "a.yaml", text: good },
    ]);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      "b.yaml:3:9: error DUPLICATE_ID: id 0x1001 of DOS.Other.A is already used by DOS.Sample.A at a.yaml:3:9 (records[0].id)",
    ]);
  });
});
