import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatRecordText } from "@tgvx/linter";
import { parseRecordFile } from "@tgvx/records";

const messy = `# yaml-language-server: $schema=../schemas/records.schema.json
# DOS.Messy: header comment, kept
records:
  # the first record
  - name: DOS.Messy.A        # the name, aligned
    id: 4097
    type: 3
    rev: 0x2
    status: stable
    detect:
      windows:
        - crc: 0x1a2b3c4d
          offset: -64
          length: 16   # short
        - { length: 0x100, offset: 0x10, crc: 12 }
      first: "558b"
      anchor: end
      at: -0x1a0
    attributes:
      - infector
      - resident

    clean:
      - modify: { at: 0x1f, u8: 0x0a }
      - truncate-tail: "size - 0x1a0"
    suppress:
      - reason: the body is short
        rule: weak-signature
`;

const canonical = `# yaml-language-server: $schema=../schemas/records.schema.json
# DOS.Messy: header comment, kept
records:
  # the first record
  - id: 0x1001
    rev: 2
    name: DOS.Messy.A        # the name, aligned
    type: 3
    status: stable
    attributes: [infector, resident]
    detect:
      anchor: end
      at: -0x1A0
      first: "55 8B"
      windows:
        - { offset: -0x40, length: 0x10, crc: 0x1A2B3C4D } # short
        - { offset: 0x10, length: 0x100, crc: 0x0000000C }

    clean:
      - modify: { at: 0x1F, u8: 0x0A }
      - truncate-tail: "size - 0x1a0"
    suppress:
      - rule: weak-signature
        reason: the body is short
`;

describe("tgvx fmt: the canonical form", () => {
  it("orders keys as the schema, writes hex widths, flow lists and windows, keeps comments and blank lines", () => {
    const r = formatRecordText(messy, "messy.yaml");
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toBe(canonical);
    expect(r.changed).toBe(true);
  });

  it("formatting twice changes nothing the second time", () => {
    const once = formatRecordText(messy, "messy.yaml").text!;
    const twice = formatRecordText(once, "messy.yaml");
    expect(twice.text).toBe(once);
    expect(twice.changed).toBe(false);
  });

  it("keeps the meaning: the formatted file loads to the same records (the first word only respelt)", () => {
    const before = parseRecordFile({ path: "m.yaml", text: messy.replace('"558b"', '"55 8B"') });
    const after = parseRecordFile({ path: "m.yaml", text: canonical });
    expect(before.diagnostics).toEqual([]);
    expect(after.records.map((r) => r.record)).toEqual(before.records.map((r) => r.record));
  });

  it("leaves a file that does not parse alone, with the place", () => {
    const r = formatRecordText("records:\n  - id: [1, 2\n", "bad.yaml");
    expect(r.text).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.file}:${d.start.line}:${d.start.col} ${d.code}`)).toEqual(["bad.yaml:3:1 YAML_SYNTAX"]);
  });

  const shipped = readdirSync(new URL("../../../db-src", import.meta.url)).filter((f) => f.endsWith(".yaml"));
  for (const f of shipped)
    it(`db-src/${f} is in canonical form, comments and all`, () => {
      const text = readFileSync(new URL(`../../../db-src/${f}`, import.meta.url), "utf8");
      const r = formatRecordText(text, f);
      expect(r.text).toBe(text);
      expect(formatRecordText(r.text!, f).text).toBe(r.text);
    });
});
