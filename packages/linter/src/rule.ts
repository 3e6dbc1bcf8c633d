/**
 * What a lint rule is: an id (its file name), a default severity, a one-line description, its
 * messages (ids with `{{slot}}` templates and a hint saying how to fix), optional options (a zod
 * schema with defaults), and a `check` over the loaded records (and the sample corpus, for the
 * rules that need it) that reports diagnostics. Rules are registered in `rules/index.ts`.
 */
import type { z } from "zod";
import type { Diagnostic, LoadedRecord, Position } from "@tgvx/records";
import type { Corpus, SampleScan } from "./corpus.js";

export type Level = "error" | "warning" | "info";
/** What a configuration may set a rule to. */
export type Setting = Level | "off";
export const SETTINGS: readonly Setting[] = ["off", "info", "warning", "error"];

/** A place in a text file. */
export interface Span {
  file: string;
  start: Position;
  end: Position;
}

/** Another place a diagnostic involves: the first record with the same id, the sample that does not match... */
export interface RelatedPlace {
  file: string;
  start?: Position;
  end?: Position;
  message: string;
}

/** One finding, as every output form (human, JSON, SARIF) prints it. */
export interface LintDiagnostic extends Span {
  ruleId: string;
  severity: Level;
  messageId: string;
  message: string;
  /** How to fix it. */
  hint?: string;
  /** Field path inside the document, e.g. records[2].detect.windows[1].crc */
  path?: string;
  related?: RelatedPlace[];
}

export interface MessageSpec {
  message: string;
  hint?: string;
}

export interface RuleMeta<M extends string, O> {
  /** kebab-case, equal to the file name under src/rules/. */
  id: string;
  severity: Level;
  /** One line, shown by `tgvx lint --list-rules` and in SARIF. */
  description: string;
  messages: Record<M, MessageSpec>;
  /** The rule reads the sample corpus; it is skipped with `--no-samples`. */
  needsSamples?: boolean;
  /** Options a configuration may set (`rules: { id: { severity, ...options } }`); defaults fill the rest. */
  options?: z.ZodType<O>;
  /**
   * The compiler refuses these problems whatever the linter is told, so the rule can be neither
   * configured below error nor suppressed by a record.
   */
  compilerEnforced?: boolean;
}

export interface Report<M extends string> {
  messageId: M;
  data?: Record<string, string | number>;
  /** The record the finding is about: the place is taken inside it, and the record may suppress the rule. */
  record?: LoadedRecord;
  /** Field path inside the record (default: its name). */
  field?: readonly (string | number)[];
  /** Narrow the place to `length` characters starting `offset` characters into the field's value (one-line values). */
  within?: { offset: number; length: number };
  /** An explicit place instead (a manifest entry, a loader diagnostic). */
  at?: Span & { path?: string };
  related?: RelatedPlace[];
  /** Only for compiler-enforced rules: the loader's own severity (YAML warnings stay warnings). */
  severity?: Level;
}

export interface RuleContext<M extends string, O> {
  /** Records that loaded without schema or type errors. */
  readonly records: readonly LoadedRecord[];
  /** What the record loader reported (schema, record types, duplicate ids). */
  readonly loaderDiagnostics: readonly Diagnostic[];
  /** The sample corpus, for rules with `needsSamples` (undefined otherwise). */
  readonly corpus: Corpus | undefined;
  readonly options: O;
  /** Every sample scanned with a database compiled in memory from `records` (computed once per run). */
  scanCorpus(): Promise<readonly SampleScan[]>;
  /** Text of a linted file, for rules that narrow a place inside a value. */
  text(file: string): string | undefined;
  /** Suppressions that silenced a finding in this run, as `${file}#${record index}#${rule}`; complete only for rules with `runsLast`. */
  readonly usedSuppressions: ReadonlySet<string>;
  /** Ids of the rules that ran in this run (not off, not skipped for lack of samples). */
  readonly rulesRun: ReadonlySet<string>;
  /** Every registered rule (`rules/index.ts`), whichever of them run now. */
  readonly registry: readonly AnyRule[];
  report(r: Report<M>): void;
}

export interface Rule<M extends string = string, O = unknown> {
  meta: RuleMeta<M, O> & { runsLast?: boolean };
  check(ctx: RuleContext<M, O>): void | Promise<void>;
}

/** Any rule, whatever its messages and options (the registry is heterogeneous). */
export type AnyRule = Rule<string, any>;

/** The key a used suppression is known by in `usedSuppressions`. */
export const suppressionKey = (lr: LoadedRecord, rule: string): string => `${lr.source.file}#${lr.source.index}#${rule}`;

/** Identity, for inference: `export default createRule({ meta: {...}, check(ctx) {...} })`. */
export function createRule<M extends string, O = Record<string, never>>(rule: Rule<M, O>): Rule<M, O> {
  return rule;
}

/** `{{slot}}` -> data[slot]; an unknown slot stays visible so a test catches it. */
export function fill(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{(\w+)\}\}/g, (m, k: string) => (k in data ? String(data[k]) : m));
}
