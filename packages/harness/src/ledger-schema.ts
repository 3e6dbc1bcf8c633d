/**
 * The ledger's schema, as ordered migration steps. A step is applied once, in one transaction
 * with its row in `schema_migrations` and `PRAGMA user_version`; a ledger written by a newer tgvx
 * (a version above the last step here) is refused rather than guessed at. Never edit a step that
 * has shipped: add the next one.
 */

export interface LedgerMigration {
  version: number;
  name: string;
  sql: string;
}

/** `PRAGMA application_id` of a tgvx ledger: "tgvx" in ASCII. */
export const LEDGER_APPLICATION_ID = 0x74677678;

export const LEDGER_MIGRATIONS: readonly LedgerMigration[] = [
  {
    version: 1,
    name: "databases, releases, test runs",
    sql: `
      PRAGMA application_id = ${LEDGER_APPLICATION_ID};

      -- Every database the ledger has seen, by the SHA-256 of its content (the header digest:
      -- a signed and an unsigned build of the same records share it). bytes: kept for releases,
      -- so a release can be tested again and diffed without its file.
      CREATE TABLE databases (
        sha256         TEXT PRIMARY KEY,
        format_version INTEGER NOT NULL,
        db_version     INTEGER NOT NULL,
        record_count   INTEGER NOT NULL,
        build_time     INTEGER NOT NULL,
        file_length    INTEGER NOT NULL,
        first_seen     TEXT NOT NULL,
        bytes          BLOB
      );

      -- The record set of each database: id, revision, name, status and content digest.
      CREATE TABLE database_records (
        sha256    TEXT NOT NULL REFERENCES databases(sha256) ON DELETE CASCADE,
        record_id INTEGER NOT NULL,
        rev       INTEGER NOT NULL,
        name      TEXT NOT NULL,
        status    TEXT NOT NULL,
        hash      TEXT NOT NULL,
        PRIMARY KEY (sha256, record_id)
      ) WITHOUT ROWID;
      CREATE INDEX database_records_by_id ON database_records (record_id);
      CREATE INDEX database_records_by_name ON database_records (name);

      CREATE TABLE releases (
        id      INTEGER PRIMARY KEY,
        version TEXT NOT NULL UNIQUE,
        sha256  TEXT NOT NULL REFERENCES databases(sha256),
        date    TEXT NOT NULL,
        signed  INTEGER NOT NULL,
        file    TEXT,
        notes   TEXT
      );
      CREATE INDEX releases_by_sha256 ON releases (sha256);

      -- One row per \`tgvx test\`: holds = the proof held; ok = it held and no detection was lost
      -- (unacknowledged) against the baseline.
      CREATE TABLE runs (
        id              INTEGER PRIMARY KEY,
        started         TEXT NOT NULL,
        ms              REAL NOT NULL,
        sha256          TEXT NOT NULL REFERENCES databases(sha256),
        db_path         TEXT,
        corpus          TEXT NOT NULL,
        manifest_sha256 TEXT NOT NULL,
        samples         INTEGER NOT NULL,
        passed          INTEGER NOT NULL,
        failed          INTEGER NOT NULL,
        holds           INTEGER NOT NULL,
        ok              INTEGER NOT NULL,
        lost            INTEGER NOT NULL,
        baseline_run    INTEGER REFERENCES runs(id),
        workers         INTEGER NOT NULL,
        commit_id       TEXT,
        tool_version    TEXT
      );
      CREATE INDEX runs_by_corpus ON runs (corpus, id);
      CREATE INDEX runs_by_sha256 ON runs (sha256, id);

      -- Per sample and run: outcome, the names expected and found (JSON arrays), timing.
      CREATE TABLE run_samples (
        run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        path     TEXT NOT NULL,
        outcome  TEXT NOT NULL,
        expected TEXT NOT NULL,
        found    TEXT NOT NULL,
        reason   TEXT,
        cleaning TEXT,
        ms       REAL NOT NULL,
        PRIMARY KEY (run_id, path)
      ) WITHOUT ROWID;
      CREATE INDEX run_samples_by_path ON run_samples (path, run_id);

      -- Which record was reported in which sample, by id (names may change; ids do not).
      CREATE TABLE run_detections (
        run_id    INTEGER NOT NULL,
        path      TEXT NOT NULL,
        record_id INTEGER NOT NULL,
        rev       INTEGER NOT NULL,
        name      TEXT NOT NULL,
        PRIMARY KEY (run_id, path, record_id),
        FOREIGN KEY (run_id, path) REFERENCES run_samples (run_id, path) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE INDEX run_detections_by_record ON run_detections (record_id, run_id);

      -- Per record and run: coverage and the cost seen on the corpus.
      CREATE TABLE run_records (
        run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        record_id  INTEGER NOT NULL,
        expected   INTEGER NOT NULL,
        found      INTEGER NOT NULL,
        failures   INTEGER NOT NULL,
        candidates INTEGER NOT NULL,
        crcs       INTEGER NOT NULL,
        ms         REAL NOT NULL,
        PRIMARY KEY (run_id, record_id)
      ) WITHOUT ROWID;
      CREATE INDEX run_records_by_record ON run_records (record_id, run_id);
    `,
  },
];
