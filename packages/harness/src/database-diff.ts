/**
 * What changed between two databases: records added, removed and changed (by id; a change is any
 * difference in content, with the fields named and whether the revision was bumped), and, from a
 * run of the corpus against each, the samples whose outcome changed.
 */
import type { Database, RecordView } from "@tgvx/engine";
import type { StoredRecord } from "./ledger.js";
import { canonicalJson, recordContent, recordSet } from "./record-set.js";
import type { Outcome } from "./sample-check.js";

export interface RecordChange {
  id: number;
  before: StoredRecord;
  after: StoredRecord;
  /** Top-level fields that differ (`detect.*` one level down), or [] when only digests are known. */
  fields: string[];
  /** The revision went up, as every change must. */
  revBumped: boolean;
}

export interface RecordSetDiff {
  added: StoredRecord[];
  removed: StoredRecord[];
  changed: RecordChange[];
}

export interface SampleChangeDiff {
  path: string;
  before: { outcome: Outcome; found: string[] };
  after: { outcome: Outcome; found: string[] };
  /** Names found with B and not with A. */
  gained: string[];
  /** Names found with A and not with B. */
  lost: string[];
  /** Why B's outcome is not a pass, if so. */
  reason?: string;
}

/** One side of a diff: its record set, and the database itself when its bytes are at hand. */
export interface DiffSide {
  records: StoredRecord[];
  db?: Database;
}

export function sideOf(db: Database): DiffSide {
  return { records: recordSet(db).map(({ row: _row, ...r }) => r), db };
}

/** Paths of the values that differ (`detect.windows[1].crc`, `clean`), the revision left out. */
function changedFields(a: RecordView, b: RecordView): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string, depth: number): void => {
    if (canonicalJson(x) === canonicalJson(y)) return;
    const both = (t: (v: unknown) => boolean) => t(x) && t(y);
    if (depth < 4 && both(Array.isArray) && (x as unknown[]).length === (y as unknown[]).length)
      (x as unknown[]).forEach((v, i) => walk(v, (y as unknown[])[i], `${path}[${i}]`, depth + 1));
    else if (depth < 4 && both((v) => !!v && typeof v === "object" && !Array.isArray(v))) {
      const xo = x as Record<string, unknown>;
      const yo = y as Record<string, unknown>;
      for (const k of [...new Set([...Object.keys(xo), ...Object.keys(yo)])].sort()) walk(xo[k], yo[k], path ? `${path}.${k}` : k, depth + 1);
    } else out.push(path);
  };
  const { rev: _a, ...ca } = recordContent(a);
  const { rev: _b, ...cb } = recordContent(b);
  // The cleaning script is compared as a whole: its ops are bytecode, not something to point into.
  const { clean: cleanA, ...restA } = ca;
  const { clean: cleanB, ...restB } = cb;
  walk(restA, restB, "", 0);
  if (canonicalJson(cleanA) !== canonicalJson(cleanB)) out.push("clean");
  return out;
}

export function diffRecordSets(a: DiffSide, b: DiffSide): RecordSetDiff {
  const before = new Map(a.records.map((r) => [r.id, r]));
  const after = new Map(b.records.map((r) => [r.id, r]));
  const added = b.records.filter((r) => !before.has(r.id));
  const removed = a.records.filter((r) => !after.has(r.id));
  const changed: RecordChange[] = [];
  for (const r of b.records) {
    const old = before.get(r.id);
    if (!old || old.hash === r.hash) continue;
    const fields = a.db && b.db ? changedFields(a.db.record(a.db.findRow(r.id)), b.db.record(b.db.findRow(r.id))) : [];
    changed.push({ id: r.id, before: old, after: r, fields, revBumped: r.rev > old.rev });
  }
  return { added, removed, changed };
}

/** A sample's outcome in one run (a `SampleResult` of a report, or a `RunSample` from the ledger). */
export interface OutcomeRow {
  path: string;
  outcome: Outcome;
  found: string[];
  reason?: string | null;
}

/** Samples whose outcome or found names differ between a run with A and a run with B (matched by path). */
export function diffOutcomes(a: readonly OutcomeRow[], b: readonly OutcomeRow[]): SampleChangeDiff[] {
  const byPath = new Map(a.map((r) => [r.path, r]));
  const out: SampleChangeDiff[] = [];
  for (const r of b) {
    const old = byPath.get(r.path);
    if (!old) continue;
    const gained = r.found.filter((n) => !old.found.includes(n));
    const lost = old.found.filter((n) => !r.found.includes(n));
    if (old.outcome === r.outcome && !gained.length && !lost.length) continue;
    out.push({
      path: r.path,
      before: { outcome: old.outcome, found: old.found },
      after: { outcome: r.outcome, found: r.found },
      gained,
      lost,
      ...(r.reason ? { reason: r.reason } : {}),
    });
  }
  return out;
}
