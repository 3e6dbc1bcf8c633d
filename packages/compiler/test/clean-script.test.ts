import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CleanError, decodeScript, encodeScript, runScript, type ScriptOp } from "@tgvx/engine";
import {
  compileCleanScript,
  decompileCleanScript,
  emitExpression,
  parseExpression,
  renderExpression,
  type Ast,
} from "@tgvx/compiler";

function compile(clean: unknown): { ops?: ScriptOp[]; errors: string[] } {
  const errors: string[] = [];
  const bytes = compileCleanScript(clean, (path, msg) => errors.push(`${path.join(".")}: ${msg}`));
  return { ops: bytes ? decodeScript(bytes, 0).ops : undefined, errors };
}

function run(clean: unknown, input: number[] | Uint8Array, ctx = { anchor: 0, code: 0, entry: -1 }) {
  const { ops, errors } = compile(clean);
  expect(errors).toEqual([]);
  const out = runScript(ops!, Uint8Array.from(input), ctx, { maxOutput: 1 << 20 });
  return out.removed ? "removed" : Array.from(out.output);
}

function failure(clean: unknown, input: number[], ctx = { anchor: 0, code: 0, entry: -1 }): string {
  const { ops } = compile(clean);
  try {
    runScript(ops!, Uint8Array.from(input), ctx, { maxOutput: 64 });
  } catch (e) {
    expect(e).toBeInstanceOf(CleanError);
    return `${(e as CleanError).code}: ${(e as CleanError).message}`;
  }
  return "no error";
}

const ten = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

describe("cleaning primitives", () => {
  it("copy (overlapping like memmove), move, delete, fill", () => {
    expect(run([{ copy: { from: 0, to: 2, length: 4 } }], ten)).toEqual([0, 1, 0, 1, 2, 3, 6, 7, 8, 9]);
    expect(run([{ move: { from: 0, to: 6, length: 2 } }], ten)).toEqual([2, 3, 4, 5, 6, 7, 0, 1, 8, 9]);
    expect(run([{ delete: { at: 2, length: 3 } }], ten)).toEqual([0, 1, 5, 6, 7, 8, 9]);
    expect(run([{ fill: { at: 8, length: 2, byte: 0xff } }], ten)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 255, 255]);
  });

  it("insert bytes, a copy, or a filled block", () => {
    expect(run([{ insert: { at: 1, bytes: "AA BB" } }], [0, 1])).toEqual([0, 0xaa, 0xbb, 1]);
    expect(run([{ insert: { at: 0, from: 2, length: 2 } }], [0, 1, 2, 3])).toEqual([2, 3, 0, 1, 2, 3]);
    expect(run([{ insert: { at: 2, length: 3 } }], [1, 2])).toEqual([1, 2, 0, 0, 0]);
  });

  it("modify writes little-endian values or bytes", () => {
    expect(run([{ modify: { at: 0, u32: "0x11223344" } }, { modify: { at: 4, u16: -2 } }], [0, 0, 0, 0, 0, 0])).toEqual([
      0x44, 0x33, 0x22, 0x11, 0xfe, 0xff,
    ]);
    expect(run([{ modify: { at: 1, bytes: "E9 00" } }], [1, 2, 3])).toEqual([1, 0xe9, 0]);
  });

  it("truncate tail and head", () => {
    expect(run([{ "truncate-tail": "size - 3" }], ten)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(run([{ "truncate-head": 7 }], ten)).toEqual([7, 8, 9]);
  });

  it("decode XOR and ADD blocks, with a key step", () => {
    expect(run([{ decode: { at: 0, length: 3, xor: 0x5a } }], [0x5a ^ 1, 0x5a ^ 2, 0x5a ^ 3])).toEqual([1, 2, 3]);
    expect(run([{ decode: { at: 0, length: 3, add: 0xff, step: 1 } }], [0, 1, 2])).toEqual([1, 1, 1]);
  });

  it("let captures values before the object changes; expressions read little-endian", () => {
    const input = [0x34, 0x12, 9, 9, 0xaa, 0xbb];
    expect(
      run([{ let: { v: "u16(0)", hi: "u8(5)" } }, { "truncate-tail": 2 }, { modify: { at: 0, u16: "v + 1" } }, { insert: { at: 2, length: 1, byte: "hi" } }], input),
    ).toEqual([0x35, 0x12, 0xbb]);
    expect(run([{ modify: { at: 0, u8: "i8(1) < 0 ? 1 : 2" } }], [0, 0x80])).toEqual([1, 0x80]);
    expect(run([{ modify: { at: 0, u8: "(size - 1) * 4 / 3 % 5 ^ 1 | 8 & 0xC" } }], [0, 0, 0, 0])).toEqual([(((3 * 4) / 3) % 5 ^ 1) | (8 & 0xc), 0, 0, 0]);
  });

  it("remove ends the script with the object removed", () => {
    expect(run(["remove"], [1, 2, 3])).toBe("removed");
  });
});

describe("macros expand to primitives", () => {
  it("com-tail puts back the first bytes and cuts the body", () => {
    // host 01 02 03 04, infected: E9 jump, body at 4 keeps the original 3 bytes at body+1
    const infected = [0xe9, 0x01, 0x00, 0x04, 0x54, 0x01, 0x02, 0x03, 0x47];
    expect(run([{ "com-tail": { from: "code + 1" } }], infected, { anchor: 4, code: 4, entry: 0 })).toEqual([1, 2, 3, 4]);
  });

  it("com-head drops the prepended body and cuts to the stored size", () => {
    expect(run([{ "com-head": { length: 3, size: "u8(1)" } }], [0x54, 2, 0, 7, 8, 0, 0])).toEqual([7, 8]);
  });

  it("expands to primitives only: the bytecode has no macro in it", () => {
    const { ops } = compile([{ "pe-tail": { entry: "u32(code + 0x40)", checksum: "u32(code + 0x44)" } }]);
    expect(new Set(ops!.map((o) => o.op))).toEqual(new Set(["LET", "WRITE", "FILL", "TRUNCATE_TAIL"]));
  });
});

describe("typed errors instead of damaged files", () => {
  it("bounds, division, missing entry point, output cap, assertions", () => {
    expect(failure([{ copy: { from: 8, to: 0, length: 4 } }], ten)).toMatch(/^OUT_OF_BOUNDS: op 1 \(copy\): source \[8, 12\) is outside the 10-byte object/);
    expect(failure([{ modify: { at: 0, u8: "u32(8)" } }], ten)).toMatch(/^OUT_OF_BOUNDS: .*read of 4 bytes at 8/);
    expect(failure([{ "truncate-tail": "size + 1" }], ten)).toMatch(/^OUT_OF_BOUNDS/);
    expect(failure([{ modify: { at: 0, u8: "1 / (size - 10)" } }], ten)).toMatch(/^DIVIDE_BY_ZERO/);
    expect(failure([{ "truncate-tail": "entry" }], ten)).toMatch(/^NO_ENTRY_POINT/);
    expect(failure([{ insert: { at: 0, length: 100 } }], ten)).toMatch(/^OUTPUT_TOO_LARGE/);
    expect(failure([{ modify: { at: 0, u8: 256 } }], ten)).toMatch(/^BAD_VALUE: .*256 does not fit 1 byte/);
    expect(failure([{ assert: { that: "u8(0) == 0xE9", message: "the host does not start with a jump" } }], ten)).toBe(
      "ASSERTION_FAILED: op 1 (assert): the host does not start with a jump",
    );
  });

  it("leaves the input untouched when a later op fails", () => {
    const input = Uint8Array.from(ten);
    const { ops } = compile([{ fill: { at: 0, length: 10, byte: 0 } }, { copy: { from: 9, to: 0, length: 5 } }]);
    expect(() => runScript(ops!, input, { anchor: 0, code: 0, entry: -1 }, { maxOutput: 100 })).toThrow(CleanError);
    expect(Array.from(input)).toEqual(ten);
  });

  it("never writes into a Node Buffer it was given (Buffer.slice is a view, not a copy)", () => {
    const input = Buffer.from(ten);
    const { ops } = compile([{ fill: { at: 0, length: 10, byte: 7 } }]);
    const out = runScript(ops!, input, { anchor: 0, code: 0, entry: -1 }, { maxOutput: 100 });
    expect(out.removed ? [] : Array.from(out.output)).toEqual(new Array(10).fill(7));
    expect(Array.from(input)).toEqual(ten);
  });
});

describe("compile-time errors name the place and the fix", () => {
  it("reports unknown operations, fields, names and syntax", () => {
    expect(compile([{ frob: {} }]).errors[0]).toMatch(/^0\.frob: unknown cleaning operation "frob"; one of: let, copy/);
    expect(compile([{ copy: { from: 0, to: 0 } }]).errors).toEqual(['0.copy: copy needs "length"']);
    expect(compile([{ copy: { from: 0, to: 0, length: 1, size: 2 } }]).errors).toEqual([
      '0.copy.size: copy has no field "size"; it takes from, to, length',
    ]);
    expect(compile([{ "truncate-tail": "host_end" }]).errors).toEqual([
      '0.truncate-tail.at: unknown name "host_end": use size, anchor, code, entry, or a name set by an earlier let',
    ]);
    expect(compile([{ "truncate-tail": "size - (3" }]).errors).toEqual(['0.truncate-tail.at: bad expression "size - (3": expected ")" at the end at column 10']);
    expect(compile([{ "truncate-tail": "u64(0)" }]).errors[0]).toMatch(/unknown function "u64"/);
    expect(compile([{ insert: { at: 0, bytes: "ZZ" } }]).errors[0]).toMatch(/must be hex bytes/);
    expect(compile([]).errors[0]).toMatch(/non-empty list/);
  });
});

const astArb: fc.Arbitrary<Ast> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ k: fc.constant("num" as const), v: fc.integer({ min: 0, max: 0xffffffff }) }),
    fc.record({ k: fc.constant("var" as const), name: fc.constantFrom("size", "anchor", "code", "entry") }),
    fc.record({ k: fc.constant("read" as const), fn: fc.constantFrom("u8", "u16", "u32", "i8", "i16", "i32" as const), arg: tie("node") as fc.Arbitrary<Ast> }),
    fc.record({ k: fc.constantFrom("neg" as const, "not" as const), arg: tie("node") as fc.Arbitrary<Ast> }),
    fc.record({
      k: fc.constant("bin" as const),
      op: fc.constantFrom("+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "==", "!=", "<", "<=", ">", ">=" as const),
      a: tie("node") as fc.Arbitrary<Ast>,
      b: tie("node") as fc.Arbitrary<Ast>,
    }),
    fc.record({ k: fc.constant("cond" as const), c: tie("node") as fc.Arbitrary<Ast>, a: tie("node") as fc.Arbitrary<Ast>, b: tie("node") as fc.Arbitrary<Ast> }),
  ),
})).node;

describe("properties", () => {
  it("rendering an expression parses back to the same code", () => {
    fc.assert(
      fc.property(astArb, (ast) => {
        const code = emitExpression(ast, new Map());
        expect(Array.from(emitExpression(parseExpression(renderExpression(ast)), new Map()))).toEqual(Array.from(code));
      }),
      { numRuns: 500 },
    );
  });

  const exprArb = astArb.map(renderExpression);
  const stepArb = fc.oneof(
    fc.record({ copy: fc.record({ from: exprArb, to: exprArb, length: exprArb }) }),
    fc.record({ move: fc.record({ from: exprArb, to: exprArb, length: exprArb }) }),
    fc.record({ insert: fc.record({ at: exprArb, length: exprArb, byte: exprArb }) }),
    fc.record({ insert: fc.record({ at: exprArb, from: exprArb, length: exprArb }) }),
    fc.record({ modify: fc.record({ at: exprArb, u16: exprArb }) }),
    fc.record({ delete: fc.record({ at: exprArb, length: exprArb }) }),
    fc.record({ fill: fc.record({ at: exprArb, length: exprArb, byte: exprArb }) }),
    fc.record({ "truncate-tail": exprArb }),
    fc.record({ "truncate-head": exprArb }),
    fc.record({ decode: fc.record({ at: exprArb, length: exprArb, xor: exprArb, step: exprArb }) }),
    fc.record({ let: fc.record({ a: exprArb }) }),
    fc.constant("remove"),
  );

  it("random scripts on random objects end in a result or a CleanError, never touch the input, respect the cap", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 8 }), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: -1, max: 400 }), (steps, input, entry) => {
        const { ops, errors } = compile(steps);
        if (!ops) return void expect(errors.length).toBeGreaterThan(0);
        const before = input.slice();
        try {
          const out = runScript(ops, input, { anchor: 0, code: 1, entry }, { maxOutput: 1024 });
          if (!out.removed) expect(out.output.length).toBeLessThanOrEqual(1024);
        } catch (e) {
          expect(e).toBeInstanceOf(CleanError);
        }
        expect(input).toEqual(before);
      }),
      { numRuns: 2000 },
    );
  });

  it("decompiled scripts compile back to the identical bytecode", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 8 }), (steps) => {
        const errors: string[] = [];
        const bytes = compileCleanScript(steps, (p, m) => errors.push(m));
        if (!bytes) return;
        const again = compileCleanScript(decompileCleanScript(decodeScript(bytes, 0).ops), (p, m) => errors.push(m));
        expect(errors).toEqual([]);
        expect(Array.from(again!)).toEqual(Array.from(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("crafted bytecode is checked on decode: garbage never decodes into a runnable script that escapes CleanError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 80 }), fc.uint8Array({ maxLength: 64 }), (code, input) => {
        let ops: ScriptOp[];
        try {
          ops = decodeScript(code, 0).ops;
        } catch {
          return;
        }
        try {
          runScript(ops, input, { anchor: 0, code: 0, entry: 0 }, { maxOutput: 256 });
        } catch (e) {
          expect(e).toBeInstanceOf(CleanError);
        }
      }),
      { numRuns: 3000 },
    );
    expect(encodeScript([])).toEqual(Uint8Array.of(0, 0));
  });
});
