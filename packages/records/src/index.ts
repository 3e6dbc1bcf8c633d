/**
 * @tgvx/records — the YAML record model: the schema (single source of truth for types and the
 * JSON Schema), and a loader that validates and keeps source positions for diagnostics.
 */
export {
  CLEAN_MACROS,
  CLEAN_OPERATIONS,
  CLEAN_PRIMITIVES,
  CleanSchema,
  DetectSchema,
  HEX_WORD_PATTERN,
  MAX_WINDOW_LENGTH,
  RECORD_NAME_PATTERN,
  RecordFileSchema,
  RecordSchema,
  WindowSchema,
  recordFileJsonSchema,
  type DetectSpec,
  type RecordFile,
  type VirusRecord,
  type WindowSpec,
} from "./schema.js";
export {
  formatDiagnostic,
  formatPath,
  hasErrors,
  sortDiagnostics,
  type Diagnostic,
  type DiagnosticCode,
  type Position,
  type Severity,
} from "./diagnostics.js";
export {
  loadRecordSet,
  recordCacheVersion,
  RECORD_LOADER_VERSION,
  signedHex,
  parseRecordFile,
  loadYamlDocument,
  type LoadOptions,
  type LoadResult,
  type LoadStats,
  type RecordCache,
  type YamlDocumentResult,
  type LoadedRecord,
  type RecordSource,
  type SourceText,
} from "./load-records.js";
export {
  StencilConditionSchema,
  StencilFileSchema,
  StencilRuleSchema,
  StencilSchema,
  stencilFileJsonSchema,
  type StencilConditionSpec,
  type StencilFile,
  type StencilRuleSpec,
  type StencilSpec,
} from "./stencil-schema.js";
export { readSimpleYaml, resolvePlain, UNSUPPORTED } from "./simple-yaml.js";
export { isStencilDocument, loadStencilSet, parseStencilFile, splitDocuments, type LoadedStencil, type StencilLoadResult } from "./load-stencils.js";
