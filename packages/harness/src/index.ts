/**
 * @tgvx/harness — proves a database against the sample corpus (in worker threads for large
 * corpora), writes JUnit XML, and keeps the release and test ledger (SQLite) with the queries
 * behind `tgvx history` and `tgvx diff` and the "detection lost" gate.
 */
export {
  ManifestError,
  NOT_SAMPLES,
  OUTCOMES,
  autoWorkers,
  proofHolds,
  proveSamples,
  readManifest,
  type CleaningCheck,
  type DetectedRecord,
  type Outcome,
  type ProofReport,
  type ProveOptions,
  type RecordReport,
  type SampleResult,
} from "./prove-samples.js";
export { SampleManifestSchema, SampleSchema, sampleManifestJsonSchema, type Sample, type SampleManifest } from "./sample-manifest.js";
export { canonicalJson, formatId, recordContent, recordHash, recordSet, type RecordEntry } from "./record-set.js";
export { toJUnitXml, xmlEscape } from "./junit.js";
export {
  ACKNOWLEDGED_LOSSES_FILE,
  AcknowledgedLossSchema,
  AcknowledgedLossesSchema,
  AcknowledgementsError,
  acknowledgedLossesJsonSchema,
  readAcknowledgedLosses,
  type AcknowledgedLossEntry,
} from "./acknowledged-losses.js";
export { LEDGER_APPLICATION_ID, LEDGER_MIGRATIONS, type LedgerMigration } from "./ledger-schema.js";
export {
  DEFAULT_LEDGER,
  Ledger,
  LedgerError,
  recordRelease,
  type DatabaseRow,
  type LedgerErrorCode,
  type OpenOptions,
  type ReleaseInfo,
  type ReleaseOptions,
  type RunInfo,
  type RunMeta,
  type RunSample,
  type StoredRecord,
} from "./ledger.js";
export {
  acknowledgementCovers,
  applyAcknowledgements,
  chooseBaseline,
  lostDetections,
  type AcknowledgedLoss,
  type Baseline,
  type BaselineChoice,
  type GateResult,
  type LostDetection,
} from "./detection-gate.js";
export { runRegression, type RegressionOptions, type RegressionResult } from "./regression.js";
export {
  findRecordIds,
  recordHistory,
  sampleHistory,
  type RecordDetectionChange,
  type RecordHistory,
  type RecordInRelease,
  type RecordRevision,
  type RecordTimeline,
  type SampleChange,
  type SampleHistory,
  type SampleTimeline,
} from "./ledger-history.js";
export { diffOutcomes, diffRecordSets, sideOf, type DiffSide, type OutcomeRow, type RecordChange, type RecordSetDiff, type SampleChangeDiff } from "./database-diff.js";
