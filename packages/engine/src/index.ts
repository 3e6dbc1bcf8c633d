/**
 * @tgvx/engine — the embeddable core: the tgvxdb layout (reader and writer), database
 * verification and ed25519 signatures against trusted keys, the patch format and applying
 * patches, a live engine that swaps databases, file-type recognition and anchors, and detection.
 * No Node API is used here, so it runs unchanged in browsers and workers.
 */
export * from "./core.js";
export { BUILT_IN_MODULES, builtInModules } from "./modules/built-in.js";
export { xorAddModule, type XorAddArgs } from "./modules/xor-add.js";
export { xorshift32, xorshiftDecodeModule, type XorshiftArgs } from "./modules/xorshift-decode.js";
export { ScanParamsSchema, SdkError, SdkOptionsSchema, TgvxSdk, createSdk, type ScanParams, type SdkErrorCode, type SdkOptions, type SdkReceiver, type SdkScanResult } from "./sdk.js";
