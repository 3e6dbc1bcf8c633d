/**
 * @tgvx/harness — proves a database against the sample corpus.
 */
export { ManifestError, proofHolds, proveSamples, readManifest, type CleaningCheck, type Outcome, type ProofReport, type SampleResult } from "./prove-samples.js";
export { SampleManifestSchema, SampleSchema, sampleManifestJsonSchema, type Sample, type SampleManifest } from "./sample-manifest.js";
