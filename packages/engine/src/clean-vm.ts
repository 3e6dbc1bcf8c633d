/**
 * Runs a cleaning script over a copy of an object. Every read and write is bounds-checked,
 * values stay exact integers, the output size is capped, and there are no loops: a script of
 * n ops does at most n passes over the object. Failures are `CleanError`s with a code, never a
 * half-written result: the input is never modified.
 */
import { Ex, LET_BASE, MAX_LETS, MAX_STACK, MAX_VALUE, type ScriptOp } from "./clean-bytecode.js";

export type CleanErrorCode =
  | "OUT_OF_BOUNDS"
  | "DIVIDE_BY_ZERO"
  | "NO_ENTRY_POINT"
  | "BAD_VALUE"
  | "OUTPUT_TOO_LARGE"
  | "ASSERTION_FAILED"
  | "UNDEFINED_VARIABLE";

export class CleanError extends Error {
  override readonly name = "CleanError";
  constructor(
    readonly code: CleanErrorCode,
    message: string,
    /** Index of the failing op in the script. */
    readonly op: number,
  ) {
    super(message);
  }
}

export interface ScriptContext {
  anchor: number;
  code: number;
  /** -1 when the object has no entry point. */
  entry: number;
}

export interface ScriptLimits {
  /** Largest object the script may produce. */
  maxOutput: number;
}

export type ScriptOutcome = { removed: true } | { removed: false; output: Uint8Array };

const decoder = new TextDecoder();

export function runScript(ops: readonly ScriptOp[], input: Uint8Array, ctx: ScriptContext, limits: ScriptLimits): ScriptOutcome {
  // new Uint8Array(view) copies; a Node Buffer's slice() would not, and the input must stay untouched.
  let buf = new Uint8Array(input);
  const lets = new Float64Array(MAX_LETS);
  const defined = new Uint8Array(MAX_LETS);
  const stack = new Float64Array(MAX_STACK);
  let opIndex = 0;

  const fail = (code: CleanErrorCode, msg: string): never => {
    throw new CleanError(code, `op ${opIndex + 1} (${ops[opIndex].op.toLowerCase().replace(/_/g, "-")}): ${msg}`, opIndex);
  };
  const checkValue = (v: number): number => {
    if (!Number.isFinite(v) || Math.abs(v) > MAX_VALUE) fail("BAD_VALUE", `value ${v} is out of the exact integer range`);
    return v;
  };
  const u32 = (v: number, what: string): number => {
    if (v < -0x80000000 || v > 0xffffffff) fail("BAD_VALUE", `${what} operand ${v} does not fit 32 bits`);
    return v >>> 0;
  };
  const read = (addr: number, width: number, signed: boolean): number => {
    if (addr < 0 || addr + width > buf.length)
      fail("OUT_OF_BOUNDS", `read of ${width} byte${width > 1 ? "s" : ""} at ${addr} outside the ${buf.length}-byte object`);
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + buf[addr + i];
    if (signed && v >= 2 ** (8 * width - 1)) v -= 2 ** (8 * width);
    return v;
  };

  const evaluate = (code: Uint8Array): number => {
    let sp = 0;
    let p = 0;
    const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
    while (p < code.length) {
      const c = code[p++];
      switch (c) {
        case Ex.CONST:
          stack[sp++] = dv.getFloat64(p, true);
          p += 8;
          break;
        case Ex.VAR: {
          const s = code[p++];
          let v: number;
          if (s === 0) v = buf.length;
          else if (s === 1) v = ctx.anchor;
          else if (s === 2) v = ctx.code;
          else if (s === 3) {
            if (ctx.entry < 0) fail("NO_ENTRY_POINT", "the script uses `entry` but the object has no entry point");
            v = ctx.entry;
          } else {
            if (!defined[s - LET_BASE]) fail("UNDEFINED_VARIABLE", `variable slot ${s} is used before it is set`);
            v = lets[s - LET_BASE];
          }
          stack[sp++] = v;
          break;
        }
        case Ex.U8:
        case Ex.U16:
        case Ex.U32:
        case Ex.I8:
        case Ex.I16:
        case Ex.I32: {
          const width = c === Ex.U8 || c === Ex.I8 ? 1 : c === Ex.U16 || c === Ex.I16 ? 2 : 4;
          stack[sp - 1] = read(stack[sp - 1], width, c >= Ex.I8);
          break;
        }
        case Ex.NEG:
          stack[sp - 1] = checkValue(-stack[sp - 1]);
          break;
        case Ex.NOT:
          stack[sp - 1] = ~u32(stack[sp - 1], "~") >>> 0;
          break;
        case Ex.JZ: {
          const dist = code[p] | (code[p + 1] << 8);
          p += 2;
          if (stack[--sp] === 0) p += dist;
          break;
        }
        case Ex.JMP:
          p += 2 + (code[p] | (code[p + 1] << 8));
          break;
        default: {
          const b = stack[--sp];
          const a = stack[sp - 1];
          let r: number;
          switch (c) {
            case Ex.ADD: r = a + b; break;
            case Ex.SUB: r = a - b; break;
            case Ex.MUL: r = a * b; break;
            case Ex.DIV:
              if (b === 0) fail("DIVIDE_BY_ZERO", "division by zero");
              r = Math.trunc(a / b);
              break;
            case Ex.MOD:
              if (b === 0) fail("DIVIDE_BY_ZERO", "remainder by zero");
              r = a % b;
              break;
            case Ex.AND: r = (u32(a, "&") & u32(b, "&")) >>> 0; break;
            case Ex.OR: r = (u32(a, "|") | u32(b, "|")) >>> 0; break;
            case Ex.XOR: r = (u32(a, "^") ^ u32(b, "^")) >>> 0; break;
            case Ex.SHL:
              if (b < 0 || b > 53) fail("BAD_VALUE", `shift by ${b}`);
              r = a * 2 ** b;
              break;
            case Ex.SHR:
              if (b < 0 || b > 53) fail("BAD_VALUE", `shift by ${b}`);
              r = Math.floor(a / 2 ** b);
              break;
            case Ex.EQ: r = a === b ? 1 : 0; break;
            case Ex.NE: r = a !== b ? 1 : 0; break;
            case Ex.LT: r = a < b ? 1 : 0; break;
            case Ex.LE: r = a <= b ? 1 : 0; break;
            case Ex.GT: r = a > b ? 1 : 0; break;
            case Ex.GE: r = a >= b ? 1 : 0; break;
            default:
              r = fail("BAD_VALUE", `unknown expression code ${c}`);
          }
          stack[sp - 1] = checkValue(r);
        }
      }
    }
    return stack[0];
  };

  const expr = (o: ScriptOp, name: string) => evaluate(o.operands[name] as Uint8Array);
  const range = (at: number, len: number, what: string) => {
    if (len < 0 || at < 0 || at + len > buf.length)
      fail("OUT_OF_BOUNDS", `${what} [${at}, ${at + len}) is outside the ${buf.length}-byte object`);
  };
  const position = (at: number, what: string) => {
    if (at < 0 || at > buf.length) fail("OUT_OF_BOUNDS", `${what} ${at} is outside the ${buf.length}-byte object`);
  };
  const byteValue = (v: number) => {
    if (v < 0 || v > 255) fail("BAD_VALUE", `byte value ${v} is not 0..255`);
    return v;
  };
  const resize = (parts: Uint8Array[]) => {
    const total = parts.reduce((n, x) => n + x.length, 0);
    if (total > limits.maxOutput) fail("OUTPUT_TOO_LARGE", `result of ${total} bytes exceeds the ${limits.maxOutput}-byte limit`);
    const out = new Uint8Array(total);
    let q = 0;
    for (const x of parts) {
      out.set(x, q);
      q += x.length;
    }
    buf = out;
  };
  const insert = (at: number, block: Uint8Array) => {
    position(at, "insert position");
    resize([buf.subarray(0, at), block, buf.subarray(at)]);
  };

  for (opIndex = 0; opIndex < ops.length; opIndex++) {
    const o = ops[opIndex];
    switch (o.op) {
      case "LET": {
        const slot = (o.operands.slot as number) - LET_BASE;
        lets[slot] = expr(o, "value");
        defined[slot] = 1;
        break;
      }
      case "COPY": {
        const from = expr(o, "from");
        const to = expr(o, "to");
        const len = expr(o, "length");
        range(from, len, "source");
        range(to, len, "destination");
        buf.copyWithin(to, from, from + len);
        break;
      }
      case "MOVE": {
        const from = expr(o, "from");
        const to = expr(o, "to");
        const len = expr(o, "length");
        range(from, len, "block");
        const block = buf.slice(from, from + len);
        resize([buf.subarray(0, from), buf.subarray(from + len)]);
        insert(to, block);
        break;
      }
      case "INSERT_COPY": {
        const at = expr(o, "at");
        const from = expr(o, "from");
        const len = expr(o, "length");
        range(from, len, "source");
        insert(at, buf.slice(from, from + len));
        break;
      }
      case "INSERT_FILL": {
        const at = expr(o, "at");
        const len = expr(o, "length");
        const b = byteValue(expr(o, "byte"));
        if (len < 0 || buf.length + len > limits.maxOutput)
          fail("OUTPUT_TOO_LARGE", `inserting ${len} bytes exceeds the ${limits.maxOutput}-byte limit`);
        insert(at, new Uint8Array(len).fill(b));
        break;
      }
      case "INSERT_BYTES":
        insert(expr(o, "at"), new Uint8Array(o.operands.bytes as Uint8Array));
        break;
      case "WRITE": {
        const at = expr(o, "at");
        const value = expr(o, "value");
        const width = expr(o, "width");
        if (width !== 1 && width !== 2 && width !== 4) fail("BAD_VALUE", `width ${width} is not 1, 2 or 4`);
        if (value < -(2 ** (8 * width - 1)) || value >= 2 ** (8 * width)) fail("BAD_VALUE", `${value} does not fit ${width} byte${width > 1 ? "s" : ""}`);
        range(at, width, "write");
        let v = value < 0 ? value + 2 ** (8 * width) : value;
        for (let i = 0; i < width; i++, v = Math.floor(v / 256)) buf[at + i] = v % 256;
        break;
      }
      case "WRITE_BYTES": {
        const at = expr(o, "at");
        const bytes = o.operands.bytes as Uint8Array;
        range(at, bytes.length, "write");
        buf.set(bytes, at);
        break;
      }
      case "DELETE": {
        const at = expr(o, "at");
        const len = expr(o, "length");
        range(at, len, "deleted block");
        resize([buf.subarray(0, at), buf.subarray(at + len)]);
        break;
      }
      case "FILL": {
        const at = expr(o, "at");
        const len = expr(o, "length");
        const b = byteValue(expr(o, "byte"));
        range(at, len, "filled block");
        buf.fill(b, at, at + len);
        break;
      }
      case "TRUNCATE_TAIL": {
        const at = expr(o, "at");
        position(at, "new end");
        buf = buf.slice(0, at);
        break;
      }
      case "TRUNCATE_HEAD": {
        const len = expr(o, "length");
        position(len, "new start");
        buf = buf.slice(len);
        break;
      }
      case "DECODE_XOR":
      case "DECODE_ADD": {
        const at = expr(o, "at");
        const len = expr(o, "length");
        let key = byteValue(expr(o, "key"));
        const step = expr(o, "step");
        range(at, len, "decoded block");
        const xor = o.op === "DECODE_XOR";
        for (let i = at; i < at + len; i++) {
          buf[i] = xor ? buf[i] ^ key : (buf[i] - key) & 0xff;
          key = (((key + step) % 256) + 256) % 256;
        }
        break;
      }
      case "ASSERT":
        if (expr(o, "that") === 0) fail("ASSERTION_FAILED", decoder.decode(o.operands.message as Uint8Array));
        break;
      case "REMOVE":
        return { removed: true };
    }
  }
  return { removed: false, output: buf };
}
