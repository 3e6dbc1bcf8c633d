/**
 * Stencil YAML -> validated stencils with source positions, and the splitting of a YAML stream
 * into its documents (a decompiled database is one stream: the records, then one document per
 * stencil). Validation is ajv over the JSON Schema generated from `stencil-schema.ts`, then what
 * a schema cannot say: rule names unique, `fallback` only on clean, no rule after a catch-all.
 */
import { parseAllDocuments } from "yaml";
import type { Diagnostic, Position } from "./diagnostics.js";
import { sortDiagnostics } from "./diagnostics.js";
import { loadYamlDocument, type SourceText } from "./load-records.js";
import { stencilFileJsonSchema, type StencilFile, type StencilSpec } from "./stencil-schema.js";

export interface LoadedStencil {
  stencil: StencilSpec;
  source: { file: string; locate(path?: readonly (string | number)[]): { start: Position; end: Position } };
}

export interface StencilLoadResult {
  stencils: LoadedStencil[];
  diagnostics: Diagnostic[];
}

let schema: object | undefined;

/** Parse and validate one stencil document. */
export function parseStencilFile(src: SourceText): StencilLoadResult {
  schema ??= stencilFileJsonSchema();
  const r = loadYamlDocument<StencilFile>(src, schema);
  const diagnostics = [...r.diagnostics];
  if (!r.value) return { stencils: [], diagnostics };
  const s = r.value.stencil;
  const at = (path: (string | number)[]) => r.locate(["stencil", ...path]);
  const diag = (code: Diagnostic["code"], message: string, path: (string | number)[], severity: Diagnostic["severity"] = "error") => {
    const { start, end } = at(path);
    const where = path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
    diagnostics.push({ file: src.path, severity, code, message: `stencil ${s.name}: ${message}`, path: `stencil${where}`, start, end });
  };
  const seen = new Map<string, number>();
  let catchAll: string | undefined;
  s.rules.forEach((rule, i) => {
    const first = seen.get(rule.name);
    if (first !== undefined) diag("DUPLICATE_NAME", `rule name "${rule.name}" is already used by rule ${first}; traces name rules, so each needs its own`, ["rules", i, "name"]);
    seen.set(rule.name, i);
    if (rule.fallback !== undefined && rule.action !== "clean")
      diag("BAD_VALUE", `rule ${rule.name}: "fallback" says what to do when cleaning fails; this rule's action is ${rule.action}`, ["rules", i, "fallback"]);
    if (catchAll !== undefined)
      diag("UNREACHABLE_RULE", `rule ${rule.name} is never reached: rule ${catchAll} before it has no condition and matches everything`, ["rules", i], "warning");
    if (!rule.when || Object.keys(rule.when).length === 0) catchAll ??= rule.name;
  });
  const failed = diagnostics.some((d) => d.severity === "error");
  return {
    stencils: failed ? [] : [{ stencil: s, source: { file: src.path, locate: (p = []) => at([...p]) } }],
    diagnostics: sortDiagnostics(diagnostics),
  };
}

/** All stencils of a database: files in path order, names unique across them. */
export function loadStencilSet(sources: readonly SourceText[]): StencilLoadResult {
  const ordered = [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const stencils: LoadedStencil[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const src of ordered) {
    const r = parseStencilFile(src);
    diagnostics.push(...r.diagnostics);
    for (const ls of r.stencils) {
      const first = stencils.find((x) => x.stencil.name === ls.stencil.name);
      if (!first) {
        stencils.push(ls);
        continue;
      }
      const { start, end } = ls.source.locate(["name"]);
      const p = first.source.locate(["name"]).start;
      diagnostics.push({
        file: ls.source.file,
        severity: "error",
        code: "DUPLICATE_NAME",
        message: `stencil ${ls.stencil.name} is already defined at ${first.source.file}:${p.line}:${p.col}`,
        path: "stencil.name",
        start,
        end,
      });
    }
  }
  return { stencils, diagnostics: sortDiagnostics(diagnostics) };
}

/** Whether a YAML document is a stencil (`stencil:` at the top) rather than records. */
export function isStencilDocument(text: string): boolean {
  return /^stencil\s*:/m.test(text);
}

/** A line that starts or ends a document (`---`, `...`) or holds a directive (`%`). */
const DOCUMENT_BOUNDARY = /^(?:---|\.\.\.|%)/m;

/**
 * The documents of a YAML stream as separate sources of the same path. Each keeps the whole text
 * with the other documents blanked out (newlines kept), so every line and column stays where the
 * author wrote it. A single-document source is returned as it is.
 */
export function splitDocuments(src: SourceText): { kind: "records" | "stencil"; source: SourceText }[] {
  // Without a document marker or a directive at the start of a line, a stream is one document (or
  // none): no need to parse it here, which would cost as much as loading it.
  if (!DOCUMENT_BOUNDARY.test(src.text)) return [{ kind: isStencilDocument(src.text) ? "stencil" : "records", source: src }];
  const docs = parseAllDocuments(src.text);
  const list = Array.isArray(docs) ? docs : [];
  const kind = (text: string) => (isStencilDocument(text) ? ("stencil" as const) : ("records" as const));
  if (list.length <= 1) return [{ kind: kind(src.text), source: src }];
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  const out: { kind: "records" | "stencil"; source: SourceText }[] = [];
  list.forEach((d, i) => {
    const start = i === 0 ? 0 : d.range[0];
    const end = i + 1 < list.length ? list[i + 1].range[0] : src.text.length;
    const own = src.text.slice(start, end);
    if (d.contents === null && d.errors.length === 0) return; // an empty document (a trailing ---)
    out.push({ kind: kind(own), source: { path: src.path, text: blank(src.text.slice(0, start)) + own + blank(src.text.slice(end)) } });
  });
  return out;
}
