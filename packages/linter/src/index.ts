/**
 * @tgvx/linter — checks YAML records (and the sample corpus) with one module per rule, reports
 * diagnostics with exact places and a hint, prints them for people, as JSON or as SARIF 2.1.0;
 * and formats record files into one canonical YAML form, comments kept.
 */
export { createRule, fill, SETTINGS, suppressionKey, type AnyRule, type Level, type LintDiagnostic, type MessageSpec, type RelatedPlace, type Report, type Rule, type RuleContext, type RuleMeta, type Setting, type Span } from "./rule.js";
export { RULES } from "./rules/index.js";
export { lintSources, sortLintDiagnostics, type LintOptions, type LintResult, type RuleRun } from "./lint.js";
export { CONFIG_FILES, parseLintConfig, type ConfigResult, type LintConfig, type RuleSetting } from "./config.js";
export { Corpus, CorpusScanError, loadCorpus, scanCorpus, type CorpusInit, type CorpusSample, type SampleScan } from "./corpus.js";
export { formatHuman, formatSummary, toJsonReport, toSarif, type SarifLog } from "./print-diagnostics.js";
export { formatRecordText, type FormatResult } from "./format-records.js";
export { closest } from "./did-you-mean.js";
