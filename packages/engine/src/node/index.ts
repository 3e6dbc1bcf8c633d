/**
 * @tgvx/engine/node — file-system helpers for Node embedders: cleaning files in place with
 * backup, temporary file, verification and atomic rename.
 */
export { cleanFile, nodeFileOps, type CleanFileOptions, type FileCleanReport, type FileOps } from "./clean-file.js";
