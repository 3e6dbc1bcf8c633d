/**
 * Cleaning-script expressions: source text <-> AST <-> engine expression code. Grammar (C
 * precedence, lowest first): `c ? a : b`, `|`, `^`, `&`, `== !=`, `< <= > >=`, `<< >>`, `+ -`,
 * `* / %`, unary `- ~`, then numbers (decimal or 0x hex), names, reads `u8(e)` .. `i32(e)`, and
 * parentheses.
 */
import { BINARY, Ex, READS, VARIABLES, type BinarySymbol, type ReadName } from "@tgvx/engine";

export type Ast =
  | { k: "num"; v: number }
  | { k: "var"; name: string }
  | { k: "read"; fn: ReadName; arg: Ast }
  | { k: "neg" | "not"; arg: Ast }
  | { k: "bin"; op: BinarySymbol; a: Ast; b: Ast }
  | { k: "cond"; c: Ast; a: Ast; b: Ast };

export class ExpressionError extends Error {
  override readonly name = "ExpressionError";
  constructor(
    message: string,
    /** 0-based column in the expression text. */
    readonly column: number,
  ) {
    super(message);
  }
}

const LEVELS: BinarySymbol[][] = [["|"], ["^"], ["&"], ["==", "!="], ["<", "<=", ">", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]];
const PREC = new Map<string, number>(LEVELS.flatMap((ops, i) => ops.map((o) => [o, i + 1] as const)));
const TOKEN = /\s*(?:(0x[0-9a-fA-F]+|\d+)|([A-Za-z_][A-Za-z0-9_]*)|(<<|>>|==|!=|<=|>=|[-+*/%&|^~()<>?:]))/y;

export function parseExpression(src: string): Ast {
  const toks: { t: string; kind: "num" | "id" | "op"; col: number }[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) {
      const col = pos + (src.slice(pos).length - src.slice(pos).trimStart().length);
      throw new ExpressionError(`unexpected character "${src[col]}"`, col);
    }
    const text = m[1] ?? m[2] ?? m[3];
    toks.push({ t: text, kind: m[1] ? "num" : m[2] ? "id" : "op", col: m.index + m[0].length - text.length });
    pos = TOKEN.lastIndex;
  }
  let i = 0;
  const peek = () => toks[i];
  const expect = (t: string) => {
    const tok = toks[i];
    if (!tok || tok.t !== t) throw new ExpressionError(`expected "${t}"${tok ? ` but found "${tok.t}"` : " at the end"}`, tok?.col ?? src.length);
    i++;
  };
  const ternary = (): Ast => {
    const c = binary(1);
    if (peek()?.t !== "?") return c;
    i++;
    const a = ternary();
    expect(":");
    return { k: "cond", c, a, b: ternary() };
  };
  const binary = (level: number): Ast => {
    if (level > LEVELS.length) return unary();
    let a = binary(level + 1);
    while (peek() && peek().kind === "op" && PREC.get(peek().t) === level) {
      const op = toks[i++].t as BinarySymbol;
      a = { k: "bin", op, a, b: binary(level + 1) };
    }
    return a;
  };
  const unary = (): Ast => {
    const tok = peek();
    if (tok?.t === "-") return i++, { k: "neg", arg: unary() };
    if (tok?.t === "~") return i++, { k: "not", arg: unary() };
    return primary();
  };
  const primary = (): Ast => {
    const tok = toks[i++];
    if (!tok) throw new ExpressionError("expression ends too early", src.length);
    if (tok.kind === "num") {
      const v = tok.t.startsWith("0x") ? parseInt(tok.t, 16) : Number(tok.t);
      if (v > 2 ** 53) throw new ExpressionError(`number ${tok.t} is too large`, tok.col);
      return { k: "num", v };
    }
    if (tok.t === "(") {
      const e = ternary();
      expect(")");
      return e;
    }
    if (tok.kind === "id") {
      if (peek()?.t === "(") {
        if (!(tok.t in READS)) throw new ExpressionError(`unknown function "${tok.t}": reads are u8, u16, u32, i8, i16, i32`, tok.col);
        i++;
        const arg = ternary();
        expect(")");
        return { k: "read", fn: tok.t as ReadName, arg };
      }
      return { k: "var", name: tok.t };
    }
    throw new ExpressionError(`unexpected "${tok.t}"`, tok.col);
  };
  const ast = ternary();
  if (i < toks.length) throw new ExpressionError(`unexpected "${toks[i].t}"`, toks[i].col);
  return ast;
}

/** Names the expression uses that are neither built-in variables nor in `lets`. */
export function unknownNames(ast: Ast, lets: ReadonlyMap<string, number>): string[] {
  const out: string[] = [];
  const walk = (n: Ast): void => {
    if (n.k === "var") {
      if (!(n.name in VARIABLES) && !lets.has(n.name)) out.push(n.name);
    } else if (n.k === "read" || n.k === "neg" || n.k === "not") walk(n.arg);
    else if (n.k === "bin") (walk(n.a), walk(n.b));
    else if (n.k === "cond") (walk(n.c), walk(n.a), walk(n.b));
  };
  walk(ast);
  return out;
}

/** AST -> expression code; names resolve to built-in variables or let slots. */
export function emitExpression(ast: Ast, lets: ReadonlyMap<string, number>): Uint8Array {
  const out: number[] = [];
  const emit = (n: Ast): void => {
    switch (n.k) {
      case "num": {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, n.v, true);
        out.push(Ex.CONST, ...b);
        break;
      }
      case "var":
        out.push(Ex.VAR, n.name in VARIABLES ? VARIABLES[n.name as keyof typeof VARIABLES] : lets.get(n.name)!);
        break;
      case "read":
        emit(n.arg);
        out.push(READS[n.fn][0]);
        break;
      case "neg":
      case "not":
        emit(n.arg);
        out.push(n.k === "neg" ? Ex.NEG : Ex.NOT);
        break;
      case "bin":
        emit(n.a);
        emit(n.b);
        out.push(BINARY[n.op]);
        break;
      case "cond": {
        emit(n.c);
        const jz = out.length;
        out.push(Ex.JZ, 0, 0);
        emit(n.a);
        const jmp = out.length;
        out.push(Ex.JMP, 0, 0);
        const elseAt = out.length;
        emit(n.b);
        const end = out.length;
        const patch = (at: number, target: number) => {
          const d = target - (at + 3);
          out[at + 1] = d & 0xff;
          out[at + 2] = d >>> 8;
        };
        patch(jz, elseAt);
        patch(jmp, end);
        break;
      }
    }
  };
  emit(ast);
  return Uint8Array.from(out);
}

const BINARY_BY_CODE = new Map<number, BinarySymbol>(Object.entries(BINARY).map(([s, c]) => [c, s as BinarySymbol]));
const READ_BY_CODE = new Map<number, ReadName>(Object.entries(READS).map(([n, r]) => [r[0], n as ReadName]));
const VARIABLE_BY_SLOT = new Map<number, string>(Object.entries(VARIABLES).map(([n, s]) => [s, n]));

/** Expression code -> AST (for code the compiler could have produced). */
export function decodeExpression(code: Uint8Array, letName: (slot: number) => string): Ast {
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const run = (from: number, to: number): Ast => {
    const stack: Ast[] = [];
    let p = from;
    while (p < to) {
      const c = code[p++];
      if (c === Ex.CONST) {
        stack.push({ k: "num", v: dv.getFloat64(p, true) });
        p += 8;
      } else if (c === Ex.VAR) {
        const s = code[p++];
        stack.push({ k: "var", name: VARIABLE_BY_SLOT.get(s) ?? letName(s) });
      } else if (READ_BY_CODE.has(c)) stack.push({ k: "read", fn: READ_BY_CODE.get(c)!, arg: stack.pop()! });
      else if (c === Ex.NEG || c === Ex.NOT) stack.push({ k: c === Ex.NEG ? "neg" : "not", arg: stack.pop()! });
      else if (BINARY_BY_CODE.has(c)) {
        const b = stack.pop()!;
        const a = stack.pop()!;
        stack.push({ k: "bin", op: BINARY_BY_CODE.get(c)!, a, b });
      } else if (c === Ex.JZ) {
        const elseAt = p + 2 + (code[p] | (code[p + 1] << 8));
        const jmp = elseAt - 3;
        if (code[jmp] !== Ex.JMP) throw new Error("conditional without its jump");
        const end = elseAt + (code[jmp + 1] | (code[jmp + 2] << 8));
        const cond = stack.pop()!;
        stack.push({ k: "cond", c: cond, a: run(p + 2, jmp), b: run(elseAt, end) });
        p = end;
      } else throw new Error(`expression code 0x${c.toString(16)} out of place`);
    }
    if (stack.length !== 1) throw new Error("expression does not reduce to one value");
    return stack[0];
  };
  return run(0, code.length);
}

/** AST -> source text with only the parentheses the grammar needs, so it parses back to the same AST. */
export function renderExpression(ast: Ast): string {
  const prec = (n: Ast): number => (n.k === "cond" ? 0 : n.k === "bin" ? PREC.get(n.op)! : 10);
  const wrap = (n: Ast, min: number) => (prec(n) < min ? `(${render(n)})` : render(n));
  const render = (n: Ast): string => {
    switch (n.k) {
      case "num":
        return n.v >= 16 ? `0x${n.v.toString(16).toUpperCase()}` : String(n.v);
      case "var":
        return n.name;
      case "read":
        return `${n.fn}(${render(n.arg)})`;
      case "neg":
        return `-${wrap(n.arg, 10)}`;
      case "not":
        return `~${wrap(n.arg, 10)}`;
      case "bin": {
        const p = PREC.get(n.op)!;
        return `${wrap(n.a, p)} ${n.op} ${wrap(n.b, p + 1)}`;
      }
      case "cond":
        return `${wrap(n.c, 1)} ? ${render(n.a)} : ${render(n.b)}`;
    }
  };
  return render(ast);
}
