/**
 * @tgvx/compiler — record sources -> deterministic tgvxdb, and tgvxdb -> record YAML.
 */
export { compileSources, findRecordFiles, findStencilFiles, readSources, type CompileOptions, type CompileResult } from "./compile.js";
export { CompileCache, type CompileCacheStats } from "./compile-cache.js";
export { decompileToYaml } from "./decompile.js";
export { canonicalJson, parseHexWord, recordToImage, recordsToImage, type ImageOptions } from "./records-to-image.js";
export { compileCleanScript, decompileCleanScript } from "./clean-script.js";
export { decodeExpression, emitExpression, parseExpression, renderExpression, ExpressionError, type Ast } from "./clean-expression.js";
export { generateSigningKey, keyFiles, parsePrivateKey, signDatabase, signPatch, signingKeyFromSeed, type SigningKey } from "./signing.js";
export { makePatch, MakePatchError, type MakePatchErrorCode, type PatchSummary } from "./make-patch.js";
export { stencilToImage, stencilToSpec } from "./stencil-to-image.js";
export { EXPORT_FORMATS, exportRules, type ExportFormat, type ExportOptions, type ExportResult, type ExportSample, type ExportSkip, type ExportSkipCode, type ExportedRule } from "./export-rules.js";
