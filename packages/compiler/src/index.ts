/**
 * @tgvx/compiler — record sources -> deterministic tgvxdb, and tgvxdb -> record YAML.
 */
export { compileSources, findRecordFiles, readSources, type CompileResult } from "./compile.js";
export { decompileToYaml } from "./decompile.js";
export { canonicalJson, parseHexWord, recordToImage, recordsToImage, type ImageOptions } from "./records-to-image.js";
export { compileCleanScript, decompileCleanScript } from "./clean-script.js";
export { decodeExpression, emitExpression, parseExpression, renderExpression, ExpressionError, type Ast } from "./clean-expression.js";
