/**
 * The rule tester (typescript-eslint style: `valid` / `invalid` tables; invalid cases list the
 * findings by message id and exact place, never by prose) and the fixtures the rule tests share.
 */
import { describe, expect, it } from "vitest";
import { crc32 } from "@tgvx/engine";
import { Corpus, lintSources, type AnyRule, type LintConfig, type LintDiagnostic } from "@tgvx/linter";

/**
 * A valid type 3 record, alone in its file. Lines: 2 id, 3 rev, 4 name, 5 type, 6 status,
 * 7 category, 8 attributes, 9 detect, 10 anchor, 11 first, 12 windows, 13 window 1, 14 window 2,
 * 15 clean, 16 its step.
 */
export const BASE = `records:
  - id: 0x1001
    rev: 1
    name: DOS.Sample.A
    type: 3
    status: stable
    category: virus
    attributes: [infector]
    detect:
      anchor: start
      first: "54 47"
      windows:
        - { offset: 0x00, length: 0x40, crc: 0x00000001 }
        - { offset: 0x40, length: 0x40, crc: 0x00000002 }
    clean:
      - truncate-tail: 0x80
`;

/** BASE as the second record of a file (its lines are those of BASE + 15). */
export const second = (text: string): string => text.replace(/^records:\n/, "");

export interface Case {
  name: string;
  /** One file's text, or several files by path. */
  yaml: string | Record<string, string>;
  /** The rule's configuration: a severity and options. */
  options?: Record<string, unknown>;
  corpus?: Corpus;
  /** Other rules to run alongside (their findings are not compared). */
  also?: AnyRule[];
}

export interface Expected {
  messageId: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** When the case has several files, or the finding is in the manifest. */
  file?: string;
}

export interface InvalidCase extends Case {
  errors: Expected[];
}

export async function runRule(rule: AnyRule, c: Case): Promise<LintDiagnostic[]> {
  const files = typeof c.yaml === "string" ? { "db-src/test.yaml": c.yaml } : c.yaml;
  const config: LintConfig = { rules: c.options ? { [rule.meta.id]: { options: c.options } } : {} };
  const result = await lintSources(
    Object.entries(files).map(([path, text]) => ({ path, text })),
    { rules: [rule, ...(c.also ?? [])], config, corpus: c.corpus },
  );
  for (const d of result.diagnostics) {
    // Every slot filled, every finding with a way to fix it.
    expect(`${d.message} ${d.hint ?? ""}`).not.toMatch(/\{\{|undefined|NaN/);
    if (rule.meta.id !== "schema") expect(d.hint, `${d.ruleId}/${d.messageId} has a hint`).toBeTruthy();
  }
  return result.diagnostics.filter((d) => d.ruleId === rule.meta.id);
}

/** Declares the rule's tests: every valid case reports nothing, every invalid case exactly its findings. */
export function ruleTester(rule: AnyRule, cases: { valid: Case[]; invalid: InvalidCase[] }): void {
  describe(rule.meta.id, () => {
    describe("valid", () => {
      for (const c of cases.valid)
        it(c.name, async () => {
          expect((await runRule(rule, c)).map((d) => `${d.file}:${d.start.line}:${d.start.col} ${d.messageId}: ${d.message}`)).toEqual([]);
        });
    });
    describe("invalid", () => {
      for (const c of cases.invalid)
        it(c.name, async () => {
          const got = await runRule(rule, c);
          const multi = typeof c.yaml !== "string" || c.errors.some((e) => e.file);
          // endLine and endColumn are compared when the case gives them, as in typescript-eslint's tester.
          const want = c.errors.map((e) => ({ ...e, ...(multi ? { file: e.file ?? "db-src/test.yaml" } : {}) }));
          expect(
            got.map((d, i) => ({
              messageId: d.messageId,
              line: d.start.line,
              column: d.start.col,
              ...(want[i]?.endLine !== undefined ? { endLine: d.end.line } : {}),
              ...(want[i]?.endColumn !== undefined ? { endColumn: d.end.col } : {}),
              ...(multi ? { file: d.file } : {}),
            })),
          ).toEqual(want);
        });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Synthetic, inert sample bytes and a corpus held in memory.

/** `size` bytes of deterministic filler (xorshift), the same for the same seed. */
export function filler(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** An inert "infected" file: filler with "TG" at `at` (from the start). */
export function bodyAt(size: number, at: number, seed = 7): Uint8Array {
  const b = filler(size, seed);
  b[at] = 0x54;
  b[at + 1] = 0x47;
  return b;
}

export const crcOf = (bytes: Uint8Array, offset: number, length: number): string =>
  `0x${(crc32(bytes, offset, offset + length) >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;

/** BASE with its windows' CRCs taken from `bytes` (start-anchored), so it matches them. */
export function matching(bytes: Uint8Array, text = BASE): string {
  return text.replace("crc: 0x00000001", `crc: ${crcOf(bytes, 0x00, 0x40)}`).replace("crc: 0x00000002", `crc: ${crcOf(bytes, 0x40, 0x40)}`);
}

export interface SampleSpec {
  path: string;
  detect: string[];
  /** Undefined: the file is listed but missing. */
  bytes?: Uint8Array;
}

/**
 * A corpus in memory. Its manifest is real YAML: sample i's `path` is on line 2 + 2i (value at
 * column 11) and its `detect` list on line 3 + 2i (first name at column 14).
 */
export function corpusOf(samples: SampleSpec[]): Corpus {
  const manifestText = `samples:\n${samples.map((s) => `  - path: ${s.path}\n    detect: [${s.detect.join(", ")}]\n`).join("")}`;
  return new Corpus({
    manifestPath: "samples/manifest.yaml",
    manifestText,
    samples: samples.map((s, index) => ({ index, path: s.path, shown: `samples/${s.path}`, detect: s.detect, bytes: s.bytes })),
  });
}
