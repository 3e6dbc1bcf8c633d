/**
 * Questions the ledger answers about one sample or one record: when it was first detected, by
 * which release, and what changed since (run by run, per corpus).
 */
import type { Ledger, RunInfo } from "./ledger.js";
import type { Outcome } from "./sample-check.js";

export interface SampleChange {
  run: RunInfo;
  outcome: Outcome;
  found: string[];
  /** Names found now and not in the run before (all of `found` on the first run). */
  gained: string[];
  /** Names found in the run before and not now. */
  lost: string[];
  reason: string | null;
}

export interface SampleTimeline {
  corpus: string;
  runs: number;
  /** The first run that found anything in it. */
  firstDetected?: { run: RunInfo; found: string[] };
  /** The earliest release whose database, in a recorded run, found anything in it. */
  firstRelease?: { version: string; run: RunInfo };
  /** The first run, then every run whose outcome or found names differ from the run before. */
  changes: SampleChange[];
  last: SampleChange;
}

export interface SampleHistory {
  path: string;
  timelines: SampleTimeline[];
}

interface SampleRunRow {
  run_id: number;
  corpus: string;
  outcome: Outcome;
  found: string;
  reason: string | null;
}

export function sampleHistory(ledger: Ledger, path: string, corpus?: string): SampleHistory | undefined {
  const rows = ledger.sql
    .prepare(
      `SELECT s.run_id, r.corpus, s.outcome, s.found, s.reason FROM run_samples s JOIN runs r ON r.id = s.run_id
       WHERE s.path = ?${corpus !== undefined ? " AND r.corpus = ?" : ""} ORDER BY s.run_id`,
    )
    .all(...(corpus !== undefined ? [path, corpus] : [path])) as SampleRunRow[];
  if (!rows.length) return undefined;
  const runs = new Map<number, RunInfo>();
  const runOf = (id: number) => {
    let r = runs.get(id);
    if (!r) runs.set(id, (r = ledger.run(id)!));
    return r;
  };
  const releaseOrder = new Map(ledger.releases().map((r, i) => [r.version, i]));
  const timelines: SampleTimeline[] = [];
  for (const c of [...new Set(rows.map((r) => r.corpus))]) {
    const mine = rows.filter((r) => r.corpus === c);
    const changes: SampleChange[] = [];
    let prev: { outcome: Outcome; found: string[] } | undefined;
    let last: SampleChange | undefined;
    let firstDetected: SampleTimeline["firstDetected"];
    let firstRelease: SampleTimeline["firstRelease"];
    for (const row of mine) {
      const found = JSON.parse(row.found) as string[];
      const run = runOf(row.run_id);
      const change: SampleChange = {
        run,
        outcome: row.outcome,
        found,
        gained: found.filter((n) => !prev?.found.includes(n)),
        lost: prev ? prev.found.filter((n) => !found.includes(n)) : [],
        reason: row.reason,
      };
      if (!prev || prev.outcome !== row.outcome || change.gained.length || change.lost.length) changes.push(change);
      if (found.length) {
        firstDetected ??= { run, found };
        for (const v of run.releases)
          if (!firstRelease || releaseOrder.get(v)! < releaseOrder.get(firstRelease.version)!) firstRelease = { version: v, run };
      }
      prev = { outcome: row.outcome, found };
      last = change;
    }
    timelines.push({ corpus: c, runs: mine.length, firstDetected, firstRelease, changes, last: last! });
  }
  return { path, timelines };
}

export interface RecordRevision {
  rev: number;
  hash: string;
  name: string;
  status: string;
  /** When a database with this revision was first seen by the ledger. */
  firstSeen: string;
  /** Databases (tested or released) that carry it. */
  databases: number;
  /** The first release that carries it. */
  firstRelease?: string;
}

export interface RecordInRelease {
  version: string;
  date: string;
  /** added: first release with it; changed: other content than the release before; removed: gone since the release before. */
  change: "added" | "changed" | "same" | "removed" | "absent";
  rev?: number;
}

export interface RecordDetectionChange {
  run: RunInfo;
  /** The record's revision in that run's database; undefined: the database does not have the record. */
  rev?: number;
  samples: string[];
  gained: string[];
  lost: string[];
}

export interface RecordTimeline {
  corpus: string;
  runs: number;
  firstDetected?: { run: RunInfo; samples: string[] };
  /** The earliest release whose database, in a recorded run, detected at least one sample with it. */
  firstDetectingRelease?: { version: string; run: RunInfo };
  /** The first run with the record in its database, then every run whose detected samples (or presence) changed. */
  changes: RecordDetectionChange[];
  /** Cost and coverage in the last run with the record. */
  last?: { run: RunInfo; expected: number; found: number; failures: number; candidates: number; crcs: number; ms: number };
}

export interface RecordHistory {
  id: number;
  names: string[];
  revisions: RecordRevision[];
  releases: RecordInRelease[];
  timelines: RecordTimeline[];
}

/** Record ids a query names: a number (0x1001 or 4097) or an exact record name. */
export function findRecordIds(ledger: Ledger, query: string): number[] {
  const n = /^0x[0-9a-f]+$/i.test(query) ? parseInt(query, 16) : /^\d+$/.test(query) ? Number(query) : undefined;
  const ids =
    n !== undefined
      ? (ledger.sql.prepare(`SELECT DISTINCT record_id FROM database_records WHERE record_id = ?`).all(n) as { record_id: number }[])
      : (ledger.sql.prepare(`SELECT DISTINCT record_id FROM database_records WHERE name = ? ORDER BY record_id`).all(query) as { record_id: number }[]);
  return ids.map((r) => r.record_id);
}

export function recordHistory(ledger: Ledger, id: number, corpus?: string): RecordHistory | undefined {
  const revisions = ledger.sql
    .prepare(
      `SELECT x.rev, x.hash, x.name, x.status, min(d.first_seen) AS first_seen, count(*) AS dbs
       FROM database_records x JOIN databases d ON d.sha256 = x.sha256
       WHERE x.record_id = ? GROUP BY x.rev, x.hash ORDER BY first_seen, x.rev`,
    )
    .all(id) as { rev: number; hash: string; name: string; status: string; first_seen: string; dbs: number }[];
  if (!revisions.length) return undefined;
  const releases: RecordInRelease[] = [];
  const revFirstRelease = new Map<string, string>();
  let before: { hash: string } | undefined;
  for (const rel of ledger.releases()) {
    const row = ledger.sql.prepare(`SELECT rev, hash FROM database_records WHERE sha256 = ? AND record_id = ?`).get(rel.sha256, id) as
      | { rev: number; hash: string }
      | undefined;
    const change: RecordInRelease["change"] = row ? (!before ? "added" : before.hash === row.hash ? "same" : "changed") : before ? "removed" : "absent";
    releases.push({ version: rel.version, date: rel.date, change, ...(row ? { rev: row.rev } : {}) });
    if (row && !revFirstRelease.has(row.hash)) revFirstRelease.set(row.hash, rel.version);
    before = row;
  }
  const runs = ledger.sql
    .prepare(
      `SELECT r.id, r.corpus, x.rev FROM runs r LEFT JOIN database_records x ON x.sha256 = r.sha256 AND x.record_id = ?
       ${corpus !== undefined ? "WHERE r.corpus = ?" : ""} ORDER BY r.id`,
    )
    .all(...(corpus !== undefined ? [id, corpus] : [id])) as { id: number; corpus: string; rev: number | null }[];
  const detections = ledger.sql.prepare(`SELECT run_id, path FROM run_detections WHERE record_id = ? ORDER BY run_id, path`).all(id) as {
    run_id: number;
    path: string;
  }[];
  const samplesOf = new Map<number, string[]>();
  for (const d of detections) {
    let l = samplesOf.get(d.run_id);
    if (!l) samplesOf.set(d.run_id, (l = []));
    l.push(d.path);
  }
  const releaseOrder = new Map(ledger.releases().map((r, i) => [r.version, i]));
  const costOf = ledger.sql.prepare(`SELECT expected, found, failures, candidates, crcs, ms FROM run_records WHERE run_id = ? AND record_id = ?`);
  const timelines: RecordTimeline[] = [];
  for (const c of [...new Set(runs.map((r) => r.corpus))]) {
    const mine = runs.filter((r) => r.corpus === c);
    const changes: RecordDetectionChange[] = [];
    let prev: { rev?: number; samples: string[] } | undefined;
    let firstDetected: RecordTimeline["firstDetected"];
    let firstDetectingRelease: RecordTimeline["firstDetectingRelease"];
    let lastWith: number | undefined;
    for (const r of mine) {
      const rev = r.rev ?? undefined;
      if (!prev && rev === undefined) continue; // before the record existed
      const samples = samplesOf.get(r.id) ?? [];
      const gained = samples.filter((p) => !prev?.samples.includes(p));
      const lost = prev ? prev.samples.filter((p) => !samples.includes(p)) : [];
      if (!prev || gained.length || lost.length || (prev.rev === undefined) !== (rev === undefined)) changes.push({ run: ledger.run(r.id)!, rev, samples, gained, lost });
      if (samples.length) {
        const run = changes.at(-1)?.run.id === r.id ? changes.at(-1)!.run : ledger.run(r.id)!;
        firstDetected ??= { run, samples };
        for (const v of run.releases)
          if (!firstDetectingRelease || releaseOrder.get(v)! < releaseOrder.get(firstDetectingRelease.version)!) firstDetectingRelease = { version: v, run };
      }
      if (rev !== undefined) lastWith = r.id;
      prev = { rev, samples };
    }
    const cost = lastWith !== undefined ? (costOf.get(lastWith, id) as Omit<NonNullable<RecordTimeline["last"]>, "run"> | undefined) : undefined;
    timelines.push({
      corpus: c,
      runs: mine.length,
      firstDetected,
      firstDetectingRelease,
      changes,
      ...(cost && lastWith !== undefined ? { last: { run: ledger.run(lastWith)!, ...cost } } : {}),
    });
  }
  return {
    id,
    names: [...new Set(revisions.map((r) => r.name))],
    revisions: revisions.map((r) => ({
      rev: r.rev,
      hash: r.hash,
      name: r.name,
      status: r.status,
      firstSeen: r.first_seen,
      databases: r.dbs,
      ...(revFirstRelease.has(r.hash) ? { firstRelease: revFirstRelease.get(r.hash) } : {}),
    })),
    releases,
    timelines,
  };
}
