/**
 * The compile cache: the validated records of each record file, so that `tgvx compile` does not
 * parse again a file whose text it has seen. One entry per file (by its absolute path), holding
 * the key it was made for, SHA-256 of the loader's version and schema and of the file's text, so
 * that a changed file, a changed schema or another tool version simply misses.
 *
 * The cache is untrusted input: an entry that is torn, edited or made by something else fails its
 * own SHA-256 or the loader's checks (schema, record types) and is ignored, the file is parsed and
 * the entry written again; the worst a bad cache can do is cost a parse. Entries are written to a
 * temporary file and renamed into place. Entries of files that no longer exist are pruned when the
 * cache is flushed, so it holds at most one entry per record file still there.
 *
 * Entry layout (UTF-8): one line of JSON header
 *   {"format":"tgvx compile cache 1","path":ABS,"key":HEX,"sha256":HEX,"records":N}
 * then the records as JSON; `sha256` is over those JSON bytes.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { recordCacheVersion, type RecordCache, type SourceText, type VirusRecord } from "@tgvx/records";

const FORMAT = "tgvx compile cache 1";
const ENTRY = /^[0-9a-f]{40}\.json$/;
const TEMP = /^[0-9a-f]{40}\.json\.tmp-/;
/** A temporary file older than this was left by a run that died: removed when pruning. */
const STALE_TEMP_MS = 10 * 60 * 1000;

export interface CompileCacheStats {
  dir: string;
  /** Record files whose records came from the cache. */
  hits: number;
  /** Record files parsed: no entry, a stale one (the file changed), or a rejected one. */
  misses: number;
  /** Entries ignored because they were damaged (a torn write, an edit, another format). */
  rejected: number;
  /** Entries written. */
  written: number;
  /** Entries removed: their file is gone, or they were stale and could not be replaced. */
  pruned: number;
}

interface Header {
  format: string;
  path: string;
  key: string;
  sha256: string;
  records: number;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

let versionDigest: string | undefined;

export class CompileCache implements RecordCache {
  readonly dir: string;
  private readonly cwd: string;
  private readonly pending = new Map<string, Buffer>();
  /** Entry files this run looked at, for files that exist: never pruned. */
  private readonly touched = new Set<string>();
  /** Entry files found stale or rejected: removed at flush unless written again. */
  private readonly stale = new Set<string>();
  private readonly counts = { hits: 0, misses: 0, rejected: 0, written: 0, pruned: 0 };

  constructor(dir: string, options: { cwd?: string } = {}) {
    this.cwd = options.cwd ?? process.cwd();
    this.dir = resolve(this.cwd, dir);
    versionDigest ??= sha256(recordCacheVersion());
  }

  get stats(): CompileCacheStats {
    return { dir: this.dir, ...this.counts };
  }

  /** Where a source's entry is and the key it needs (hashed once per source). */
  private locate(src: SourceText): { file: string; path: string; key: string } {
    let at = this.located.get(src);
    if (!at) {
      const path = resolve(this.cwd, src.path);
      at = { path, file: join(this.dir, sha256(path).slice(0, 40) + ".json"), key: sha256(versionDigest + "\n" + src.text) };
      this.located.set(src, at);
    }
    return at;
  }
  private readonly located = new WeakMap<SourceText, { file: string; path: string; key: string }>();

  get(src: SourceText): unknown {
    const { file, path, key } = this.locate(src);
    this.touched.add(file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      this.counts.misses++;
      return undefined;
    }
    const nl = bytes.indexOf(0x0a);
    let header: Header | undefined;
    try {
      header = JSON.parse(bytes.subarray(0, nl < 0 ? bytes.length : nl).toString("utf8")) as Header;
    } catch {
      header = undefined;
    }
    if (!header || header.format !== FORMAT || header.path !== path || nl < 0) return this.reject(file);
    if (header.key !== key) {
      // The file changed since (or the tool did): an ordinary miss, replaced below if it loads cleanly.
      this.stale.add(file);
      this.counts.misses++;
      return undefined;
    }
    const body = bytes.subarray(nl + 1);
    if (sha256(body) !== header.sha256) return this.reject(file);
    let records: unknown;
    try {
      records = JSON.parse(body.toString("utf8"));
    } catch {
      return this.reject(file);
    }
    if (!Array.isArray(records) || records.length !== header.records) return this.reject(file);
    this.counts.hits++;
    return records;
  }

  /** The loader refused what `get` gave (it checks it like a parsed file): not a hit after all. */
  rejected(src: SourceText): void {
    this.counts.hits--;
    this.reject(this.locate(src).file);
  }

  private reject(file: string): undefined {
    this.stale.add(file);
    this.counts.rejected++;
    this.counts.misses++;
    return undefined;
  }

  set(src: SourceText, records: readonly VirusRecord[]): void {
    if (!records.every(exactAsJson)) return; // NaN, -0, ... would not come back as they were
    const { file, path, key } = this.locate(src);
    const body = Buffer.from(JSON.stringify(records), "utf8");
    const header: Header = { format: FORMAT, path, key, sha256: sha256(body), records: records.length };
    this.touched.add(file);
    this.stale.delete(file);
    this.pending.set(file, Buffer.concat([Buffer.from(JSON.stringify(header) + "\n", "utf8"), body]));
  }

  /**
   * Write the new entries (each to a temporary file, renamed into place) and prune: entries found
   * damaged or stale and not replaced, entries whose file no longer exists, temporary files left by
   * runs that died. Problems writing the cache never fail a compile: the cache is an optimisation.
   */
  flush(): CompileCacheStats {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch {
      return this.stats;
    }
    for (const [file, text] of this.pending) {
      const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        writeFileSync(tmp, text);
        renameSync(tmp, file);
        this.counts.written++;
      } catch {
        try {
          unlinkSync(tmp);
        } catch {
          // already gone
        }
      }
    }
    this.pending.clear();
    for (const file of this.stale) this.remove(file);
    this.stale.clear();
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return this.stats;
    }
    const now = Date.now();
    for (const name of names) {
      const file = join(this.dir, name);
      if (TEMP.test(name)) {
        try {
          if (now - statSync(file).mtimeMs > STALE_TEMP_MS) this.remove(file);
        } catch {
          // taken away meanwhile
        }
      } else if (ENTRY.test(name) && !this.touched.has(file)) {
        const path = entryPath(file);
        if (path === undefined || !existsSync(path)) this.remove(file);
      }
    }
    return this.stats;
  }

  private remove(file: string): void {
    try {
      unlinkSync(file);
      this.counts.pruned++;
    } catch {
      // already gone
    }
  }
}

/** The source path an entry was made for, from its header line; undefined when unreadable. */
function entryPath(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const buf = Buffer.alloc(8192);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const nl = buf.subarray(0, n).indexOf(0x0a);
    if (nl < 0) return undefined;
    const header = JSON.parse(buf.subarray(0, nl).toString("utf8")) as Partial<Header>;
    return header.format === FORMAT && typeof header.path === "string" ? header.path : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether JSON gives this value back exactly: finite numbers other than -0, plain objects and arrays. */
function exactAsJson(v: unknown): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v !== "object") return false;
  if (Array.isArray(v)) return v.every(exactAsJson);
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const k in v) if (!exactAsJson((v as Record<string, unknown>)[k])) return false;
  return true;
}
