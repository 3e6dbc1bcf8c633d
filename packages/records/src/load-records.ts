/**
 * YAML text -> validated records that remember where each field was written. Validation is
 * ajv over the JSON Schema generated from `schema.ts`, with every error reported at once, then
 * the checks a schema cannot express (what each record type needs, ids unique across files).
 *
 * Two readers, one result. A file is first read by the fast reader (`simple-yaml.ts`: the block
 * YAML records are written in, no positions) and checked; when that reader gives up, or the file
 * has any problem, it is read again by the positioned parser, which reports every problem at its
 * `file:line:col` exactly as if it had been the only reader. A record read fast finds the place of
 * a field (for later diagnostics: duplicate ids, cleaning scripts, lint findings) by parsing its
 * file with positions the first time it is asked. A `RecordCache` can hand back the records of a
 * file whose text was loaded before; they are checked again before use.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node, type ScalarTag } from "yaml";
import { formatPath, sortDiagnostics, type Diagnostic, type DiagnosticCode, type Position, type Severity } from "./diagnostics.js";
import { CLEAN_OPERATIONS, recordFileJsonSchema, type VirusRecord } from "./schema.js";
import { readSimpleYaml, simpleYamlSpan, UNSUPPORTED } from "./simple-yaml.js";

/** Where a record came from, able to locate any of its fields for later diagnostics. */
export interface RecordSource {
  file: string;
  /** Index of the record in its file's `records` list. */
  index: number;
  /** Position of a field (path relative to the record), or of the record itself. */
  locate(path?: readonly (string | number)[]): { start: Position; end: Position };
}

export interface LoadedRecord {
  record: VirusRecord;
  source: RecordSource;
}

export interface LoadResult {
  records: LoadedRecord[];
  diagnostics: Diagnostic[];
  /** How the record files were read (`loadRecordSet` only). */
  stats?: LoadStats;
}

/** How the files of a record set were read. */
export interface LoadStats {
  files: number;
  /** Taken from the cache: not parsed at all. */
  cached: number;
  /** Read by the fast reader. */
  fast: number;
  /** Read by the positioned parser (outside the fast reader's subset, or with problems to report). */
  positioned: number;
  /**
   * Read fast or from the cache, then parsed with positions after all to place something the fast
   * reader does not (a record as a whole, a block, an empty value): counted as it happens.
   */
  reparsed: number;
}

/**
 * Records of record files loaded before, keyed by the file's exact text. What `get` returns is
 * untrusted: the loader validates it like a parsed file and ignores it when it does not pass.
 * Only files that loaded without any diagnostic are stored.
 */
export interface RecordCache {
  get(src: SourceText): unknown;
  set(src: SourceText, records: readonly VirusRecord[]): void;
  /** What `get` gave for this source did not pass the checks (the file is parsed instead). */
  rejected?(src: SourceText): void;
}

export interface LoadOptions {
  cache?: RecordCache;
  /** Read every file with the positioned parser (the reference the fast reader is tested against). */
  positionedOnly?: boolean;
}

export interface SourceText {
  /** Path as it should appear in diagnostics. */
  path: string;
  text: string;
}

class Located {
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lines: LineCounter,
  ) {}

  pos(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  /** Range of the node at `path`; with `key`, of that key inside the map at `path`. Falls back to the nearest ancestor. */
  range(path: readonly (string | number)[], key?: string): { start: Position; end: Position } {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as Node | undefined;
      if (!node || !("range" in node) || !node.range) continue;
      if (key !== undefined && n === path.length && isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
        const r = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (r) return { start: this.pos(r[0]), end: this.pos(r[1]) };
      }
      return { start: this.pos(node.range[0]), end: this.pos(node.range[1]) };
    }
    return { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
  }

  diag(
    code: DiagnosticCode,
    message: string,
    path: readonly (string | number)[],
    key?: string,
    severity: Severity = "error",
  ): Diagnostic {
    const { start, end } = this.range(path, key);
    const full = key === undefined ? path : [...path, key];
    return { file: this.file, severity, code, message, path: formatPath(full) || undefined, start, end };
  }
}

function describeValue(v: unknown): string {
  if (typeof v === "string") return `"${v.length > 40 ? v.slice(0, 40) + "…" : v}"`;
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return String(v);
}

/** When no alternative of an anyOf fits, report the anyOf once instead of every branch's complaint. */
function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const failed = errors.filter((e) => e.keyword === "anyOf").map((e) => e.schemaPath + "/");
  return errors.filter((e) => !failed.some((prefix) => e.schemaPath.startsWith(prefix)));
}

function schemaDiagnostic(loc: Located, err: ErrorObject, root: unknown): Diagnostic {
  const path = err.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const value = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], root);
  const field = path.length ? String(path[path.length - 1]) : "document";
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case "additionalProperties":
      return loc.diag("UNKNOWN_FIELD", `unknown field "${p.additionalProperty}"`, path, String(p.additionalProperty));
    case "required":
      return loc.diag("MISSING_FIELD", `missing required field "${p.missingProperty}"`, path);
    case "type": {
      const want = String(p.type);
      if ((want === "integer" || want === "number") && typeof value === "string" && /^(0x|[0-9a-f]+$)/i.test(value))
        return loc.diag("BAD_HEX", `bad hex number ${describeValue(value)} in "${field}": write 0x followed by hex digits, e.g. 0x1F0`, path);
      return loc.diag("WRONG_TYPE", `"${field}" must be ${want === "integer" ? "an integer" : `a ${want}`}, got ${describeValue(value)}`, path);
    }
    case "pattern":
      if (field === "first")
        return loc.diag("BAD_HEX", `bad hex word ${describeValue(value)}: "first" is exactly two hex bytes, e.g. "55 8B"`, path);
      if (field === "name")
        return loc.diag("BAD_VALUE", `bad record name ${describeValue(value)}: use Platform.Family.Variant, e.g. Win95.CIH.1003`, path);
      return loc.diag("BAD_VALUE", `${describeValue(value)} does not match ${p.pattern}`, path);
    case "enum":
      return loc.diag("BAD_VALUE", `${describeValue(value)} is not allowed for "${field}"; one of: ${(p.allowedValues as unknown[]).join(", ")}`, path);
    case "minimum":
    case "maximum":
      return loc.diag("OUT_OF_RANGE", `"${field}" ${err.message}, got ${describeValue(value)}`, path);
    case "minItems":
    case "maxItems":
    case "additionalItems":
      return field === "windows"
        ? loc.diag("BAD_VALUE", `"windows" needs exactly two windows, got ${Array.isArray(value) ? value.length : describeValue(value)}`, path)
        : loc.diag("BAD_VALUE", `"${field}" ${err.message}`, path);
    case "anyOf":
      if (path.includes("clean"))
        return loc.diag("BAD_VALUE", `a cleaning step is "remove" or a mapping with one operation (${CLEAN_OPERATIONS.join(", ")}), got ${describeValue(value)}`, path);
      return loc.diag("BAD_VALUE", `${describeValue(value)} is not an allowed form for "${field}"`, path);
    case "propertyNames":
      return loc.diag("BAD_VALUE", `${describeValue(value)} has a key that is not allowed here`, path);
    default:
      return loc.diag("BAD_VALUE", `"${field}" ${err.message ?? "is invalid"}`, path);
  }
}

/** The rules of the seed's record-type table that JSON Schema does not express: message and field. */
function typeProblems(r: VirusRecord): { message: string; field: string[] }[] {
  const out: { message: string; field: string[] }[] = [];
  const bad = (msg: string, ...field: string[]) => out.push({ message: `${r.name}: ${msg}`, field });
  if (r.type === 3 || r.type === 4) {
    if (!r.detect) bad(`type ${r.type} needs "detect" (anchor, first word, two windows)`, "type");
    else if (r.type === 4 && !r.detect.filetypes) bad(`type 4 needs "detect.filetypes"; without them use type 3`, "type");
    else if (r.type === 3 && r.detect.filetypes) bad(`"filetypes" restrict type 4 records; make this type 4 or drop them`, "detect", "filetypes");
  } else {
    if (r.detect) bad(`type ${r.type} detects by module; "detect" belongs to types 3 and 4`, "detect");
    if (!r.module) bad(`type ${r.type} needs "module" (the detection module)`, "type");
    if (r.type === 2 && r.args) bad(`type 2 modules take no "args"; use type 1 for a module with arguments`, "args");
  }
  return out;
}

function typeDiagnostics(loc: Located, r: VirusRecord, at: (string | number)[]): Diagnostic[] {
  return typeProblems(r).map((p) => loc.diag("TYPE_MISMATCH", p.message, [...at, ...p.field]));
}

interface ValidatedYaml {
  loc: Located;
  value: unknown;
  diagnostics: Diagnostic[];
  /** Instance paths (JSON pointer) of schema errors. */
  errorPaths: string[];
  /** False when the YAML itself did not parse. */
  parsed: boolean;
}

/** YAML 1.2 reads 0x1F0 as a number but not -0x40; analysts write end-anchored offsets that way. */
export const signedHex: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  format: "HEX",
  default: true,
  test: /^-0x[0-9a-fA-F]+$/,
  resolve: (s) => -parseInt(s.slice(3), 16),
};

const validators = new WeakMap<object, ValidateFunction>();

function parsePositioned(src: SourceText): { doc: Document; loc: Located } {
  const lines = new LineCounter();
  const doc = parseDocument(src.text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, customTags: [signedHex] });
  return { doc, loc: new Located(src.path, doc, lines) };
}

function validatorFor(schema: object): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) validators.set(schema, (validate = new Ajv({ allErrors: true, strict: false }).compile(schema)));
  return validate;
}

function parseAndValidate(src: SourceText, schema: object): ValidatedYaml {
  const { doc, loc } = parsePositioned(src);
  const diagnostics: Diagnostic[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const code: DiagnosticCode = e.code === "DUPLICATE_KEY" ? "DUPLICATE_KEY" : "YAML_SYNTAX";
    const msg = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    diagnostics.push({
      file: src.path,
      severity: e.name === "YAMLWarning" ? "warning" : "error",
      code,
      message: code === "DUPLICATE_KEY" ? `duplicate key "${/^[^:\n]*/.exec(src.text.slice(e.pos[0]))![0].trim()}": a field may appear once` : msg,
      start: loc.pos(e.pos[0]),
      end: loc.pos(e.pos[1]),
    });
  }
  // A duplicate key still leaves a usable document, so schema problems are reported with it.
  if (diagnostics.some((d) => d.severity === "error" && d.code !== "DUPLICATE_KEY"))
    return { loc, value: undefined, diagnostics, errorPaths: [], parsed: false };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias the document cannot resolve (e.g. one inside an explicit key), or too many aliases:
    // reported at the first alias, never thrown at the caller.
    let range: readonly number[] = [0, 0];
    visit(doc, {
      Alias(_key, node) {
        if (!node.range) return undefined;
        range = node.range;
        return visit.BREAK;
      },
    });
    diagnostics.push({
      file: src.path,
      severity: "error",
      code: "YAML_SYNTAX",
      message: String((err as Error).message ?? err).split("\n")[0],
      start: loc.pos(range[0]),
      end: loc.pos(range[1]),
    });
    return { loc, value: undefined, diagnostics: sortDiagnostics(diagnostics), errorPaths: [], parsed: false };
  }
  const validate = validatorFor(schema);
  const errors = collapseAlternatives(validate(value) ? [] : [...(validate.errors ?? [])]);
  for (const err of errors) diagnostics.push(schemaDiagnostic(loc, err, value));
  const dupPaths = diagnostics.some((d) => d.code === "DUPLICATE_KEY") ? [""] : [];
  return { loc, value, diagnostics: sortDiagnostics(dedupe(diagnostics)), errorPaths: [...errors.map((e) => e.instancePath), ...dupPaths], parsed: true };
}

export interface YamlDocumentResult<T> {
  /** Undefined when the document has errors. */
  value?: T;
  diagnostics: Diagnostic[];
  locate(path: readonly (string | number)[]): { start: Position; end: Position };
}

/** Parse any YAML document of the project (manifests, stencils) against its JSON Schema. */
export function loadYamlDocument<T>(src: SourceText, schema: object): YamlDocumentResult<T> {
  const r = parseAndValidate(src, schema);
  const ok = r.parsed && !r.diagnostics.some((d) => d.severity === "error");
  return { value: ok ? (r.value as T) : undefined, diagnostics: r.diagnostics, locate: (p) => r.loc.range(p) };
}

let recordSchema: object | undefined;

/**
 * Bumped whenever loading could give other records for the same text (the readers, the checks),
 * so that records cached by another version are not used.
 */
export const RECORD_LOADER_VERSION = 1;

/** What cached records depend on besides the text: the loader's version and the record schema. */
export function recordCacheVersion(): string {
  recordSchema ??= recordFileJsonSchema();
  return `tgvx records loader ${RECORD_LOADER_VERSION}\n${JSON.stringify(recordSchema)}`;
}

function recordValidator(): ValidateFunction {
  recordSchema ??= recordFileJsonSchema();
  return validatorFor(recordSchema);
}

/**
 * The records of a file value that passes every check (schema, record types), each finding its
 * fields' places by parsing the file with positions when first asked; undefined when any check
 * fails (then the positioned path reads the file and says what is wrong, and where).
 */
function checkedRecords(src: SourceText, value: unknown, stats?: LoadStats): LoadedRecord[] | undefined {
  if (!recordValidator()(value)) return undefined;
  const list = (value as { records: VirusRecord[] }).records;
  for (const r of list) if (typeProblems(r).length) return undefined;
  const where = new LazyLocator(src, list.length, stats);
  return list.map((record, index) => ({ record, source: new LazySource(src.path, index, where) }));
}

/**
 * The places in a file the fast reader read. A record, or a place in it, is found by reading that
 * record's lines again (`simpleYamlSpan`), which is as fast as reading it was; an empty value, and
 * anything outside the records, by parsing the file with positions, once. Lint reports a place
 * for most records of a large set: parsing every file with positions took most of its time.
 */
class LazyLocator {
  private loc: Located | undefined;
  /** Where each record's `-` line starts, and the column of the `-`; null when not found for every record. */
  private items: { starts: number[]; col: number } | null | undefined;
  private lines: LineCounter | undefined;
  constructor(
    private readonly src: SourceText,
    private readonly records: number,
    private readonly stats: LoadStats | undefined,
  ) {}

  range(path: readonly (string | number)[]): { start: Position; end: Position } {
    if (!this.loc && path[0] === "records" && typeof path[1] === "number") {
      this.items ??= recordItems(this.src.text, this.records);
      const start = this.items?.starts[path[1]];
      const span = start === undefined ? undefined : simpleYamlSpan(this.src.text, start, this.items!.col, path.slice(2));
      if (span && span !== "block") return { start: this.pos(span[0]), end: this.pos(span[1]) };
    }
    if (!this.loc) {
      this.loc = parsePositioned(this.src).loc;
      if (this.stats) this.stats.reparsed++;
    }
    return this.loc.range(path);
  }

  /** Line and column of `offset`, as the positioned parser's LineCounter gives them (it is filled the same way). */
  private pos(offset: number): Position {
    if (!this.lines) {
      const text = this.src.text;
      this.lines = new LineCounter();
      this.lines.addNewLine(0);
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.lines.addNewLine(i + 1);
    }
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }
}

/**
 * The lines of the `records:` sequence's items in a text the fast reader read: after the root key
 * `records:`, every line whose content starts with `- ` at the sequence's column, up to the first
 * line of content left of it. Null unless there are exactly `count` of them.
 */
function recordItems(text: string, count: number): { starts: number[]; col: number } | null {
  const key = /^records:[ \t]*(#.*)?$/m.exec(text);
  if (!key) return null;
  const starts: number[] = [];
  let col = -1;
  for (let s = text.indexOf("\n", key.index) + 1; s > 0 && s < text.length; ) {
    let e = text.indexOf("\n", s);
    if (e < 0) e = text.length;
    let p = s;
    while (p < e && text.charCodeAt(p) === 0x20) p++;
    if (p < e && text.charCodeAt(p) !== 0x23 /* # */) {
      if (col < 0) col = p - s;
      if (p - s < col) break;
      if (p - s === col) {
        if (text.charCodeAt(p) !== 0x2d /* - */) break;
        starts.push(s);
      }
    }
    s = e + 1;
  }
  return starts.length === count ? { starts, col } : null;
}

/** A record's source, one small object per record (a million records is a lot of closures). */
class LazySource implements RecordSource {
  constructor(
    readonly file: string,
    readonly index: number,
    private readonly where: LazyLocator,
  ) {}
  locate(path: readonly (string | number)[] = []): { start: Position; end: Position } {
    return this.where.range(["records", this.index, ...path]);
  }
}

/** A record file read by the fast reader, if it is in its subset and has no problem at all. */
function fastRecordFile(src: SourceText, stats?: LoadStats): LoadedRecord[] | undefined {
  const value = readSimpleYaml(src.text);
  return value === UNSUPPORTED ? undefined : checkedRecords(src, value, stats);
}

/** Parse and validate one record file. */
export function parseRecordFile(src: SourceText, options: { positionedOnly?: boolean } = {}): LoadResult {
  const fast = options.positionedOnly ? undefined : fastRecordFile(src);
  return fast ? { records: fast, diagnostics: [] } : positionedRecordFile(src);
}

function positionedRecordFile(src: SourceText): LoadResult {
  recordSchema ??= recordFileJsonSchema();
  const { loc, value, diagnostics, errorPaths, parsed } = parseAndValidate(src, recordSchema);
  if (!parsed) return { records: [], diagnostics };
  const badRecords = new Set<number>();
  for (const p of errorPaths) {
    const m = /^\/records\/(\d+)/.exec(p);
    badRecords.add(m ? Number(m[1]) : -1);
  }
  if (badRecords.has(-1) || !Array.isArray((value as { records?: unknown })?.records)) {
    return { records: [], diagnostics };
  }

  const records: LoadedRecord[] = [];
  (value as { records: VirusRecord[] }).records.forEach((record, index) => {
    if (badRecords.has(index)) return;
    const at = ["records", index];
    const typeErrors = typeDiagnostics(loc, record, at);
    diagnostics.push(...typeErrors);
    if (typeErrors.length) return;
    records.push({
      record,
      source: { file: src.path, index, locate: (p = []) => loc.range([...at, ...p]) },
    });
  });
  return { records, diagnostics: sortDiagnostics(dedupe(diagnostics)) };
}

function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const k = `${d.start.line}:${d.start.col}:${d.code}:${d.message}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

/**
 * Load a whole record set (all files of a database). Files are taken in path order, so the
 * result does not depend on the order they were listed in; ids must be unique across files.
 */
export function loadRecordSet(sources: readonly SourceText[], options: LoadOptions = {}): LoadResult {
  const ordered = [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const records: LoadedRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const stats: LoadStats = { files: ordered.length, cached: 0, fast: 0, positioned: 0, reparsed: 0 };
  const { cache, positionedOnly = false } = options;
  for (const src of ordered) {
    let list = cache ? cachedRecords(cache, src, stats) : undefined;
    if (list) stats.cached++;
    else {
      list = positionedOnly ? undefined : fastRecordFile(src, stats);
      let problems: Diagnostic[] = [];
      if (list) stats.fast++;
      else {
        stats.positioned++;
        ({ records: list, diagnostics: problems } = positionedRecordFile(src));
        diagnostics.push(...problems);
      }
      if (cache && problems.length === 0) cache.set(src, list.map((lr) => lr.record));
    }
    for (const lr of list) records.push(lr);
  }
  const byId = new Map<number, LoadedRecord>();
  for (const lr of records) {
    const first = byId.get(lr.record.id);
    if (!first) {
      byId.set(lr.record.id, lr);
      continue;
    }
    const { start, end } = lr.source.locate(["id"]);
    const p = first.source.locate(["id"]).start;
    diagnostics.push({
      file: lr.source.file,
      severity: "error",
      code: "DUPLICATE_ID",
      message: `id 0x${lr.record.id.toString(16).toUpperCase()} of ${lr.record.name} is already used by ${first.record.name} at ${first.source.file}:${p.line}:${p.col}`,
      path: `records[${lr.source.index}].id`,
      start,
      end,
    });
  }
  return { records, diagnostics: sortDiagnostics(diagnostics), stats };
}

/** The cache's records for this exact text, if it has them and they pass every check. */
function cachedRecords(cache: RecordCache, src: SourceText, stats: LoadStats): LoadedRecord[] | undefined {
  let value: unknown;
  try {
    value = cache.get(src);
  } catch {
    return undefined;
  }
  if (value === undefined) return undefined;
  const list = checkedRecords(src, { records: value }, stats);
  if (!list) cache.rejected?.(src);
  return list;
}
