/**
 * @tgvx/engine/core — the engine without what needs zod (the SDK's option checks and the built-in
 * modules' argument schemas): zod takes ~55 ms to import, which a one-file `tgvx scan` would pay
 * on every run. `Engine.load` imports the built-in modules itself when a database names one.
 * Everything here is also exported by `@tgvx/engine`.
 */
export { DEFAULT_LIMITS, type LimitKind, type ScanLimits } from "./containers/limits.js";
export { Engine, type LimitHit, type PathWarning, type ScanReceiver, type CleanOptions, type CleanResult, type CleanResultCode, type CleanStep, type Detection, type LoadOptions, type ScanOptions, type ScanProfile, type ScanResult, type ScanStats } from "./engine.js";
export {
  MODULE_NAME_PATTERN,
  ModuleLimitReached,
  ModuleRegistry,
  checkModuleUse,
  type AnyModule,
  type ModuleContext,
  type ModuleLimits,
  type ModuleMatch,
  type ModuleObject,
  type ModuleProblem,
  type ModuleProcessResult,
  type ProcessContext,
  type TgvxModule,
} from "./modules/module.js";
export { DatabaseError, PatchError, type DatabaseErrorCode, type PatchErrorCode } from "./errors.js";
export { StreamScanner, type StreamInfo, type StreamScanOptions, type StreamScanResult, type StreamVerdict } from "./stream-scanner.js";
export {
  KeyFormatError,
  formatPrivateKey,
  formatPublicKey,
  fromBase64,
  keyIdOf,
  parsePrivateKeyText,
  parsePublicKey,
  toBase64,
  toPublicKey,
  type KeyFormatErrorCode,
  type PublicKey,
  type TrustedKey,
} from "./keys.js";
export {
  DATABASE_SIGNATURE_CONTEXT,
  PATCH_SIGNATURE_CONTEXT,
  checkDatabaseTrust,
  checkHeaderSignature,
  signedMessage,
  toPublicKeys,
  verifyEd25519,
  type DatabaseTrust,
  type SignatureCheck,
  type TrustOptions,
} from "./signature.js";
export { EngineHolder, type SwapResult } from "./engine-holder.js";
export { databaseImage, recordImage } from "./database-image.js";
export { applyPatch, applyPatches, type AppliedPatch, type PatchOptions, type PatchResult } from "./apply-patch.js";
export { canonicalJson, encodePatch, encodePatchRecord, type PatchBase, type PatchContent, type PatchTarget, type RecordPut } from "./patch-to-binary.js";
export { readPatchBody, readPatchInfo, type PatchBody, type PatchInfo } from "./patch-from-binary.js";
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
export { fromHex, sha256, toHex } from "./sha256.js";
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
export { COVERED_FROM, FORMAT_VERSION, HEADER_SIZE, H_DIGEST, H_KEY_ID, H_SIGNATURE, KEY_ID_SIZE, MAGIC, SIGNATURE_SIZE } from "./tgvxdb-layout.js";
export { PATCH_FORMAT_VERSION, PATCH_HEADER_SIZE, PATCH_MAGIC } from "./tgvxpatch-layout.js";
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
// High-granularity control: the action vocabulary, stencils, resolution through the five layers, INI, the SDK.
export {
  ACTION_NAMES,
  CONTEXT_NAMES,
  FALLBACK_NAMES,
  LAYER_NAMES,
  type ActionName,
  type ContextName,
  type FallbackName,
  type LayerName,
} from "./vocabulary.js";
export { NAME_PATTERN_PATTERN, STENCIL_NAME_PATTERN, matchName, type Stencil, type StencilCondition, type StencilRule } from "./stencil.js";
export {
  Policy,
  PolicyError,
  formatDecision,
  formatTrace,
  parseDebugSwitch,
  type DebugSwitch,
  type Decision,
  type DecisionContext,
  type DetectionRef,
  type PolicyErrorCode,
  type PolicyOptions,
  type PolicyWarning,
  type TraceStep,
} from "./resolve-action.js";
export {
  CODE_EXTENSIONS,
  INFECTED_ACTION_CODES,
  LIMIT_KEYS,
  SCAN_KEYS,
  fileExcludedBy,
  formatIniDiagnostic,
  iniScanOptions,
  parseIni,
  type IniConfig,
  type IniDiagnostic,
  type IniDiagnosticCode,
  type IniParseResult,
  type IniScanSettings,
  type Setting,
  type UserControl,
} from "./ini.js";
export { decidedFinding, leaveUndone, processObject, type ActionOutcome, type ActionReport, type Fate, type ProcessOptions, type ProcessReceiver, type ProcessResult } from "./process-object.js";
export { sha256HexSync } from "./sha256-sync.js";
export { HEURISTIC_NAMES, analyzeCode, type HeuristicFinding } from "./heuristics.js";
