/**
 * A live engine whose database can be replaced while it serves scans. An `Engine` never changes
 * its database; the holder points at the current one and swaps the pointer once a new database
 * has been verified and loaded. A scan runs on the engine it started with (scans are synchronous,
 * and a caller that spreads work over time keeps the `engine` it took), so scans in flight finish
 * on the old database and the next scan gets the new one. A refused database or patch leaves the
 * current engine in place.
 */
import { applyPatches, type PatchResult } from "./apply-patch.js";
import { Engine, type CleanOptions, type CleanResult, type LoadOptions, type ScanOptions, type ScanResult } from "./engine.js";

export interface SwapResult {
  /** The engine that served until now (scans holding it may still be running). */
  previous: Engine;
  /** The engine new scans get. */
  engine: Engine;
}

export class EngineHolder {
  private current: Engine;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param engine the engine to start with
   * @param options how every later database is accepted (trusted keys, modules); a swap also
   *   requires a version above the current one
   */
  constructor(
    engine: Engine,
    readonly options: LoadOptions = {},
  ) {
    this.current = engine;
  }

  /** Verify and load the first database. Throws `DatabaseError`. */
  static async load(bytes: Uint8Array, options: LoadOptions = {}): Promise<EngineHolder> {
    return new EngineHolder(await Engine.load(bytes, options), options);
  }

  /** The engine for a new scan. Take it once and keep it for work that must see one database. */
  get engine(): Engine {
    return this.current;
  }

  scan(bytes: Uint8Array, options?: ScanOptions): ScanResult {
    return this.current.scan(bytes, options);
  }

  clean(bytes: Uint8Array, options?: CleanOptions): CleanResult {
    return this.current.clean(bytes, options);
  }

  /**
   * Verify and load `bytes` as the holder's options say, require a version above the current one,
   * then make it current. Throws `DatabaseError` (the current engine stays). Swaps run one at a
   * time, in call order.
   */
  swap(bytes: Uint8Array): Promise<SwapResult> {
    return this.serial(async () => {
      const next = await Engine.load(bytes, { ...this.options, newerThan: this.current.info.dbVersion });
      return this.install(next);
    });
  }

  /**
   * Apply a chain of signed patches to the current database (`applyPatches`, with the holder's
   * trusted keys), load the result and make it current. Returns the new database bytes so the
   * caller can store them (`updateDatabaseFile` in `@tgvx/engine/node` does the file side).
   * Throws `PatchError` or `DatabaseError`; the current engine stays.
   */
  update(patches: readonly Uint8Array[]): Promise<Partial<SwapResult> & { patch: PatchResult; swapped: boolean }> {
    return this.serial(async () => {
      const patch = await applyPatches(this.current.db.bytes, patches, { trustedKeys: this.options.trustedKeys ?? [] });
      if (patch.sha256 === this.current.info.sha256) return { patch, swapped: false };
      const next = await Engine.load(patch.bytes, { ...this.options, newerThan: this.current.info.dbVersion });
      return { patch, swapped: true, ...this.install(next) };
    });
  }

  private install(next: Engine): SwapResult {
    const previous = this.current;
    this.current = next;
    return { previous, engine: next };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }
}
