/**
 * YAML text -> validated records that remember where each field was written. Validation is
 * ajv over the JSON Schema generated from `schema.ts`, with every error reported at once, then
 * the checks a schema cannot express (what each record type needs, ids unique across files).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node, type ScalarTag } from "yaml";
import { formatPath, sortDiagnostics, type Diagnostic, type DiagnosticCode, type Position, type Severity } from "./diagnostics.js";
import { CLEAN_OPERATIONS, recordFileJsonSchema, type VirusRecord } from "./schema.js";

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

/** The rules of the seed's record-type table that JSON Schema does not express. */
function typeDiagnostics(loc: Located, r: VirusRecord, at: (string | number)[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const bad = (msg: string, ...field: string[]) => out.push(loc.diag("TYPE_MISMATCH", `${r.name}: ${msg}`, [...at, ...field]));
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

function parseAndValidate(src: SourceText, schema: object): ValidatedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(src.text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, customTags: [signedHex] });
  const loc = new Located(src.path, doc, lines);
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
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  let validate = validators.get(schema);
  if (!validate) validators.set(schema, (validate = new Ajv({ allErrors: true, strict: false }).compile(schema)));
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

/** Parse and validate one record file. */
export function parseRecordFile(src: SourceText): LoadResult {
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
export function loadRecordSet(sources: readonly SourceText[]): LoadResult {
  const ordered = [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const records: LoadedRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const src of ordered) {
    const r = parseRecordFile(src);
    records.push(...r.records);
    diagnostics.push(...r.diagnostics);
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
  return { records, diagnostics: sortDiagnostics(diagnostics) };
}
