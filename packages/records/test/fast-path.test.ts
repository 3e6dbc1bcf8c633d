// The fast reader must read exactly what the positioned YAML parser reads, or give up; a record
// set loaded fast must equal the one loaded with positions, records and diagnostics alike.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parseDocument, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, loadRecordSet, readSimpleYaml, signedHex, UNSUPPORTED, type LoadResult, type SourceText } from "@tgvx/records";
// @ts-expect-error: plain ESM without types, shared with the benchmarks
import { generateRecords, recordYaml } from "../../../bench/lib/bench-records.mjs";

const root = new URL("../../..", import.meta.url).pathname;
/** TGVX_FUZZ_SCALE=50 runs the generated cases fifty times over (a longer search, on demand). */
const scale = Number(process.env.TGVX_FUZZ_SCALE) || 1;

/** A value with everything that tells two readings apart: key order, -0, NaN, types. */
function exact(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || typeof v !== "object") return String(v);
  if (Array.isArray(v)) return `[${v.map(exact).join(",")}]`;
  if (Object.getPrototypeOf(v) !== Object.prototype) return "<not a plain object>";
  return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${exact(x)}`).join(",")}}`;
}

/** What the positioned loader reads: the value, or undefined with any error or warning. */
function full(text: string): { value?: unknown; problems: string[] } {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, customTags: [signedHex], logLevel: "error" });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.code);
  if (problems.length) return { problems };
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), problems };
  } catch (err) {
    return { problems: [String(err)] };
  }
}

/** The fast reader gave up, or it read what the YAML library reads, with no problem. */
function agrees(text: string): boolean {
  const fast = readSimpleYaml(text);
  if (fast === UNSUPPORTED) return false;
  const slow = full(text);
  expect(slow.problems, text).toEqual([]);
  expect(exact(fast), text).toBe(exact(slow.value));
  return true;
}

function summary(r: LoadResult) {
  return {
    records: r.records.map((lr) => `${lr.source.file}#${lr.source.index} ${exact(lr.record)}`),
    diagnostics: r.diagnostics.map(formatDiagnostic),
  };
}

/** The record set loaded fast (the default) and with positions only must be the same. */
function sameAsPositioned(sources: SourceText[]): LoadResult {
  const fast = loadRecordSet(sources);
  const positioned = loadRecordSet(sources, { positionedOnly: true });
  expect(summary(fast)).toEqual(summary(positioned));
  return fast;
}

const dbSrc = readdirSync(join(root, "db-src"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => ({ path: `db-src/${f}`, text: readFileSync(join(root, "db-src", f), "utf8") }));

function benchText(count: number, seed = "7"): string {
  const { records } = generateRecords({ count, perFamily: 10, seed });
  return ["# generated", "records:", ...records.map(recordYaml)].join("\n") + "\n";
}

describe("the fast record reader", () => {
  it("reads every shipped record file, exactly as the positioned loader does", () => {
    // db-src/ is in the style `tgvx fmt` writes, which the fast reader reads; a file outside it still
    // compiles, by the positioned parser, only slower: then widen the reader (or format the file).
    for (const src of dbSrc) expect(readSimpleYaml(src.text), `${src.path} is not read by the fast reader`).not.toBe(UNSUPPORTED);
    for (const src of dbSrc) agrees(src.text);
    const r = sameAsPositioned(dbSrc);
    expect(r.stats).toMatchObject({ fast: dbSrc.length, positioned: 0 });
    expect(r.records.length).toBeGreaterThan(10);
  });

  it("reads the benchmark generator's records exactly as the positioned loader does", () => {
    const text = benchText(800);
    expect(agrees(text)).toBe(true);
    const r = sameAsPositioned([{ path: "bench.yaml", text }]);
    expect(r.stats).toMatchObject({ fast: 1, positioned: 0 });
    expect(r.records).toHaveLength(800);
  });

  it("finds a fast-read record's fields where the positioned loader does", () => {
    const fast = loadRecordSet(dbSrc);
    const positioned = loadRecordSet(dbSrc, { positionedOnly: true });
    const paths: (string | number)[][] = [[], ["id"], ["name"], ["detect", "first"], ["detect", "windows", 1, "crc"], ["clean", 0], ["nowhere", 3]];
    fast.records.forEach((lr, i) => {
      for (const p of paths) expect(lr.source.locate(p), `${lr.record.name} ${p.join(".")}`).toEqual(positioned.records[i].source.locate(p));
    });
  });

  it("finds every place in every fast-read record where the positioned loader does, without parsing the file again", () => {
    const odd = [
      "# spacing, quoting and comments the fast reader accepts",
      "records:   # the family",
      "    # a comment at the items' column",
      "    - id: 0x10   # first",
      "      rev: 1",
      '      name: "DOS.Quoted.A"',
      "      type: 4",
      "      status: 'stable'",
      "      attributes: [ infector ,  boot ]",
      "      description: text with spaces   ",
      "      detect:",
      "        anchor: start",
      '        first: "55 8B"',
      "        filetypes: [com]",
      "        windows:",
      "          -   {offset: 0x10,length: 0x20 , crc: 0x1A2B3C4D}   # w1",
      "          - { offset: -0x20, length: 32, crc: 12345 }",
      "",
      "    - id: 0x11",
      "      rev: 2",
      "      name: DOS.Plain.B",
      "      type: 3",
      "      status: stable",
      "      detect: { anchor: end, at: -0x40, first: 55 8B, windows: [{ offset: -0x40, length: 0x10, crc: 1 }, { offset: -0x30, length: 0x10, crc: 2 }] }",
    ].join("\n");
    const sources = [...dbSrc, { path: "bench.yaml", text: benchText(300) }, { path: "odd.yaml", text: odd }];
    /** Every path into a value, leaves last; and places that are not there. */
    const pathsOf = (v: unknown, at: (string | number)[] = []): (string | number)[][] =>
      v && typeof v === "object" ? [...Object.entries(v).flatMap(([k, x]) => pathsOf(x, [...at, Array.isArray(v) ? Number(k) : k])), at] : [at];
    const fast = loadRecordSet(sources);
    const positioned = loadRecordSet(sources, { positionedOnly: true });
    expect(fast.stats).toMatchObject({ fast: sources.length, positioned: 0, reparsed: 0 });
    expect(fast.records.length).toBe(positioned.records.length);
    const same = (i: number, p: (string | number)[]) =>
      expect(fast.records[i].source.locate(p), `${fast.records[i].source.file} ${fast.records[i].record.name} ${p.join(".")}`).toEqual(positioned.records[i].source.locate(p));
    // Scalars, flow collections (these files write windows, attributes and file types in flow
    // style) and paths through a scalar: found without parsing again.
    const flow = (p: (string | number)[]) => p.at(-2) === "windows" || p.at(-1) === "attributes" || p.at(-1) === "filetypes";
    let found = 0;
    fast.records.forEach((lr, i) => {
      const scalars = pathsOf(lr.record).filter((p) => p.length > 0 && (flow(p) || typeof p.reduce<unknown>((v, k) => (v as never)[k], lr.record) !== "object"));
      const through = lr.record.detect ? [["detect", "windows", 1, "crc", 2], ["detect", "windows", "1", "crc"]] : [];
      for (const p of [...scalars, ["name", "deeper"], ...through]) {
        same(i, p);
        found++;
      }
    });
    expect(found).toBeGreaterThan(3000);
    // Records, blocks and places that are not there (found as the nearest place that is).
    fast.records.forEach((lr, i) => {
      for (const p of [...pathsOf(lr.record), ["nowhere"], ["detect", "windows", 7, "crc"], ["attributes", "0"]]) same(i, p);
    });
    expect(fast.stats.reparsed).toBe(0);
    // Anything else, an empty value among them: the file is parsed with positions, once.
    const empty = { path: "empty.yaml", text: "records:\n  - id: 0x10\n    rev: 1\n    name: DOS.Empty.A\n    type: 1\n    status: stable\n    module: m\n    args:\n      key:\n" };
    const withEmpty = loadRecordSet([...sources, empty]);
    const emptyPositioned = loadRecordSet([empty], { positionedOnly: true });
    expect(withEmpty.records.find((lr) => lr.record.name === "DOS.Empty.A")!.source.locate(["args", "key"])).toEqual(emptyPositioned.records[0].source.locate(["args", "key"]));
    expect(withEmpty.stats.reparsed).toBe(1);
  });

  it("reports ids used twice across files at their places, as the positioned loader does", () => {
    const a = dbSrc.find((s) => s.path.endsWith("tailgate.yaml"))!;
    const copy = { path: "db-src/zz-copy.yaml", text: "# a copy\n" + a.text };
    const r = sameAsPositioned([...dbSrc, copy]);
    expect(r.diagnostics.filter((d) => d.code === "DUPLICATE_ID").length).toBeGreaterThan(0);
    expect(r.diagnostics.every((d) => d.file === copy.path && d.start.line > 1)).toBe(true);
  });

  it("leaves invalid files to the positioned loader, which reports the same problems", () => {
    const good = dbSrc.find((s) => s.path.endsWith("tailgate.yaml"))!.text;
    const variants = [
      good.replace(/rev: \d+/, 'rev: "two"'),
      good.replace(/rev: \d+/, "rev: two"),
      good.replace(/    type: (\d)\n/, "    type: $1\n    colour: red\n"),
      good.replace(/crc: 0x[0-9A-F]+/, "crc: 0xZZ12"),
      good.replace(/first: "[^"]*"/, 'first: "5G 8B"'),
      good.replace(/    type: (\d)\n/, "    type: $1\n    name: Dup.Key.A\n"),
      good.replace(/offset: (-?0x[0-9A-F]+)/, "offset: $1, offset: 1"),
      good.replace(/type: \d/, "type: 1"),
      good.replace(/type: \d/, "type: 4").replace(/filetypes: \[[^\]]*\]/, ""),
      good.replace(/\n {8}- \{[^\n]*\}(?=\n[^\n]*\n\s*clean)/, ""),
      good.replace("records:", "records:\n  - 17"),
      good.replace("records:", "record:"),
      good + "  - id: [1, 2\n",
      good.replace(/status: \w+/, "status: &s stable"),
      good.replace(/status: \w+/, "status: !!str stable"),
      good.replace(/ {4}status: (\w+)/, "    status: |\n      $1"),
      good.replace(/name: ([\w.]+)/, "name: $1\n      continued"),
      good.replace(/id: (0x[0-9A-F]+)/, "id: -$1"),
      good.replace(/id: (0x[0-9A-F]+)/, "id: 1.5"),
      good.replace(/id: (0x[0-9A-F]+)/, "id: 0o777777777777"),
      good.replace(/anchor: \w+/, "anchor: null"),
      good.replace(/anchor: \w+/, "anchor:"),
      good.replace(/\n/g, "\r\n"),
      good.replace(/ {6}anchor/, "\tanchor"),
      "%YAML 1.1\n---\n" + good,
      good + "---\nrecords: []\n",
      "",
      "# nothing\n",
      "records:\n",
      "records: []\n",
    ];
    for (const text of variants) {
      expect(text).not.toBe(good);
      sameAsPositioned([{ path: "db-src/bad.yaml", text }]);
    }
    // What the YAML library throws at instead of reporting is reported too, at the alias.
    const unresolved = loadRecordSet([{ path: "a.yaml", text: "? *a#x\nrecords: []\n" }]).diagnostics.map(formatDiagnostic);
    expect(unresolved).toEqual(["a.yaml:1:3: error YAML_SYNTAX: Unresolved alias (the anchor must be set before the alias): a#x"]);
    const bomb = `a: &a [1]\nb: [${Array(120).fill("*a").join(", ")}]\n`;
    expect(loadRecordSet([{ path: "b.yaml", text: bomb }]).diagnostics.map(formatDiagnostic)).toEqual([
      "b.yaml:2:5: error YAML_SYNTAX: Excessive alias count indicates a resource exhaustion attack",
    ]);
    // Each of the invalid ones is read with positions (the fast path gave up or found a problem).
    const r = loadRecordSet(variants.slice(0, 12).map((text, i) => ({ path: `f${i}.yaml`, text })));
    expect(r.stats).toMatchObject({ fast: 0, positioned: 12 });
  });

  it("gives up on what is outside its subset, and reads the rest like the YAML library", () => {
    const given: [string, unknown][] = [
      ["a: 1\n", { a: 1 }],
      ["a: -0x40\nb: 0x1F\nc: 0o17\nd: +12\ne: -0\nf: 1.5e3\ng: .inf\nh: ~\ni: True\n", { a: -64, b: 31, c: 15, d: 12, e: -0, f: 1500, g: Infinity, h: null, i: true }],
      ["a: [x, 'y''s', \"z\\\"\", {b: c:d}]  # c\n", { a: ["x", "y's", 'z"', { b: "c:d" }] }],
      ["a:\n  - b: 1\n    c: [1, 2]\n  - two words, and more\n", { a: [{ b: 1, c: [1, 2] }, "two words, and more"] }],
      ["a: x#y # z\n", { a: "x#y" }],
      ["a: http://x/y\n", { a: "http://x/y" }],
      ["a: {}\nb: []\n", { a: {}, b: [] }],
      ["a:\nb: 1\n", { a: null, b: 1 }],
    ];
    for (const [text, value] of given) {
      expect(agrees(text), text).toBe(true);
      expect(exact(readSimpleYaml(text))).toBe(exact(value));
    }
    const outside = [
      "a: &x 1\nb: *x\n",
      "a: !!str 1\n",
      "a: |\n  x\n",
      "a: >\n  x\n",
      "a: 'x\n  y'\n",
      "a: x\n  y\n",
      "a: [1,\n  2]\n",
      "a: [1, 2, ]\n",
      "a:\n- 1\n",
      "? a\n: 1\n",
      '"a": 1\n',
      "a: 1\na: 2\n",
      "__proto__: 1\n",
      "null: 1\n",
      "a: b: c\n",
      "a: - 1\n",
      "a:\n  -\n",
      "a:\n  - - 1\n",
      "a: 1\n  b: 2\n",
      "a:\n    b: 1\n  c: 2\n",
      "---\na: 1\n",
      "a: 1\n...\n",
      "\ufeffa: 1\n",
      "a: \u00a0x\n",
      "a: x\u00a0\n",
      "a: \ud83d\ude00\n",
      "a: \u0085\n",
      "a: \"\\x41\\q\"\n",
      "  a: 1\n",
      "- 1\n",
      "a\n",
    ];
    for (const text of outside) expect(readSimpleYaml(text), JSON.stringify(text)).toBe(UNSUPPORTED);
  });

  // Mutations of real record files: whatever the fast reader accepts, the YAML library reads the
  // same way and without a problem; and the loaded record sets (records and diagnostics) agree.
  const pieces = [
    ":", ": ", " #", "#", "-", "- ", " ", "  ", "\n", "\n  ", "\n    ", "'", "''", '"', '\\"', "\\", "{", "}", "[", "]", ",", ", ",
    "&a ", "*a", "!!str ", "!", "|", ">", "?", "? ", "%", "@", "`", "\t", "\r", "\u00a0", "é", "\u2028", "---", "...", "0x", "-0x1F",
    "0o17", "1e3", "+5", ".inf", ".nan", "~", "null", "true", "False", "-0", "__proto__", '"\\u0041"', "'it''s'", "x: y", "{a: b}", "[a, b]",
  ];
  const seeds: string[] = [...dbSrc.map((s) => s.text), benchText(6, "3")];
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    edits: fc.array(
      fc.record({
        at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        kind: fc.constantFrom("insert", "delete", "replace", "dupLine", "indent", "dedent"),
        piece: fc.constantFrom(...pieces),
        length: fc.integer({ min: 1, max: 12 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  });
  function mutate({ seed, edits }: fc.RecordValue<{ seed: number; edits: { at: number; kind: string; piece: string; length: number }[] }>): string {
    let text = seeds[seed];
    for (const e of edits) {
      const p = Math.floor(e.at * text.length);
      if (e.kind === "insert") text = text.slice(0, p) + e.piece + text.slice(p);
      else if (e.kind === "delete") text = text.slice(0, p) + text.slice(p + e.length);
      else if (e.kind === "replace") text = text.slice(0, p) + e.piece + text.slice(p + e.length);
      else {
        const s = text.lastIndexOf("\n", p) + 1;
        const end = text.indexOf("\n", p);
        const line = text.slice(s, end < 0 ? text.length : end + 1);
        if (e.kind === "dupLine") text = text.slice(0, s) + line + text.slice(s);
        else if (e.kind === "indent") text = text.slice(0, s) + " ".repeat(1 + (e.length % 2)) + text.slice(s);
        else text = text.slice(0, s) + line.replace(/^ {1,2}/, "") + text.slice(s + line.length);
      }
    }
    return text;
  }

  it("agrees with the YAML library or gives up, on mutated record files", () => {
    let taken = 0;
    fc.assert(
      fc.property(mutation, (m) => {
        if (agrees(mutate(m))) taken++;
      }),
      { numRuns: 1500 * scale },
    );
    expect(taken).toBeGreaterThan(300); // the comparison is not vacuous
  }, 60_000 * scale);

  it("loads mutated record files to the same records and diagnostics as the positioned loader", () => {
    fc.assert(
      fc.property(mutation, (m) => {
        sameAsPositioned([{ path: "db-src/m.yaml", text: mutate(m) }]);
      }),
      { numRuns: 400 * scale },
    );
  }, 60_000 * scale);

  it("finds every place in mutated record files where the positioned loader does", () => {
    const pathsOf = (v: unknown, at: (string | number)[] = []): (string | number)[][] =>
      v && typeof v === "object" ? [at, ...Object.entries(v).flatMap(([k, x]) => pathsOf(x, [...at, Array.isArray(v) ? Number(k) : k]))] : [at];
    let compared = 0;
    fc.assert(
      fc.property(mutation, (m) => {
        const src = [{ path: "db-src/m.yaml", text: mutate(m) }];
        const fast = loadRecordSet(src);
        if (fast.stats.fast !== 1) return;
        const positioned = loadRecordSet(src, { positionedOnly: true });
        // Leaves first: a place left to the positioned parser makes every later one its.
        fast.records.forEach((lr, i) => {
          for (const p of pathsOf(lr.record).reverse()) {
            expect(lr.source.locate(p), `${p.join(".")} in\n${src[0].text}`).toEqual(positioned.records[i].source.locate(p));
            compared++;
          }
        });
      }),
      { numRuns: 400 * scale },
    );
    expect(compared).toBeGreaterThan(2000);
  }, 60_000 * scale);

  it("agrees with the YAML library or gives up, on values written by hand and by the YAML library", () => {
    const scalar = fc.oneof(
      fc.constantFrom(...pieces, "a b", "a:b", "a #b", "a# b", "x,y", "[x]", "-x", "- x", ".5", "-.5", "0x1g", "1_000", "0b101", "yes", "NULL", "Ünï", " lead", "trail "),
      fc.string({ maxLength: 6 }),
      fc.integer({ min: -0x7fffffff, max: 0xffffffff }),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const key = fc.oneof(
      { arbitrary: fc.constantFrom("id", "rev", "name", "detect", "com-tail", "u32", "_x"), weight: 8 },
      { arbitrary: fc.constantFrom("null", "True", "__proto__", "a b", "x:", "-a", "1"), weight: 1 },
      { arbitrary: fc.string({ minLength: 1, maxLength: 4 }), weight: 1 },
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, scalar, tie("list"), tie("map")),
      list: fc.array(tie("node"), { maxLength: 3 }),
      map: fc.dictionary(key, tie("node"), { maxKeys: 3 }),
    })).node;
    /** A careless hand: scalars pasted in as they are, in block or flow style. */
    function raw(v: unknown, indent: string, flow: boolean): string {
      if (Array.isArray(v)) return flow ? `[${v.map((x) => raw(x, "", true)).join(", ")}]` : v.map((x) => `\n${indent}- ${raw(x, indent + "  ", true)}`).join("") || "[]";
      if (v && typeof v === "object")
        return flow
          ? `{${Object.entries(v).map(([k, x]) => `${k}: ${raw(x, "", true)}`).join(", ")}}`
          : Object.entries(v).map(([k, x]) => `\n${indent}${k}: ${raw(x, indent + "  ", Math.random() < 0.5)}`).join("") || "{}";
      return String(v);
    }
    let taken = 0;
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 4 }), fc.boolean(), (v, flow) => {
        for (const text of [raw(v, "", flow).replace(/^\n/, "") + "\n", stringify(v)]) if (agrees(text)) taken++;
      }),
      { numRuns: 800 * scale },
    );
    expect(taken).toBeGreaterThan(150);
  }, 60_000 * scale);
});
