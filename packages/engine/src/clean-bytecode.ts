/**
 * Cleaning bytecode: the one definition of the instructions the compiler emits and the engine
 * runs. A script is a straight list of operations (no loops); operands are expressions in a
 * small postfix code whose only jumps go forward, so every script ends in a bounded number
 * of steps. Everything is little-endian.
 *
 *   script     u16 op count, then ops
 *   op         u8 opcode, then its operands in the order OP_OPERANDS gives
 *   expr       u16 byte length, then expression code
 *   bytes      u16 length, then raw bytes
 *   slot       u8 variable slot (LET_BASE .. LET_BASE + MAX_LETS - 1)
 */

export const Op = {
  LET: 0x01,
  COPY: 0x02,
  MOVE: 0x03,
  INSERT_COPY: 0x04,
  INSERT_FILL: 0x05,
  INSERT_BYTES: 0x06,
  WRITE: 0x07,
  WRITE_BYTES: 0x08,
  DELETE: 0x09,
  FILL: 0x0a,
  TRUNCATE_TAIL: 0x0b,
  TRUNCATE_HEAD: 0x0c,
  DECODE_XOR: 0x0d,
  DECODE_ADD: 0x0e,
  ASSERT: 0x0f,
  REMOVE: 0x10,
} as const;
export type OpName = keyof typeof Op;

export type OperandKind = "expr" | "bytes" | "slot";

/** Operands of each op, by name, in encoding order. */
export const OP_OPERANDS: Record<OpName, readonly (readonly [string, OperandKind])[]> = {
  LET: [["slot", "slot"], ["value", "expr"]],
  COPY: [["from", "expr"], ["to", "expr"], ["length", "expr"]],
  MOVE: [["from", "expr"], ["to", "expr"], ["length", "expr"]],
  INSERT_COPY: [["at", "expr"], ["from", "expr"], ["length", "expr"]],
  INSERT_FILL: [["at", "expr"], ["length", "expr"], ["byte", "expr"]],
  INSERT_BYTES: [["at", "expr"], ["bytes", "bytes"]],
  WRITE: [["at", "expr"], ["value", "expr"], ["width", "expr"]],
  WRITE_BYTES: [["at", "expr"], ["bytes", "bytes"]],
  DELETE: [["at", "expr"], ["length", "expr"]],
  FILL: [["at", "expr"], ["length", "expr"], ["byte", "expr"]],
  TRUNCATE_TAIL: [["at", "expr"]],
  TRUNCATE_HEAD: [["length", "expr"]],
  DECODE_XOR: [["at", "expr"], ["length", "expr"], ["key", "expr"], ["step", "expr"]],
  DECODE_ADD: [["at", "expr"], ["length", "expr"], ["key", "expr"], ["step", "expr"]],
  ASSERT: [["that", "expr"], ["message", "bytes"]],
  REMOVE: [],
};

export const OP_NAMES = Object.fromEntries(Object.entries(Op).map(([k, v]) => [v, k as OpName])) as Record<number, OpName>;

/** Expression code. */
export const Ex = {
  CONST: 0x01, // f64: an integer |v| <= 2^53
  VAR: 0x02, // u8 slot
  U8: 0x03,
  U16: 0x04,
  U32: 0x05,
  I8: 0x06,
  I16: 0x07,
  I32: 0x08,
  ADD: 0x10,
  SUB: 0x11,
  MUL: 0x12,
  DIV: 0x13,
  MOD: 0x14,
  AND: 0x15,
  OR: 0x16,
  XOR: 0x17,
  SHL: 0x18,
  SHR: 0x19,
  EQ: 0x1a,
  NE: 0x1b,
  LT: 0x1c,
  LE: 0x1d,
  GT: 0x1e,
  GE: 0x1f,
  NEG: 0x20,
  NOT: 0x21,
  /** u16 forward distance: pop; jump when zero. */
  JZ: 0x22,
  /** u16 forward distance. */
  JMP: 0x23,
} as const;

/** Read ops by name, with their width and signedness. */
export const READS = {
  u8: [Ex.U8, 1, false],
  u16: [Ex.U16, 2, false],
  u32: [Ex.U32, 4, false],
  i8: [Ex.I8, 1, true],
  i16: [Ex.I16, 2, true],
  i32: [Ex.I32, 4, true],
} as const;
export type ReadName = keyof typeof READS;

/** Binary operators by source symbol. */
export const BINARY = {
  "+": Ex.ADD,
  "-": Ex.SUB,
  "*": Ex.MUL,
  "/": Ex.DIV,
  "%": Ex.MOD,
  "&": Ex.AND,
  "|": Ex.OR,
  "^": Ex.XOR,
  "<<": Ex.SHL,
  ">>": Ex.SHR,
  "==": Ex.EQ,
  "!=": Ex.NE,
  "<": Ex.LT,
  "<=": Ex.LE,
  ">": Ex.GT,
  ">=": Ex.GE,
} as const;
export type BinarySymbol = keyof typeof BINARY;

/** Built-in variables: what the engine knows about the object when the script starts. */
export const VARIABLES = {
  /** Current size of the object being cleaned (changes as the script cuts and grows it). */
  size: 0,
  /** Position of the record's anchor in the infected object. */
  anchor: 1,
  /** Position of the record's first word (anchor + at): where the feature code starts. */
  code: 2,
  /** Entry point of the infected object (an error to use when it has none). */
  entry: 3,
} as const;
export type VariableName = keyof typeof VARIABLES;

export const LET_BASE = 16;
export const MAX_LETS = 32;
export const MAX_STACK = 32;
export const MAX_OPS = 256;
export const MAX_EXPR_BYTES = 4096;
/** Largest integer an expression may produce; beyond it precision would be lost. */
export const MAX_VALUE = 2 ** 53;

export interface ScriptOp {
  op: OpName;
  /** Operand values by name: expression code, raw bytes, or a slot number. */
  operands: Record<string, Uint8Array | number>;
}

export class ScriptFormatError extends Error {
  override readonly name = "ScriptFormatError";
}

/** Decode a script at `offset` of `bytes`, checking its structure (not its runtime behaviour). Returns the ops and the end offset. */
export function decodeScript(bytes: Uint8Array, offset: number, end = bytes.length): { ops: ScriptOp[]; end: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = offset;
  const need = (n: number, what: string) => {
    if (p + n > end) throw new ScriptFormatError(`${what} runs past the end of the script area`);
  };
  need(2, "op count");
  const count = v.getUint16(p, true);
  p += 2;
  if (count > MAX_OPS) throw new ScriptFormatError(`${count} ops (max ${MAX_OPS})`);
  const ops: ScriptOp[] = [];
  for (let i = 0; i < count; i++) {
    need(1, "opcode");
    const code = bytes[p++];
    const name = OP_NAMES[code];
    if (!name) throw new ScriptFormatError(`op ${i}: unknown opcode 0x${code.toString(16)}`);
    const operands: Record<string, Uint8Array | number> = {};
    for (const [field, kind] of OP_OPERANDS[name]) {
      if (kind === "slot") {
        need(1, "slot");
        const slot = bytes[p++];
        if (slot < LET_BASE || slot >= LET_BASE + MAX_LETS) throw new ScriptFormatError(`op ${i}: bad variable slot ${slot}`);
        operands[field] = slot;
        continue;
      }
      need(2, `${field} length`);
      const len = v.getUint16(p, true);
      p += 2;
      need(len, field);
      const body = bytes.subarray(p, p + len);
      p += len;
      if (kind === "expr") checkExpression(body, `op ${i} ${field}`);
      operands[field] = body;
    }
    ops.push({ op: name, operands });
  }
  return { ops, end: p };
}

/** Structural check of expression code: known codes, in-bounds forward jumps, stack within limits, one result. */
export function checkExpression(code: Uint8Array, where: string): void {
  if (code.length === 0 || code.length > MAX_EXPR_BYTES) throw new ScriptFormatError(`${where}: expression of ${code.length} bytes`);
  // Depth at each position reached by a jump must agree; forward-only jumps make one pass enough.
  const depthAt = new Map<number, number>();
  let depth = 0;
  let reachable = true;
  let p = 0;
  const merge = (target: number, d: number) => {
    const known = depthAt.get(target);
    if (known !== undefined && known !== d) throw new ScriptFormatError(`${where}: branches leave different stack depths`);
    depthAt.set(target, d);
  };
  while (p < code.length) {
    const joined = depthAt.get(p);
    if (!reachable) {
      if (joined === undefined) throw new ScriptFormatError(`${where}: unreachable code at ${p}`);
      depth = joined;
      reachable = true;
    } else if (joined !== undefined && joined !== depth) throw new ScriptFormatError(`${where}: branches leave different stack depths`);
    const c = code[p++];
    if (c === Ex.CONST) {
      if (p + 8 > code.length) throw new ScriptFormatError(`${where}: truncated constant`);
      const n = new DataView(code.buffer, code.byteOffset + p, 8).getFloat64(0, true);
      if (!Number.isInteger(n) || Math.abs(n) > MAX_VALUE) throw new ScriptFormatError(`${where}: bad constant`);
      p += 8;
      depth++;
    } else if (c === Ex.VAR) {
      if (p >= code.length) throw new ScriptFormatError(`${where}: truncated variable`);
      const s = code[p++];
      if (s > 3 && (s < LET_BASE || s >= LET_BASE + MAX_LETS)) throw new ScriptFormatError(`${where}: bad variable ${s}`);
      depth++;
    } else if (c >= Ex.U8 && c <= Ex.I32) {
      if (depth < 1) throw new ScriptFormatError(`${where}: stack underflow`);
    } else if (c >= Ex.ADD && c <= Ex.GE) {
      if (depth < 2) throw new ScriptFormatError(`${where}: stack underflow`);
      depth--;
    } else if (c === Ex.NEG || c === Ex.NOT) {
      if (depth < 1) throw new ScriptFormatError(`${where}: stack underflow`);
    } else if (c === Ex.JZ || c === Ex.JMP) {
      if (p + 2 > code.length) throw new ScriptFormatError(`${where}: truncated jump`);
      const dist = code[p] | (code[p + 1] << 8);
      p += 2;
      const target = p + dist;
      if (dist === 0 || target > code.length) throw new ScriptFormatError(`${where}: jump out of the expression`);
      if (c === Ex.JZ) {
        if (depth < 1) throw new ScriptFormatError(`${where}: stack underflow`);
        depth--;
        merge(target, depth);
      } else {
        merge(target, depth);
        reachable = false;
      }
    } else throw new ScriptFormatError(`${where}: unknown expression code 0x${c.toString(16)}`);
    if (depth > MAX_STACK) throw new ScriptFormatError(`${where}: stack deeper than ${MAX_STACK}`);
  }
  const end = depthAt.get(code.length);
  if (!reachable) depth = end ?? -1;
  else if (end !== undefined && end !== depth) throw new ScriptFormatError(`${where}: branches leave different stack depths`);
  if (depth !== 1) throw new ScriptFormatError(`${where}: expression leaves ${depth} values`);
}

/** Encode ops as a script. */
export function encodeScript(ops: readonly ScriptOp[]): Uint8Array {
  const parts: number[] = [];
  const u16 = (n: number) => parts.push(n & 0xff, (n >>> 8) & 0xff);
  if (ops.length > MAX_OPS) throw new RangeError(`${ops.length} ops (max ${MAX_OPS})`);
  u16(ops.length);
  for (const o of ops) {
    parts.push(Op[o.op]);
    for (const [field, kind] of OP_OPERANDS[o.op]) {
      const val = o.operands[field];
      if (kind === "slot") parts.push(val as number);
      else {
        const b = val as Uint8Array;
        if (b.length > 0xffff) throw new RangeError(`operand ${field} too long`);
        u16(b.length);
        for (const x of b) parts.push(x);
      }
    }
  }
  return Uint8Array.from(parts);
}
