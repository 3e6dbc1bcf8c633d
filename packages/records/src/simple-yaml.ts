/**
 * A fast reader for the block-structured YAML that record files are written in: what `tgvx fmt`,
 * `tgvx decompile` and the generators write, and what analysts write by hand in that style.
 * It reads about twenty times faster than the positioned YAML parser, because it builds no
 * document, no nodes and no positions: only the plain JavaScript value.
 *
 * It reads a strict subset of YAML 1.2 and gives up (returns `UNSUPPORTED`) on the first thing
 * outside it; the caller then uses the full, positioned loader, which also reports every problem
 * with its place. For every text it accepts, the value is exactly what `yaml`'s
 * `parseDocument(text, { uniqueKeys: true, customTags: [signedHex] }).toJS()` gives, with no
 * error and no warning (tested differentially, see packages/records/test/fast-path.test.ts).
 *
 * The subset:
 * - one document; no directives, no `---` / `...` markers, no byte-order mark, no tab, no CR,
 *   no control character; a root block mapping at column 0;
 * - block mappings whose keys are identifiers (`[A-Za-z_][A-Za-z0-9_-]*` that YAML reads as a
 *   string; not `__proto__`) followed by `: ` or `:` at the end of the line, each key once;
 * - block sequences (`- ` items) indented deeper than their key, items being a value on the same
 *   line or a compact mapping (`- key: value` then keys at the same column);
 * - values on one line: plain scalars (resolved by the core schema plus signed hex `-0x40`),
 *   "double-quoted" (simple escapes) and 'single-quoted' scalars, and flow mappings / sequences
 *   of those, opened and closed on the same line;
 * - comments (`#` at the start of a line or after a space), blank lines.
 * Not in it (given up on): anchors, aliases, tags, block scalars (`|`, `>`), multi-line scalars
 * and flow collections, explicit keys (`?`), quoted or non-identifier keys, empty sequence items,
 * a sequence at the same column as its key, trailing commas in flow collections.
 */

export const UNSUPPORTED: unique symbol = Symbol("unsupported YAML");

class GiveUp extends Error {}
const GIVE_UP = new GiveUp("outside the simple YAML subset");
function giveUp(): never {
  throw GIVE_UP;
}

/**
 * A character that may not appear anywhere: anything but printable ASCII, newline, and printable
 * non-ASCII; not the C1 controls (NEL among them), line and paragraph separators, Unicode spaces
 * (no-break space and the like, which some code trims and YAML does not), the byte-order mark,
 * surrogates (so no astral characters either).
 */
const NOT_SIMPLE_TEXT =
  /[^\n\x20-\x7e\u00a1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;

const SP = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** A plain scalar may not start with one of these (or a space); `-` may when a safe character follows. */
const INDICATOR = charTable("-?:,[]{}#&*!|>'\"%@` ");
const FLOW_INDICATOR = charTable("[]{},");

function charTable(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (const c of chars) table[c.charCodeAt(0)] = 1;
  return table;
}

function isKeyStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}
function isKeyChar(c: number): boolean {
  return isKeyStart(c) || (c >= 0x30 && c <= 0x39) || c === DASH;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

// The YAML 1.2 core schema (as the `yaml` library resolves it, in its order), then signedHex.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const SIGNED_HEX = /^-0x[0-9a-fA-F]+$/;

/**
 * The number a plain scalar [p, end) of `t` is when it is one of the common forms, [-]digits,
 * 0xhex or -0xhex, exactly as the expressions below would read it (computed here while exact: up
 * to 15 decimal or 13 hex digits; parseInt beyond); otherwise undefined.
 */
function commonNumber(t: string, p: number, end: number): number | undefined {
  const neg = t.charCodeAt(p) === DASH ? 1 : 0;
  let i = p + neg;
  if (i >= end || !isDigit(t.charCodeAt(i))) return undefined;
  let v = 0;
  for (; i < end; i++) {
    const d = t.charCodeAt(i);
    if (!isDigit(d)) break;
    v = v * 10 + (d - 0x30);
  }
  if (i === end) return end - p - neg <= 15 ? (neg ? -v : v) : parseInt(t.slice(p, end), 10);
  if (i !== p + neg + 1 || v !== 0 || t.charCodeAt(i) !== 0x78 /* x */ || i + 1 >= end) return undefined;
  const digits = i + 1;
  v = 0;
  for (i = digits; i < end; i++) {
    const d = t.charCodeAt(i);
    if (!isHexDigit(d)) return undefined;
    v = v * 16 + (d <= 0x39 ? d - 0x30 : (d | 0x20) - 0x57);
  }
  if (end - digits > 13) v = parseInt(t.slice(digits, end), 16);
  return neg ? -v : v;
}

/** Whether a plain scalar starting with this character is surely a string: a letter that starts no null, true or false. */
function surelyString(c: number): boolean {
  if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false;
  const l = c | 0x20;
  return l !== 0x6e /* n */ && l !== 0x74 /* t */ && l !== 0x66 /* f */;
}

/** The value of a plain scalar, as the core schema (plus signed hex) resolves it. */
export function resolvePlain(s: string): unknown {
  if (surelyString(s.charCodeAt(0))) return s; // the common case
  const n = commonNumber(s, 0, s.length);
  if (n !== undefined) return n;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === "t" || s[0] === "T";
  if (INT_OCT.test(s)) return parseInt(s.substring(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.substring(2), 16);
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === "nan" ? NaN : s[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP.test(s)) return parseFloat(s);
  if (FLOAT.test(s)) return parseFloat(s);
  if (SIGNED_HEX.test(s)) return -parseInt(s.slice(3), 16);
  return s;
}

const ESCAPES: Record<string, string> = { "\\": "\\", '"': '"', "/": "/", n: "\n", t: "\t", r: "\r", "0": "\0" };
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Identifiers YAML reads as other than a string. */
const NOT_STRING_KEYS = new Set(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"]);

/**
 * A key seen once per mapping (values are never undefined, so a defined one is a key seen before,
 * or one of Object's own like `constructor`: given up on too, which is only slower).
 */
function checkKey(map: Record<string, unknown>, key: string): void {
  if (map[key] !== undefined) giveUp();
}

class Reader {
  private readonly t: string;
  private readonly n: number;
  /** Where the line after the current one starts. */
  private after = 0;
  /** The current line is [ls, le); its content starts at column `col` (-1 at the end of the text). */
  private ls = 0;
  private le = 0;
  private col = -1;
  /** Where the flow node read last ended. */
  private pos = 0;
  /** Where the value read last ends, as the YAML library's node range ends: trailing spaces not in it. */
  private valueEnd = 0;
  /**
   * Looking for one node (`simpleYamlSpan`): the path of the node being read, the path wanted, and
   * the range of the deepest node on that path read so far and its depth (BLOCK: an empty value,
   * or a block collection ending in one, whose ranges this reader does not reproduce). A block
   * collection ends where the YAML library ends it: after the line break of the line holding its
   * last value (`lastLineEnd`, -1 after an empty value).
   */
  private path: (string | number)[] | undefined;
  private lastLineEnd = -1;
  private wanted: readonly (string | number)[] = [];
  found: readonly [number, number] | typeof BLOCK | undefined;
  private foundDepth = -1;

  /** Keys read before, by length, first and last character: reused instead of sliced again. */
  private readonly keys = new Map<number, string>();

  constructor(text: string) {
    this.t = text;
    this.n = text.length;
  }

  /**
   * The identifier key [p, q): any identifier YAML reads as a string, except `__proto__`.
   * Record files use a few keys over and over, so the string of the last one of each shape is kept.
   */
  private key(p: number, q: number): string {
    const t = this.t;
    const shape = ((q - p) << 16) | (t.charCodeAt(p) << 8) | t.charCodeAt(q - 1);
    const known = this.keys.get(shape);
    if (known !== undefined && t.startsWith(known, p)) return known;
    const key = t.slice(p, q);
    if (key === "__proto__" || NOT_STRING_KEYS.has(key)) giveUp();
    this.keys.set(shape, key);
    return key;
  }

  /** Move to the next line with content; false at the end. */
  private next(): boolean {
    const t = this.t;
    let s = this.after;
    while (s <= this.n) {
      let e = t.indexOf("\n", s);
      if (e < 0) e = this.n;
      let p = s;
      while (p < e && t.charCodeAt(p) === SP) p++;
      if (p === e || t.charCodeAt(p) === HASH) {
        s = e + 1;
        continue;
      }
      // Document markers and directives start at column 0.
      if (p === s && (t.startsWith("---", s) || t.startsWith("...", s) || t.charCodeAt(s) === 0x25 /* % */)) giveUp();
      this.ls = s;
      this.le = e;
      this.col = p - s;
      this.after = e + 1;
      return true;
    }
    this.ls = this.le = this.n;
    this.col = -1;
    this.after = this.n + 1;
    return false;
  }

  document(): unknown {
    if (!this.next() || this.col !== 0) giveUp();
    const root = this.blockMap(0);
    if (this.col !== (-1 as number)) giveUp();
    return root;
  }

  /** Where the `:` of an identifier key at `p` is, when a space or the line's end follows it; else -1. */
  private keyEnd(p: number): number {
    const t = this.t;
    if (p >= this.le || !isKeyStart(t.charCodeAt(p))) return -1;
    let q = p + 1;
    while (q < this.le && isKeyChar(t.charCodeAt(q))) q++;
    if (q - p > 128 || q === this.le || t.charCodeAt(q) !== COLON) return -1;
    return q + 1 === this.le || t.charCodeAt(q + 1) === SP ? q : -1;
  }

  /** A block mapping whose keys are at column `n`, starting at the current line. */
  private blockMap(n: number): Record<string, unknown> {
    const t = this.t;
    const map: Record<string, unknown> = {};
    for (;;) {
      const k = this.ls + this.col;
      const q = this.keyEnd(k);
      if (q < 0) giveUp();
      const key = this.key(k, q);
      checkKey(map, key);
      this.path?.push(key);
      const p = this.skipSpaces(q + 1);
      if (p === this.le || t.charCodeAt(p) === HASH) {
        // Nothing after the key but maybe a comment (keyEnd saw the space before the `#`).
        if (this.next() && this.col > n) {
          const start = this.ls + this.col;
          map[key] = this.blockNode(this.col);
          if (this.path) this.reached(this.lastLineEnd < 0 ? BLOCK : [start, this.lastLineEnd]);
        } else {
          if (this.col === n && t.charCodeAt(this.ls + n) === DASH) giveUp(); // a sequence at its key's column
          map[key] = null; // an empty value
          this.lastLineEnd = -1;
          if (this.path) this.reached(BLOCK);
        }
      } else {
        map[key] = this.inlineValue(p);
        this.lastLineEnd = this.le < this.n ? this.le + 1 : this.n;
        if (this.path) this.reached([p, this.valueEnd]);
        if (this.next() && this.col > n) giveUp(); // a multi-line scalar, or bad indentation
      }
      this.path?.pop();
      if (this.col < n) return map; // also at the end (-1)
      if (this.col > n) giveUp();
    }
  }

  /** A block mapping or sequence at column `n` of the current line. */
  private blockNode(n: number): unknown {
    const p = this.ls + n;
    const t = this.t;
    return t.charCodeAt(p) === DASH && (p + 1 === this.le || t.charCodeAt(p + 1) === SP) ? this.blockSeq(n) : this.blockMap(n);
  }

  /** A block sequence whose `-` are at column `n`, starting at the current line. */
  private blockSeq(n: number): unknown[] {
    const seq: unknown[] = [];
    for (;;) {
      this.path?.push(seq.length);
      seq.push(this.item(n));
      this.path?.pop();
      if (this.col < n) return seq;
      if (this.col > n) giveUp();
    }
  }

  /** The sequence item whose `-` is at column `n` of the current line; then the line after it is current. */
  private item(n: number): unknown {
    const t = this.t;
    const d = this.ls + n;
    if (t.charCodeAt(d) !== DASH || d + 1 >= this.le || t.charCodeAt(d + 1) !== SP) giveUp();
    const p = this.skipSpaces(d + 2);
    if (p === this.le || t.charCodeAt(p) === HASH) giveUp(); // an empty item, or a node below
    if (t.charCodeAt(p) === DASH && (p + 1 === this.le || t.charCodeAt(p + 1) === SP)) giveUp(); // - - nested
    if (this.keyEnd(p) >= 0) {
      this.col = p - this.ls; // a compact mapping: `- key: value`, then keys at that column
      const map = this.blockMap(this.col);
      if (this.path) this.reached(this.lastLineEnd < 0 ? BLOCK : [p, this.lastLineEnd]);
      return map;
    }
    const value = this.inlineValue(p);
    this.lastLineEnd = this.le < this.n ? this.le + 1 : this.n;
    if (this.path) this.reached([p, this.valueEnd]);
    this.next();
    return value;
  }

  /**
   * Spans: the node at `this.path` has been read. On the wanted path and deeper than any noted yet
   * (a node is reached after the nodes inside it), its range is noted; the wanted node ends the
   * reading.
   */
  private reached(range: readonly [number, number] | typeof BLOCK): void {
    const path = this.path!;
    if (path.length > this.wanted.length || path.length <= this.foundDepth) return;
    for (let i = 0; i < path.length; i++) if (!samePathStep(path[i], this.wanted[i])) return;
    this.found = range;
    this.foundDepth = path.length;
    if (path.length === this.wanted.length) throw FOUND;
  }

  /** The range of node `wanted` (or of its deepest ancestor) of the sequence item whose `-` is at column `n` of the line starting at `lineStart`. */
  spanInItem(lineStart: number, n: number, wanted: readonly (string | number)[]): void {
    this.after = lineStart;
    this.path = [];
    this.wanted = wanted;
    if (!this.next() || this.col !== n) giveUp();
    this.item(n);
  }

  /** A value that starts at `p` of the current line and takes the rest of it (a comment may follow). */
  private inlineValue(p: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === 0x22 /* " */ || c === 0x27 /* ' */ || c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const value = this.flowNode(p, 0);
      this.valueEnd = this.pos;
      // Nothing may follow but spaces, and a comment after at least one of them.
      let e = this.pos;
      if (e < this.le) {
        if (t.charCodeAt(e) !== SP) giveUp();
        e = this.skipSpaces(e);
        if (e < this.le && t.charCodeAt(e) !== HASH) giveUp();
      }
      return value;
    }
    // A plain scalar: up to a comment (` #`), trailing spaces dropped.
    if (!this.plainFirst(p, false)) giveUp();
    let end = p + 1;
    for (; end < this.le; end++) {
      const ch = t.charCodeAt(end);
      if (ch === HASH && t.charCodeAt(end - 1) === SP) break;
      // `: ` or a final `:` would make a mapping, which YAML refuses here.
      if (ch === COLON && (end + 1 === this.le || t.charCodeAt(end + 1) === SP)) giveUp();
    }
    while (t.charCodeAt(end - 1) === SP) end--;
    this.valueEnd = end;
    return this.plain(p, end);
  }

  /** Whether a plain scalar may start at `p`: not an indicator, or `-` followed by a safe character. */
  private plainFirst(p: number, flow: boolean): boolean {
    if (p >= this.le) return false;
    const c = this.t.charCodeAt(p);
    if (c >= 0x80 || !INDICATOR[c]) return true;
    if (c !== DASH || p + 1 >= this.le) return false;
    const d = this.t.charCodeAt(p + 1);
    return d !== SP && !(flow && d < 0x80 && FLOW_INDICATOR[d]);
  }

  /** The value of the plain scalar [p, end), not sliced out when it is a common number. */
  private plain(p: number, end: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (!surelyString(c)) {
      const n = commonNumber(t, p, end);
      if (n !== undefined) return n;
      return resolvePlain(t.slice(p, end));
    }
    return end - p <= 12 ? this.short(p, end) : t.slice(p, end);
  }

  /** Short strings repeat (status, anchor, category, attribute names): the last one of each shape is kept, as keys are. */
  private short(p: number, end: number): string {
    const t = this.t;
    const shape = ((end - p) << 16) | (t.charCodeAt(p) << 8) | t.charCodeAt(end - 1);
    const known = this.words.get(shape);
    if (known !== undefined && t.startsWith(known, p)) return known;
    const word = t.slice(p, end);
    this.words.set(shape, word);
    return word;
  }
  private readonly words = new Map<number, string>();

  private skipSpaces(p: number): number {
    while (p < this.le && this.t.charCodeAt(p) === SP) p++;
    return p;
  }

  /** A quoted scalar, a flow collection or (inside a flow collection) a plain scalar at `p`; `pos` is set to its end. */
  private flowNode(p: number, depth: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === 0x22 /* " */) return this.doubleQuoted(p);
    if (c === 0x27 /* ' */) return this.singleQuoted(p);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth > 16) giveUp();
      const isMap = c === 0x7b;
      const close = isMap ? 0x7d /* } */ : 0x5d; /* ] */
      const map: Record<string, unknown> = {};
      const seq: unknown[] = [];
      p = this.skipSpaces(p + 1);
      for (let first = true; ; first = false) {
        if (p >= this.le) giveUp(); // the collection goes on past the line
        if (first && t.charCodeAt(p) === close) break;
        if (isMap) {
          // An identifier key, `:` and at least one space.
          if (!isKeyStart(t.charCodeAt(p))) giveUp();
          let q = p + 1;
          while (q < this.le && isKeyChar(t.charCodeAt(q))) q++;
          if (q - p > 128 || q + 1 >= this.le || t.charCodeAt(q) !== COLON || t.charCodeAt(q + 1) !== SP) giveUp();
          const key = this.key(p, q);
          checkKey(map, key);
          const v = this.skipSpaces(q + 1);
          this.path?.push(key);
          map[key] = this.flowNode(v, depth + 1);
          if (this.path) this.reached([v, this.valueEnd]);
          this.path?.pop();
        } else {
          this.path?.push(seq.length);
          seq.push(this.flowNode(p, depth + 1));
          if (this.path) this.reached([p, this.valueEnd]);
          this.path?.pop();
        }
        p = this.skipSpaces(this.pos);
        if (p >= this.le) giveUp();
        const next = t.charCodeAt(p);
        if (next === close) break;
        if (next !== COMMA) giveUp();
        p = this.skipSpaces(p + 1);
        if (p < this.le && (t.charCodeAt(p) === close || t.charCodeAt(p) === COMMA)) giveUp(); // a trailing comma, an empty entry
      }
      this.pos = this.valueEnd = p + 1;
      return isMap ? map : seq;
    }
    // A plain scalar inside a flow collection: up to `,` `]` `}`. A `:` is part of it only when a
    // safe character follows, a `#` only when no space comes before (else it starts a comment).
    if (!this.plainFirst(p, true)) giveUp();
    let e = p;
    for (; e < this.le; e++) {
      const ch = t.charCodeAt(e);
      if (ch === COMMA || ch === 0x5d /* ] */ || ch === 0x7d /* } */) break;
      if (ch === 0x5b /* [ */ || ch === 0x7b /* { */) giveUp();
      if (ch === COLON) {
        if (e + 1 >= this.le) giveUp();
        const d = t.charCodeAt(e + 1);
        if (d === SP || (d < 0x80 && FLOW_INDICATOR[d])) giveUp();
      } else if (ch === HASH && t.charCodeAt(e - 1) === SP) giveUp();
    }
    if (e >= this.le) giveUp(); // the collection goes on past the line
    let end = e;
    while (t.charCodeAt(end - 1) === SP) end--;
    this.pos = e;
    this.valueEnd = end;
    return this.plain(p, end);
  }

  private doubleQuoted(p: number): string {
    const t = this.t;
    let out = "";
    let from = p + 1;
    for (let e = from; e < this.le; e++) {
      const ch = t.charCodeAt(e);
      if (ch === 0x22) {
        this.pos = this.valueEnd = e + 1;
        return out + t.slice(from, e);
      }
      if (ch !== 0x5c /* \ */) continue;
      out += t.slice(from, e);
      const x = e + 1 < this.le ? t[e + 1] : "";
      if (x !== "" && hasOwn(ESCAPES, x)) {
        out += ESCAPES[x];
        e += 1;
      } else if (x === "x" || x === "u") {
        const digits = x === "x" ? 2 : 4;
        if (e + 2 + digits > this.le) giveUp();
        let code = 0;
        for (let i = e + 2; i < e + 2 + digits; i++) {
          if (!isHexDigit(t.charCodeAt(i))) giveUp();
          code = code * 16 + parseInt(t[i], 16);
        }
        if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0xd800 && code < 0xe000)) giveUp();
        out += String.fromCharCode(code);
        e += 1 + digits;
      } else giveUp();
      from = e + 1;
    }
    return giveUp(); // not closed on this line
  }

  private singleQuoted(p: number): string {
    const t = this.t;
    let out = "";
    let from = p + 1;
    for (let e = from; e < this.le; e++) {
      if (t.charCodeAt(e) !== 0x27) continue;
      if (e + 1 < this.le && t.charCodeAt(e + 1) === 0x27) {
        out += t.slice(from, e + 1);
        from = e + 2;
        e++;
        continue;
      }
      this.pos = this.valueEnd = e + 1;
      return out + t.slice(from, e);
    }
    return giveUp(); // not closed on this line
  }
}

const BLOCK: unique symbol = Symbol("block node");
const FOUND = new Error("found");

/** A path step as the YAML library's `getIn` matches it: a map's key exactly, a sequence's index also as a numeric string. */
function samePathStep(step: string | number, wanted: string | number): boolean {
  if (typeof step === "string") return step === wanted;
  return (typeof wanted === "string" && wanted !== "" ? Number(wanted) : wanted) === step;
}

/**
 * The value of a YAML text in the simple subset, or `UNSUPPORTED` when the text is anything else
 * (then the full parser decides what it is, or what is wrong with it).
 */
export function readSimpleYaml(text: string): unknown {
  if (NOT_SIMPLE_TEXT.test(text)) return UNSUPPORTED;
  try {
    return new Reader(text).document();
  } catch (err) {
    if (err === GIVE_UP) return UNSUPPORTED;
    throw err;
  }
}

/**
 * Where the YAML library puts node `path` (its range: [start, end of the value)) of the block
 * sequence item whose `-` is at column `col` of the line starting at `lineStart`, in a text
 * `readSimpleYaml` read; the empty path is the item itself. Without such a node, its deepest
 * ancestor's place, as the library's positions fall back. "block" for an empty value or a block
 * collection ending in one (left to the library). Reads that one item only.
 */
export function simpleYamlSpan(text: string, lineStart: number, col: number, path: readonly (string | number)[]): readonly [number, number] | "block" | undefined {
  const reader = new Reader(text);
  try {
    reader.spanInItem(lineStart, col, path);
  } catch (err) {
    if (err !== FOUND && err !== GIVE_UP) throw err;
  }
  return reader.found === BLOCK ? "block" : reader.found;
}
