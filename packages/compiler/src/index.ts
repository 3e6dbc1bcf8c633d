/**
 * @tgvx/compiler — record sources -> deterministic tgvxdb, and tgvxdb -> record YAML.
 */
export { compileSources, findRecordFiles, readSources, type CompileResult } from "./compile.js";
export { decompileToYaml } from "./decompile.js";
export { canonicalJson, parseHexWord, recordToImage, recordsToImage, type ImageOptions } from "./records-to-image.js";
