/**
 * @tgvx/engine — the embeddable core: the tgvxdb layout (reader and writer), database
 * verification, file-type recognition and anchors, and detection. No Node API is used here,
 * so it runs unchanged in browsers and workers.
 */
export { DEFAULT_LIMITS, type LimitKind, type ScanLimits } from "./containers/limits.js";
export { Engine, type LimitHit, type PathWarning, type ScanReceiver, type CleanOptions, type CleanResult, type CleanResultCode, type CleanStep, type Detection, type LoadOptions, type ScanOptions, type ScanProfile, type ScanResult, type ScanStats } from "./engine.js";
export { DatabaseError, type DatabaseErrorCode } from "./errors.js";
export { Database, openDatabase, storedDigest, type DatabaseInfo, type RecordView, type SectionInfo } from "./from-binary.js";
export { encodeDatabase, type DatabaseImage, type DetectImage, type RecordImage, type WindowImage } from "./to-binary.js";
export {
  ANCHOR_NAMES,
  Anchor,
  FILE_TYPE_NAMES,
  FileType,
  NO_ANCHOR,
  analyzeObject,
  fileTypeNames,
  type AnchorName,
  type FileTypeName,
  type ObjectInfo,
  type ObjectWarning,
} from "./file-type.js";
export { crc32 } from "./crc32.js";
export { sha256, toHex } from "./sha256.js";
export {
  ATTRIBUTE_NAMES,
  CATEGORY_NAMES,
  RECORD_TYPES,
  STATUS_NAMES,
  attributeBits,
  attributeNames,
  type AttributeName,
  type CategoryName,
  type RecordType,
  type StatusName,
} from "./vocabulary.js";
export { FORMAT_VERSION, HEADER_SIZE, MAGIC } from "./tgvxdb-layout.js";
export {
  BINARY,
  Ex,
  LET_BASE,
  MAX_LETS,
  MAX_OPS,
  OP_OPERANDS,
  Op,
  READS,
  VARIABLES,
  ScriptFormatError,
  decodeScript,
  encodeScript,
  type BinarySymbol,
  type OpName,
  type ReadName,
  type ScriptOp,
  type VariableName,
} from "./clean-bytecode.js";
export { CleanError, runScript, type CleanErrorCode, type ScriptContext, type ScriptLimits, type ScriptOutcome } from "./clean-vm.js";
