/**
 * Problems found in record sources. A diagnostic is a value: file, character range, a closed
 * code, a message written for the analyst, and the field path. Line and column are computed
 * when the diagnostic is made, because the text is not kept around.
 */

export type Severity = "error" | "warning" | "info";

export type DiagnosticCode =
  | "YAML_SYNTAX"
  | "DUPLICATE_KEY"
  | "UNKNOWN_FIELD"
  | "MISSING_FIELD"
  | "WRONG_TYPE"
  | "BAD_HEX"
  | "BAD_VALUE"
  | "OUT_OF_RANGE"
  | "TYPE_MISMATCH"
  | "DUPLICATE_ID"
  | "BAD_SCRIPT"
  | "UNKNOWN_MODULE"
  | "MODULE_MISMATCH"
  | "BAD_ARGS"
  | "READ_ERROR"
  | "DUPLICATE_NAME"
  | "UNREACHABLE_RULE";

export interface Position {
  line: number; // 1-based
  col: number; // 1-based
}

export interface Diagnostic {
  file: string;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** Field path inside the document, e.g. records[2].detect.windows[1].crc */
  path?: string;
  start: Position;
  end?: Position;
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

/** `file:line:col: error CODE: message (path)` — one line, the form editors and CI parse. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.path ? ` (${d.path})` : "";
  return `${d.file}:${d.start.line}:${d.start.col}: ${d.severity} ${d.code}: ${d.message}${where}`;
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** Stable order for printing: by file, then position, then code. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return diags.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.start.line - b.start.line ||
      a.start.col - b.start.col ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
