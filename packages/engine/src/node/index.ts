/**
 * @tgvx/engine/node — file-system helpers for Node embedders: cleaning files in place with
 * backup, temporary file, verification and atomic rename; replacing a file atomically; updating
 * a database file with signed patches.
 */
export { cleanFile, nodeFileOps, writeBackup, type CleanFileOptions, type FileCleanReport, type FileOps } from "./clean-file.js";
export { REPLACE_STEPS, ReplaceFileError, removeStaleTemps, replaceFileAtomic, tempNameFor, type ReplaceOptions, type ReplaceStep } from "./replace-file.js";
export { updateDatabaseFile, type DatabaseUpdateReport, type UpdateFileOptions } from "./update-database.js";
export { processFile, type FileProcessReport, type FileProcessStatus, type ProcessFileOptions } from "./process-file.js";
