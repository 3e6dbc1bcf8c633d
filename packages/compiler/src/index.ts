/**
 * @tgvx/compiler — record sources -> deterministic tgvxdb, and tgvxdb -> record YAML.
 */
export { compileSources, findRecordFiles, findStencilFiles, readSources, type CompileResult } from "./compile.js";
export { decompileToYaml } from "./decompile.js";
export { canonicalJson, parseHexWord, recordToImage, recordsToImage, type ImageOptions } from "./records-to-image.js";
export { compileCleanScript, decompileCleanScript } from "./clean-script.js";
export { decodeExpression, emitExpression, parseExpression, renderExpression, ExpressionError, type Ast } from "./clean-expression.js";
export { generateSigningKey, keyFiles, parsePrivateKey, signDatabase, signPatch, signingKeyFromSeed, type SigningKey } from "./signing.js";
export { makePatch, MakePatchError, type MakePatchErrorCode, type PatchSummary } from "./make-patch.js";
export { stencilToImage, stencilToSpec } from "./stencil-to-image.js";
