/**
 * Cleaning scripts: the `clean:` list of a record -> engine bytecode, and back. The seed's
 * parameter set is here in two layers: primitives (copy, move, insert, modify, delete, fill,
 * truncate-tail, truncate-head, decode, assert, let, remove), which the engine runs, and macros
 * (com-tail, com-head, exe-tail, ne-tail, pe-tail), which expand to primitives here so the
 * engine never needs to know them.
 */
import { encodeScript, LET_BASE, MAX_LETS, type OpName, type ScriptOp } from "@tgvx/engine";
import { CLEAN_MACROS, CLEAN_OPERATIONS } from "@tgvx/records";
import { decodeExpression, emitExpression, ExpressionError, parseExpression, renderExpression, unknownNames, type Ast } from "./clean-expression.js";

export type Path = (string | number)[];
export type Report = (path: Path, message: string) => void;

/** A script item as written in YAML: "remove", or a one-key mapping. */
type Item = string | Record<string, unknown>;
type Fields = Record<string, unknown>;

const MACROS = CLEAN_MACROS;

const WIDTHS = { u8: 1, u16: 2, u32: 4, i8: 1, i16: 2, i32: 4 } as const;

/**
 * Macro expansions, written as the primitives an analyst would write. Names starting with `_`
 * are reserved for them (record scripts use names starting with a letter).
 */
const MACRO_EXPANSIONS: Record<(typeof MACROS)[number], (f: Fields) => Item[]> = {
  // COM appender: put back the host's first bytes, kept in the body, then cut the body off.
  "com-tail": (f) => [
    { copy: { from: f.from, to: 0, length: f.length ?? 3 } },
    { "truncate-tail": f.at ?? "code" },
  ],
  // COM prepender: drop the body in front of the host; optionally cut to the stored host size.
  "com-head": (f) =>
    f.size === undefined
      ? [{ "truncate-head": f.length }]
      : [{ let: { _size: f.size } }, { "truncate-head": f.length }, { "truncate-tail": "_size" }],
  // DOS EXE appender: restore CS:IP (and SS:SP), cut the body, make the page counts describe the new size.
  "exe-tail": (f) => [
    { let: { _ip: f.ip, _cs: f.cs, ...(f.ss !== undefined ? { _ss: f.ss } : {}), ...(f.sp !== undefined ? { _sp: f.sp } : {}) } },
    { "truncate-tail": f.at ?? "code" },
    { modify: { at: 0x14, u16: "_ip" } },
    { modify: { at: 0x16, u16: "_cs" } },
    ...(f.ss !== undefined ? [{ modify: { at: 0x0e, u16: "_ss" } }] : []),
    ...(f.sp !== undefined ? [{ modify: { at: 0x10, u16: "_sp" } }] : []),
    { modify: { at: 0x02, u16: "size % 512" } },
    { modify: { at: 0x04, u16: "(size + 511) / 512" } },
  ],
  // NE appender: restore CS:IP, drop the added (last) segment entry by moving the header tables
  // behind it back down 8 bytes (zeroing the 8 bytes freed at their end), fix the table offsets
  // that moved, cut to the stored size. The tables end with the entry table, or with the
  // non-resident names when they follow it directly; segment data is never moved.
  "ne-tail": (f) => [
    { let: { _ip: f.ip, _cs: f.cs, _size: f.size } },
    {
      let: {
        _ne: "u32(0x3C)",
        _seg: "_ne + u16(_ne + 0x22)",
        _last: "_seg + (u16(_ne + 0x1C) - 1) * 8",
        _entry_end: "_ne + u16(_ne + 0x04) + u16(_ne + 0x06)",
        _nonres: "u32(_ne + 0x2C)",
        _tables_end: "_nonres == _entry_end ? _entry_end + u16(_ne + 0x20) : _entry_end",
      },
    },
    { copy: { from: "_last + 8", to: "_last", length: "_tables_end - _last - 8" } },
    { fill: { at: "_tables_end - 8", length: 8, byte: 0 } },
    ...[0x04, 0x24, 0x26, 0x28, 0x2a].map((o) => ({
      modify: { at: `_ne + ${o}`, u16: `u16(_ne + ${o}) >= _last - _ne + 8 ? u16(_ne + ${o}) - 8 : u16(_ne + ${o})` },
    })),
    { modify: { at: "_ne + 0x2C", u32: "_nonres >= _last + 8 ? (_nonres < _tables_end ? _nonres - 8 : _nonres) : _nonres" } },
    { modify: { at: "_ne + 0x14", u16: "_ip" } },
    { modify: { at: "_ne + 0x16", u16: "_cs" } },
    { modify: { at: "_ne + 0x1C", u16: "u16(_ne + 0x1C) - 1" } },
    { "truncate-tail": "_size" },
  ],
  // PE appender in a new last section: restore the entry point (and checksum), SizeOfImage back to
  // the section's address, clear its header, one section fewer, cut its raw data off.
  "pe-tail": (f) => [
    { let: { _ep: f.entry, ...(f.checksum !== undefined ? { _ck: f.checksum } : {}) } },
    { let: { _pe: "u32(0x3C)", _opt: "_pe + 24", _n: "u16(_pe + 6)" } },
    { let: { _sh: "_opt + u16(_pe + 20) + (_n - 1) * 40" } },
    { let: { _raw: "u32(_sh + 20)" } },
    { modify: { at: "_opt + 16", u32: "_ep" } },
    { modify: { at: "_opt + 56", u32: "u32(_sh + 12)" } },
    ...(f.checksum !== undefined ? [{ modify: { at: "_opt + 64", u32: "_ck" } }] : []),
    { fill: { at: "_sh", length: 40, byte: 0 } },
    { modify: { at: "_pe + 6", u16: "_n - 1" } },
    { "truncate-tail": "_raw" },
  ],
};

const MACRO_FIELDS: Record<(typeof MACROS)[number], { required: string[]; optional: string[] }> = {
  "com-tail": { required: ["from"], optional: ["length", "at"] },
  "com-head": { required: ["length"], optional: ["size"] },
  "exe-tail": { required: ["ip", "cs"], optional: ["ss", "sp", "at"] },
  "ne-tail": { required: ["ip", "cs", "size"], optional: [] },
  "pe-tail": { required: ["entry"], optional: ["checksum"] },
};

const PRIMITIVE_FIELDS: Record<string, { required: string[]; optional: string[] }> = {
  copy: { required: ["from", "to", "length"], optional: [] },
  move: { required: ["from", "to", "length"], optional: [] },
  delete: { required: ["at", "length"], optional: [] },
  fill: { required: ["at", "length"], optional: ["byte"] },
  assert: { required: ["that", "message"], optional: [] },
};

const HEX_BYTES = /^[0-9A-Fa-f]{2}( ?[0-9A-Fa-f]{2})*$/;
const LET_NAME = /^[a-z][a-z0-9_]*$/;

class ScriptCompiler {
  readonly ops: ScriptOp[] = [];
  readonly lets = new Map<string, number>();
  ok = true;

  constructor(private readonly report: Report) {}

  fail(path: Path, msg: string): undefined {
    this.ok = false;
    this.report(path, msg);
    return undefined;
  }

  expr(value: unknown, path: Path): Uint8Array | undefined {
    let ast: Ast;
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) return this.fail(path, `${value} is not an integer`);
      ast = value < 0 ? { k: "neg", arg: { k: "num", v: -value } } : { k: "num", v: value };
    } else if (typeof value === "string") {
      try {
        ast = parseExpression(value);
      } catch (e) {
        if (e instanceof ExpressionError) return this.fail(path, `bad expression "${value}": ${e.message} at column ${e.column + 1}`);
        throw e;
      }
    } else return this.fail(path, `expected an integer or an expression, got ${value === undefined ? "nothing" : JSON.stringify(value)}`);
    const unknown = unknownNames(ast, this.lets);
    if (unknown.length)
      return this.fail(path, `unknown name${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")}: use size, anchor, code, entry, or a name set by an earlier let`);
    return emitExpression(ast, this.lets);
  }

  fields(f: unknown, path: Path, spec: { required: string[]; optional: string[] }, op: string): Fields | undefined {
    if (!f || typeof f !== "object" || Array.isArray(f)) return this.fail(path, `${op} takes a mapping with ${spec.required.join(", ")}`);
    const fields = f as Fields;
    let good = true;
    for (const k of Object.keys(fields))
      if (![...spec.required, ...spec.optional].includes(k)) {
        this.fail([...path, k], `${op} has no field "${k}"; it takes ${[...spec.required, ...spec.optional].join(", ")}`);
        good = false;
      }
    for (const k of spec.required)
      if (fields[k] === undefined) {
        this.fail(path, `${op} needs "${k}"`);
        good = false;
      }
    return good ? fields : undefined;
  }

  push(op: OpName, path: Path, operands: Record<string, unknown>, kinds: Record<string, "expr" | "bytes">): void {
    const out: Record<string, Uint8Array | number> = {};
    for (const [name, value] of Object.entries(operands)) {
      if (kinds[name] === "bytes") {
        if (typeof value !== "string" || !HEX_BYTES.test(value)) {
          this.fail([...path, name], `"${name}" must be hex bytes like "E9 00 00", got ${JSON.stringify(value)}`);
          continue;
        }
        out[name] = Uint8Array.from(value.replace(/ /g, "").match(/../g)!.map((h) => parseInt(h, 16)));
        continue;
      }
      const code = this.expr(value, [...path, name]);
      if (code) out[name] = code;
    }
    this.ops.push({ op, operands: out });
  }

  item(item: unknown, path: Path, fromMacro = false): void {
    if (item === "remove") {
      this.ops.push({ op: "REMOVE", operands: {} });
      return;
    }
    if (!item || typeof item !== "object" || Array.isArray(item) || Object.keys(item).length !== 1) {
      this.fail(path, `a cleaning step is "remove" or a mapping with one operation: ${CLEAN_OPERATIONS.join(", ")}`);
      return;
    }
    const [name, f] = Object.entries(item as Fields)[0];
    const at = [...path, name];
    if ((MACROS as readonly string[]).includes(name)) {
      const macro = name as (typeof MACROS)[number];
      const fields = this.fields(f, at, MACRO_FIELDS[macro], name);
      if (!fields) return;
      // Check the analyst's expressions where they wrote them, before they move into the expansion.
      for (const [k, v] of Object.entries(fields)) if (!this.expr(v, [...at, k])) return;
      const errorsBefore = this.ok;
      for (const step of MACRO_EXPANSIONS[macro](fields)) this.item(step, at, true);
      if (errorsBefore && !this.ok) this.report(at, `${name} expanded to an invalid script (an engine bug: please report)`);
      return;
    }
    switch (name) {
      case "let": {
        if (!f || typeof f !== "object" || Array.isArray(f)) return void this.fail(at, "let takes a mapping of names to expressions");
        for (const [n, v] of Object.entries(f as Fields)) {
          if (!fromMacro && !LET_NAME.test(n)) {
            this.fail([...at, n], `let name "${n}" must start with a lowercase letter (a-z, 0-9, _)`);
            continue;
          }
          const code = this.expr(v, [...at, n]);
          if (!code) continue;
          let slot = this.lets.get(n);
          if (slot === undefined) {
            if (this.lets.size >= MAX_LETS) return void this.fail([...at, n], `more than ${MAX_LETS} names`);
            this.lets.set(n, (slot = LET_BASE + this.lets.size));
          }
          this.ops.push({ op: "LET", operands: { slot, value: code } });
        }
        return;
      }
      case "copy":
      case "move":
      case "delete": {
        const fields = this.fields(f, at, PRIMITIVE_FIELDS[name], name);
        if (fields) this.push(name === "copy" ? "COPY" : name === "move" ? "MOVE" : "DELETE", at, fields, {});
        return;
      }
      case "fill": {
        const fields = this.fields(f, at, PRIMITIVE_FIELDS.fill, name);
        if (fields) this.push("FILL", at, { at: fields.at, length: fields.length, byte: fields.byte ?? 0 }, {});
        return;
      }
      case "assert": {
        const fields = this.fields(f, at, PRIMITIVE_FIELDS.assert, name);
        if (!fields) return;
        if (typeof fields.message !== "string" || !fields.message) return void this.fail([...at, "message"], "assert needs a message saying what is wrong");
        const message = new TextEncoder().encode(fields.message);
        const that = this.expr(fields.that, [...at, "that"]);
        if (that) this.ops.push({ op: "ASSERT", operands: { that, message } });
        return;
      }
      case "insert": {
        const fields = this.fields(f, at, { required: ["at"], optional: ["bytes", "from", "length", "byte"] }, name);
        if (!fields) return;
        if (fields.bytes !== undefined) {
          if (fields.from !== undefined || fields.length !== undefined || fields.byte !== undefined)
            return void this.fail(at, "insert takes either bytes, or from + length, or length (+ byte)");
          this.push("INSERT_BYTES", at, { at: fields.at, bytes: fields.bytes }, { bytes: "bytes" });
        } else if (fields.from !== undefined) {
          if (fields.length === undefined || fields.byte !== undefined) return void this.fail(at, "insert with from needs length (and no byte)");
          this.push("INSERT_COPY", at, { at: fields.at, from: fields.from, length: fields.length }, {});
        } else if (fields.length !== undefined) this.push("INSERT_FILL", at, { at: fields.at, length: fields.length, byte: fields.byte ?? 0 }, {});
        else this.fail(at, "insert needs bytes, or from + length, or length");
        return;
      }
      case "modify": {
        const fields = this.fields(f, at, { required: ["at"], optional: ["bytes", ...Object.keys(WIDTHS)] }, name);
        if (!fields) return;
        const given = Object.keys(fields).filter((k) => k !== "at");
        if (given.length !== 1) return void this.fail(at, "modify takes at and exactly one of bytes, u8, u16, u32, i8, i16, i32");
        const kind = given[0];
        if (kind === "bytes") this.push("WRITE_BYTES", at, { at: fields.at, bytes: fields.bytes }, { bytes: "bytes" });
        else this.push("WRITE", at, { at: fields.at, value: fields[kind], width: WIDTHS[kind as keyof typeof WIDTHS] }, {});
        return;
      }
      case "truncate-tail":
      case "truncate-head":
        this.push(name === "truncate-tail" ? "TRUNCATE_TAIL" : "TRUNCATE_HEAD", at, name === "truncate-tail" ? { at: f } : { length: f }, {});
        return;
      case "decode": {
        const fields = this.fields(f, at, { required: ["at", "length"], optional: ["xor", "add", "step"] }, name);
        if (!fields) return;
        if ((fields.xor === undefined) === (fields.add === undefined)) return void this.fail(at, "decode takes one key: xor or add");
        const xor = fields.xor !== undefined;
        this.push(xor ? "DECODE_XOR" : "DECODE_ADD", at, { at: fields.at, length: fields.length, key: xor ? fields.xor : fields.add, step: fields.step ?? 0 }, {});
        return;
      }
      default:
        this.fail(at, `unknown cleaning operation "${name}"; one of: ${CLEAN_OPERATIONS.join(", ")}`);
    }
  }
}

/** Compile a record's `clean:` list. Problems go to `report` with their path inside the list; undefined when any. */
export function compileCleanScript(clean: unknown, report: Report): Uint8Array | undefined {
  if (!Array.isArray(clean) || clean.length === 0) {
    report([], 'clean must be a non-empty list of steps, e.g. [remove] or [{ com-tail: { from: "code + 0x40" } }]');
    return undefined;
  }
  const c = new ScriptCompiler(report);
  clean.forEach((item, i) => c.item(item, [i]));
  if (!c.ok) return undefined;
  try {
    return encodeScript(c.ops);
  } catch (e) {
    report([], (e as Error).message);
    return undefined;
  }
}

/** Bytecode -> primitive steps as YAML values (macros come back expanded). Let slots are named t0, t1, ... */
export function decompileCleanScript(ops: readonly ScriptOp[]): unknown[] {
  const name = (slot: number) => `t${slot - LET_BASE}`;
  const ex = (op: ScriptOp, k: string): string | number => {
    const ast = decodeExpression(op.operands[k] as Uint8Array, name);
    return ast.k === "num" ? ast.v : renderExpression(ast);
  };
  const hex = (op: ScriptOp, k: string) =>
    Array.from(op.operands[k] as Uint8Array, (b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ");
  return ops.map((o): unknown => {
    switch (o.op) {
      case "LET":
        return { let: { [name(o.operands.slot as number)]: ex(o, "value") } };
      case "COPY":
      case "MOVE":
        return { [o.op.toLowerCase()]: { from: ex(o, "from"), to: ex(o, "to"), length: ex(o, "length") } };
      case "INSERT_COPY":
        return { insert: { at: ex(o, "at"), from: ex(o, "from"), length: ex(o, "length") } };
      case "INSERT_FILL":
        return { insert: { at: ex(o, "at"), length: ex(o, "length"), byte: ex(o, "byte") } };
      case "INSERT_BYTES":
        return { insert: { at: ex(o, "at"), bytes: hex(o, "bytes") } };
      case "WRITE": {
        const width = ex(o, "width");
        const key = width === 1 ? "u8" : width === 2 ? "u16" : "u32";
        return { modify: { at: ex(o, "at"), [key]: ex(o, "value") } };
      }
      case "WRITE_BYTES":
        return { modify: { at: ex(o, "at"), bytes: hex(o, "bytes") } };
      case "DELETE":
        return { delete: { at: ex(o, "at"), length: ex(o, "length") } };
      case "FILL":
        return { fill: { at: ex(o, "at"), length: ex(o, "length"), byte: ex(o, "byte") } };
      case "TRUNCATE_TAIL":
        return { "truncate-tail": ex(o, "at") };
      case "TRUNCATE_HEAD":
        return { "truncate-head": ex(o, "length") };
      case "DECODE_XOR":
      case "DECODE_ADD":
        return { decode: { at: ex(o, "at"), length: ex(o, "length"), [o.op === "DECODE_XOR" ? "xor" : "add"]: ex(o, "key"), step: ex(o, "step") } };
      case "ASSERT":
        return { assert: { that: ex(o, "that"), message: new TextDecoder().decode(o.operands.message as Uint8Array) } };
      case "REMOVE":
        return "remove";
    }
  });
}
