/**
 * The release and test ledger: one SQLite file (better-sqlite3) recording every database seen
 * (by content SHA-256, with its record set), every release, and every test run per sample and per
 * record. WAL journal, synchronous=FULL, and every write one transaction: a process killed
 * mid-write leaves the ledger as it was before that write.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { openDatabase, type Database } from "@tgvx/engine";
import { LEDGER_APPLICATION_ID, LEDGER_MIGRATIONS, type LedgerMigration } from "./ledger-schema.js";
import { proofHolds, type ProofReport } from "./prove-samples.js";
import { recordSet, type RecordEntry } from "./record-set.js";
import type { DetectedRecord, Outcome } from "./sample-check.js";

/** Where the ledger lives unless `--ledger` or `$TGVX_LEDGER` says otherwise (relative to the project root; git-ignored). */
export const DEFAULT_LEDGER = ".tgvx/ledger.sqlite";

export type LedgerErrorCode = "NO_LEDGER" | "CANNOT_OPEN" | "NOT_A_LEDGER" | "NEWER_SCHEMA" | "RELEASE_CONFLICT" | "NOT_FOUND";

export class LedgerError extends Error {
  override readonly name = "LedgerError";
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RunMeta {
  /** The corpus the run was over: the real path of the samples directory. */
  corpus: string;
  dbPath?: string;
  /** ISO time the run started (default: now). */
  started?: string;
  /** The proof held and no detection was lost (unacknowledged). */
  ok: boolean;
  /** Detections lost against the baseline and not acknowledged. */
  lost: number;
  baselineRun?: number;
  commit?: string;
  toolVersion?: string;
}

export interface RunInfo {
  id: number;
  started: string;
  ms: number;
  sha256: string;
  dbVersion: number;
  dbPath: string | null;
  corpus: string;
  manifestSha256: string;
  samples: number;
  passed: number;
  failed: number;
  holds: boolean;
  ok: boolean;
  lost: number;
  baselineRun: number | null;
  workers: number;
  commit: string | null;
  toolVersion: string | null;
  /** Release versions of this run's database. */
  releases: string[];
}

export interface ReleaseInfo {
  id: number;
  version: string;
  sha256: string;
  dbVersion: number;
  date: string;
  signed: boolean;
  file: string | null;
  notes: string | null;
  records: number;
  /** The database bytes are in the ledger (the release can be tested and diffed without its file). */
  hasBytes: boolean;
}

export interface DatabaseRow {
  sha256: string;
  formatVersion: number;
  dbVersion: number;
  recordCount: number;
  buildTime: number;
  fileLength: number;
  firstSeen: string;
}

export interface RunSample {
  path: string;
  outcome: Outcome;
  expected: string[];
  found: string[];
  detected: DetectedRecord[];
  reason: string | null;
  cleaning: string | null;
  ms: number;
}

export interface StoredRecord {
  id: number;
  rev: number;
  name: string;
  status: string;
  hash: string;
}

interface RunRow {
  id: number;
  started: string;
  ms: number;
  sha256: string;
  db_version: number;
  db_path: string | null;
  corpus: string;
  manifest_sha256: string;
  samples: number;
  passed: number;
  failed: number;
  holds: number;
  ok: number;
  lost: number;
  baseline_run: number | null;
  workers: number;
  commit_id: string | null;
  tool_version: string | null;
  releases: string | null;
}

const RUN_SELECT = `
  SELECT r.*, d.db_version, (SELECT group_concat(version, ' ') FROM (SELECT version FROM releases WHERE sha256 = r.sha256 ORDER BY id)) AS releases
  FROM runs r JOIN databases d ON d.sha256 = r.sha256`;

const RELEASE_SELECT = `
  SELECT l.*, d.db_version, d.record_count, d.bytes IS NOT NULL AS has_bytes
  FROM releases l JOIN databases d ON d.sha256 = l.sha256`;

function toRun(r: RunRow): RunInfo {
  return {
    id: r.id,
    started: r.started,
    ms: r.ms,
    sha256: r.sha256,
    dbVersion: r.db_version,
    dbPath: r.db_path,
    corpus: r.corpus,
    manifestSha256: r.manifest_sha256,
    samples: r.samples,
    passed: r.passed,
    failed: r.failed,
    holds: !!r.holds,
    ok: !!r.ok,
    lost: r.lost,
    baselineRun: r.baseline_run,
    workers: r.workers,
    commit: r.commit_id,
    toolVersion: r.tool_version,
    releases: r.releases ? r.releases.split(" ") : [],
  };
}

interface ReleaseRow {
  id: number;
  version: string;
  sha256: string;
  db_version: number;
  date: string;
  signed: number;
  file: string | null;
  notes: string | null;
  record_count: number;
  has_bytes: number;
}

function toRelease(r: ReleaseRow): ReleaseInfo {
  return {
    id: r.id,
    version: r.version,
    sha256: r.sha256,
    dbVersion: r.db_version,
    date: r.date,
    signed: !!r.signed,
    file: r.file,
    notes: r.notes,
    records: r.record_count,
    hasBytes: !!r.has_bytes,
  };
}

export interface OpenOptions {
  /** Create the file (and its directory) when missing. Default true; false gives NO_LEDGER instead. */
  create?: boolean;
  /** @internal Migration steps (tests). */
  migrations?: readonly LedgerMigration[];
}

export class Ledger {
  private constructor(
    readonly path: string,
    /** @internal */ readonly sql: SQLite.Database,
  ) {}

  /** Open (and create or upgrade) a ledger. Throws `LedgerError`. */
  static open(path: string, options: OpenOptions = {}): Ledger {
    const abs = resolve(path);
    if (!existsSync(abs)) {
      if (options.create === false) throw new LedgerError("NO_LEDGER", `no ledger at ${abs}: \`tgvx test\` creates it on its first run`);
      try {
        mkdirSync(dirname(abs), { recursive: true });
      } catch (err) {
        throw new LedgerError("CANNOT_OPEN", `cannot create the ledger's folder ${dirname(abs)}: ${(err as Error).message}`);
      }
    }
    let sql: SQLite.Database;
    try {
      sql = new SQLite(abs);
    } catch (err) {
      throw new LedgerError("CANNOT_OPEN", `cannot open the ledger ${abs}: ${(err as Error).message}`);
    }
    try {
      sql.pragma("busy_timeout = 15000");
      sql.pragma("journal_mode = WAL");
      sql.pragma("synchronous = FULL");
      sql.pragma("foreign_keys = ON");
      migrate(sql, abs, options.migrations ?? LEDGER_MIGRATIONS);
    } catch (err) {
      sql.close();
      if (err instanceof LedgerError) throw err;
      const code = (err as { code?: string }).code;
      if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT")
        throw new LedgerError("NOT_A_LEDGER", `${abs} is not a tgvx ledger (${(err as Error).message}); point --ledger elsewhere or move the file away`);
      throw new LedgerError("CANNOT_OPEN", `cannot open the ledger ${abs}: ${(err as Error).message}`);
    }
    return new Ledger(abs, sql);
  }

  close(): void {
    if (this.sql.open) this.sql.close();
  }

  get schemaVersion(): number {
    return this.sql.pragma("user_version", { simple: true }) as number;
  }

  /**
   * Problems with the ledger's consistency, or [] when it is sound: SQLite's integrity check,
   * foreign keys, and every run and database wholly present (as many sample and record rows as
   * they declare).
   */
  check(): string[] {
    const problems: string[] = [];
    const integrity = this.sql.pragma("integrity_check") as { integrity_check: string }[];
    for (const r of integrity) if (r.integrity_check !== "ok") problems.push(`integrity: ${r.integrity_check}`);
    for (const r of this.sql.pragma("foreign_key_check") as { table: string; rowid: number; parent: string }[])
      problems.push(`foreign key: ${r.table} row ${r.rowid} points at a missing ${r.parent} row`);
    const runs = this.sql
      .prepare(
        `SELECT r.id, r.samples, (SELECT count(*) FROM run_samples s WHERE s.run_id = r.id) AS n,
                d.record_count, (SELECT count(*) FROM run_records x WHERE x.run_id = r.id) AS m
         FROM runs r JOIN databases d ON d.sha256 = r.sha256`,
      )
      .all() as { id: number; samples: number; n: number; record_count: number; m: number }[];
    for (const r of runs) {
      if (r.samples !== r.n) problems.push(`run ${r.id} declares ${r.samples} samples but has ${r.n} sample rows`);
      if (r.record_count !== r.m) problems.push(`run ${r.id} is over ${r.record_count} records but has ${r.m} record rows`);
    }
    const dbs = this.sql
      .prepare(`SELECT d.sha256, d.record_count, (SELECT count(*) FROM database_records x WHERE x.sha256 = d.sha256) AS n FROM databases d`)
      .all() as { sha256: string; record_count: number; n: number }[];
    for (const d of dbs) if (d.record_count !== d.n) problems.push(`database ${d.sha256} declares ${d.record_count} records but has ${d.n} record rows`);
    return problems;
  }

  /** @internal Insert a database and its record set unless known; fill in its bytes when given and missing. */
  addDatabase(info: Omit<DatabaseRow, "firstSeen">, records: readonly StoredRecord[], bytes?: Uint8Array): void {
    const inserted = this.sql
      .prepare(
        `INSERT OR IGNORE INTO databases (sha256, format_version, db_version, record_count, build_time, file_length, first_seen)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(info.sha256, info.formatVersion, info.dbVersion, info.recordCount, info.buildTime, info.fileLength, new Date().toISOString());
    if (inserted.changes) {
      const add = this.sql.prepare(`INSERT INTO database_records (sha256, record_id, rev, name, status, hash) VALUES (?, ?, ?, ?, ?, ?)`);
      for (const r of records) add.run(info.sha256, r.id, r.rev, r.name, r.status, r.hash);
    }
    if (bytes) this.sql.prepare(`UPDATE databases SET bytes = ? WHERE sha256 = ? AND bytes IS NULL`).run(bytes, info.sha256);
  }

  /** Record a test run: the run, every sample, every detection and every record's cost, in one transaction. */
  recordRun(report: ProofReport, meta: RunMeta): RunInfo {
    const write = this.sql.transaction((): number => {
      const d = report.database;
      this.addDatabase(
        { sha256: d.sha256, dbVersion: d.dbVersion, recordCount: d.records, formatVersion: d.formatVersion, buildTime: d.buildTime, fileLength: d.fileLength },
        report.records,
      );
      const run = this.sql
        .prepare(
          `INSERT INTO runs (started, ms, sha256, db_path, corpus, manifest_sha256, samples, passed, failed, holds, ok, lost, baseline_run, workers, commit_id, tool_version)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          meta.started ?? new Date().toISOString(),
          report.ms,
          report.database.sha256,
          meta.dbPath ?? null,
          meta.corpus,
          report.manifestSha256,
          report.counts.samples,
          report.counts.passed,
          report.counts.failed,
          proofHolds(report) ? 1 : 0,
          meta.ok ? 1 : 0,
          meta.lost,
          meta.baselineRun ?? null,
          report.workers,
          meta.commit ?? null,
          meta.toolVersion ?? null,
        );
      const id = Number(run.lastInsertRowid);
      const sample = this.sql.prepare(
        `INSERT INTO run_samples (run_id, path, outcome, expected, found, reason, cleaning, ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const detection = this.sql.prepare(`INSERT INTO run_detections (run_id, path, record_id, rev, name) VALUES (?, ?, ?, ?, ?)`);
      for (const s of report.results) {
        sample.run(id, s.path, s.outcome, JSON.stringify(s.expected), JSON.stringify(s.found), s.reason ?? null, s.cleaning?.got ?? null, s.ms);
        for (const d of s.detected) detection.run(id, s.path, d.id, d.rev, d.name);
      }
      const record = this.sql.prepare(
        `INSERT INTO run_records (run_id, record_id, expected, found, failures, candidates, crcs, ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const r of report.records) record.run(id, r.id, r.expected, r.found, r.failures, r.candidates, r.crcs, r.ms);
      return id;
    });
    return this.run(write.immediate())!;
  }

  run(id: number): RunInfo | undefined {
    const r = this.sql.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RunRow | undefined;
    return r && toRun(r);
  }

  /** Runs, newest first, optionally of one corpus / one database / only those that were ok. */
  runs(filter: { corpus?: string; sha256?: string; ok?: boolean; limit?: number } = {}): RunInfo[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.corpus !== undefined) (where.push("r.corpus = ?"), args.push(filter.corpus));
    if (filter.sha256 !== undefined) (where.push("r.sha256 = ?"), args.push(filter.sha256));
    if (filter.ok !== undefined) (where.push("r.ok = ?"), args.push(filter.ok ? 1 : 0));
    const sql = `${RUN_SELECT}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY r.id DESC${filter.limit ? ` LIMIT ${Math.floor(filter.limit)}` : ""}`;
    return (this.sql.prepare(sql).all(...args) as RunRow[]).map(toRun);
  }

  /** The corpora (real paths of samples directories) the ledger has runs over. */
  corpora(): string[] {
    return this.sql.prepare(`SELECT DISTINCT corpus FROM runs ORDER BY corpus`).pluck().all() as string[];
  }

  /** Every sample of a run with what was expected and found. */
  runSamples(runId: number): RunSample[] {
    const rows = this.sql
      .prepare(`SELECT path, outcome, expected, found, reason, cleaning, ms FROM run_samples WHERE run_id = ? ORDER BY path`)
      .all(runId) as { path: string; outcome: Outcome; expected: string; found: string; reason: string | null; cleaning: string | null; ms: number }[];
    const detections = this.sql.prepare(`SELECT path, record_id, rev, name FROM run_detections WHERE run_id = ? ORDER BY path, record_id`).all(runId) as {
      path: string;
      record_id: number;
      rev: number;
      name: string;
    }[];
    const byPath = new Map<string, DetectedRecord[]>();
    for (const d of detections) {
      let l = byPath.get(d.path);
      if (!l) byPath.set(d.path, (l = []));
      l.push({ id: d.record_id, rev: d.rev, name: d.name });
    }
    return rows.map((r) => ({ ...r, expected: JSON.parse(r.expected), found: JSON.parse(r.found), detected: byPath.get(r.path) ?? [] }));
  }

  releases(): ReleaseInfo[] {
    return (this.sql.prepare(`${RELEASE_SELECT} ORDER BY l.id`).all() as ReleaseRow[]).map(toRelease);
  }

  release(version: string): ReleaseInfo | undefined {
    const r = this.sql.prepare(`${RELEASE_SELECT} WHERE l.version = ?`).get(version) as ReleaseRow | undefined;
    return r && toRelease(r);
  }

  database(sha256: string): DatabaseRow | undefined {
    const r = this.sql.prepare(`SELECT * FROM databases WHERE sha256 = ?`).get(sha256) as
      | { sha256: string; format_version: number; db_version: number; record_count: number; build_time: number; file_length: number; first_seen: string }
      | undefined;
    return (
      r && {
        sha256: r.sha256,
        formatVersion: r.format_version,
        dbVersion: r.db_version,
        recordCount: r.record_count,
        buildTime: r.build_time,
        fileLength: r.file_length,
        firstSeen: r.first_seen,
      }
    );
  }

  /** The stored bytes of a database (releases keep theirs), or undefined. */
  databaseBytes(sha256: string): Uint8Array | undefined {
    const r = this.sql.prepare(`SELECT bytes FROM databases WHERE sha256 = ?`).get(sha256) as { bytes: Buffer | null } | undefined;
    return r?.bytes ? new Uint8Array(r.bytes) : undefined;
  }

  /** The record set of a database the ledger has seen, in id order. */
  databaseRecords(sha256: string): StoredRecord[] {
    return (
      this.sql.prepare(`SELECT record_id, rev, name, status, hash FROM database_records WHERE sha256 = ? ORDER BY record_id`).all(sha256) as {
        record_id: number;
        rev: number;
        name: string;
        status: string;
        hash: string;
      }[]
    ).map((r) => ({ id: r.record_id, rev: r.rev, name: r.name, status: r.status, hash: r.hash }));
  }
}

/** Bring a ledger to the last schema version, one transaction per step; refuse a newer ledger. */
function migrate(sql: SQLite.Database, path: string, steps: readonly LedgerMigration[]): void {
  const latest = steps.length ? steps[steps.length - 1].version : 0;
  const version = () => sql.pragma("user_version", { simple: true }) as number;
  const appId = sql.pragma("application_id", { simple: true }) as number;
  const tables = sql.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'`).get() as { n: number };
  if (appId !== LEDGER_APPLICATION_ID && (appId !== 0 || tables.n > 0))
    throw new LedgerError("NOT_A_LEDGER", `${path} is an SQLite file but not a tgvx ledger; point --ledger elsewhere`);
  const newer = (v: number) =>
    new LedgerError("NEWER_SCHEMA", `the ledger ${path} has schema version ${v}, newer than this tgvx knows (${latest}): update tgvx`);
  if (version() > latest) throw newer(version());
  if (version() === latest) return;
  for (const step of steps) {
    // Re-read inside each write transaction: another process may have migrated meanwhile.
    sql
      .transaction(() => {
        const now = version();
        if (now > latest) throw newer(now);
        if (now >= step.version) return;
        sql.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`);
        sql.exec(step.sql);
        sql.prepare(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`).run(step.version, step.name, new Date().toISOString());
        sql.pragma(`user_version = ${step.version}`);
      })
      .immediate();
  }
}

export interface ReleaseOptions {
  /** Release version (default: the database version from the header). */
  version?: string;
  /** ISO date (default: now). */
  date?: string;
  /** Where the released file is, for people. */
  file?: string;
  notes?: string;
  /** Keep the database bytes in the ledger so the release can be tested and diffed later (default true). */
  keepBytes?: boolean;
}

/**
 * Record a release: the database (verified: digest and structure), its record set and the release
 * row, in one transaction. Recording the same version for the same database again is a no-op;
 * the same version for another database is a `RELEASE_CONFLICT`.
 */
export async function recordRelease(ledger: Ledger, database: Uint8Array | Database, options: ReleaseOptions = {}): Promise<ReleaseInfo> {
  const db = database instanceof Uint8Array ? await openDatabase(database) : database;
  const info = db.info;
  const version = options.version ?? String(info.dbVersion);
  const records: RecordEntry[] = recordSet(db);
  const write = ledger.sql.transaction(() => {
    const existing = ledger.release(version);
    if (existing) {
      if (existing.sha256 !== info.sha256)
        throw new LedgerError(
          "RELEASE_CONFLICT",
          `release ${version} is already recorded for database ${existing.sha256.slice(0, 12)}, not ${info.sha256.slice(0, 12)}: a release version names one database`,
        );
      if (options.keepBytes !== false) ledger.sql.prepare(`UPDATE databases SET bytes = ? WHERE sha256 = ? AND bytes IS NULL`).run(db.bytes, info.sha256);
      return;
    }
    ledger.addDatabase(
      {
        sha256: info.sha256,
        formatVersion: info.formatVersion,
        dbVersion: info.dbVersion,
        recordCount: info.recordCount,
        buildTime: info.buildTime,
        fileLength: info.fileLength,
      },
      records,
      options.keepBytes === false ? undefined : db.bytes,
    );
    ledger.sql
      .prepare(`INSERT INTO releases (version, sha256, date, signed, file, notes) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(version, info.sha256, options.date ?? new Date().toISOString(), info.signed ? 1 : 0, options.file ?? null, options.notes ?? null);
  });
  write.immediate();
  return ledger.release(version)!;
}
