/**
 * The record set of a database as the ledger and `tgvx diff` see it: per record its id, revision,
 * name, status and a digest of everything the database stores for it, so a change is visible even
 * when the revision was not bumped.
 */
import { createHash } from "node:crypto";
import type { Database, RecordView, StatusName } from "@tgvx/engine";

export interface RecordEntry {
  /** Row in the database (records are stored sorted by id). */
  row: number;
  id: number;
  rev: number;
  name: string;
  status: StatusName;
  /** SHA-256 (hex) of the record's canonical content: detection, cleaning script, attributes, name, rev... */
  hash: string;
}

/** A record's content without its position in one particular database. */
export function recordContent(view: RecordView): Omit<RecordView, "row"> {
  const { row: _row, ...content } = view;
  return content;
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function recordHash(view: RecordView): string {
  return createHash("sha256").update(canonicalJson(recordContent(view))).digest("hex");
}

/** Every record of a database, in id order. */
export function recordSet(db: Database): RecordEntry[] {
  const out: RecordEntry[] = [];
  for (const row of db.rowsById()) {
    const view = db.record(row);
    out.push({ row, id: view.id, rev: view.rev, name: view.name, status: view.status, hash: recordHash(view) });
  }
  return out;
}

/** `0x1001`-style id, as records are written. */
export function formatId(id: number): string {
  return `0x${id.toString(16).toUpperCase()}`;
}
