/**
 * Every lint rule, one module each, in the order `tgvx lint --list-rules` shows them: first what
 * the compiler also refuses, then the records on their own, then the records against the samples.
 */
import type { AnyRule } from "../rule.js";
import attributeConsistency from "./attribute-consistency.js";
import cost from "./cost.js";
import coverage from "./coverage.js";
import duplicateId from "./duplicate-id.js";
import duplicateName from "./duplicate-name.js";
import falsePositive from "./false-positive.js";
import identicalDetection from "./identical-detection.js";
import nameConvention from "./name-convention.js";
import neverMatch from "./never-match.js";
import sampleMismatch from "./sample-mismatch.js";
import schema from "./schema.js";
import suppression from "./suppression.js";
import typeConsistency from "./type-consistency.js";
import unknownModule from "./unknown-module.js";
import weakSignature from "./weak-signature.js";
import windowRange from "./window-range.js";

export const RULES = [
  schema,
  typeConsistency,
  duplicateId,
  duplicateName,
  nameConvention,
  unknownModule,
  windowRange,
  neverMatch,
  weakSignature,
  identicalDetection,
  attributeConsistency,
  suppression,
  coverage,
  sampleMismatch,
  falsePositive,
  cost,
] as const satisfies readonly AnyRule[];
