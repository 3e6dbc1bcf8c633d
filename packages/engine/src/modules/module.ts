/**
 * Modules: code in the engine that a record hands detection or cleaning to, driven by the record's
 * arguments (the seed design's record types 1 and 2, and the processing module of types 3 and 4).
 *
 *   type 1  the module detects, with the record's `args`; cleaning: its `process` (if any), then
 *           the record's script (if any)
 *   type 2  the module detects and processes on its own (no args)
 *   type 3/4  detection by feature code; `module` names a processing module that runs before the
 *           record's script (or instead of it, when there is no script)
 *
 * A module sees the object only through `ModuleObject` reads, which are bounds-checked and counted
 * against the call's byte budget, and must call `ctx.step()` in every loop, which throws once the
 * call's time is up. The engine catches whatever a module throws: the object gets a warning that
 * names the module, and the scan goes on. JavaScript cannot interrupt a synchronous loop from the
 * outside, so a module that loops without ever reading or calling `step()` would hang its thread;
 * the budget is cooperative, and the built-in modules are written to it. Run code you do not trust
 * in a worker you can terminate.
 *
 * No Node API here: modules run wherever the engine does.
 */
import type { z } from "zod";
import { Anchor, NO_ANCHOR, type AnchorName, type FileTypeName } from "../file-type.js";

/** What a module may read of the object: every read is bounds-checked and counted against the call's budget. */
export interface ModuleObject {
  readonly size: number;
  /** Name or path the object was scanned under, if any. */
  readonly name: string | undefined;
  /** Its file types ([] = unknown). */
  readonly types: readonly FileTypeName[];
  /** Object offset of an anchor, or -1 when the object has none (no entry point, no COM jump). */
  anchor(name: AnchorName): number;
  u8(pos: number): number;
  u16(pos: number): number;
  u32(pos: number): number;
  /** A copy of `length` bytes at `pos` (the object itself is never exposed: a module cannot change what is scanned). */
  bytes(pos: number, length: number): Uint8Array;
  /** A copy of the whole object that the module may change (a processing module's output). */
  copy(): Uint8Array;
}

export interface ModuleContext {
  /** Account for `units` of work (default 1, e.g. one loop iteration); throws when the call's time is up. */
  step(units?: number): void;
  /** The record the module runs for (name), for messages. */
  readonly record: string;
}

export interface ProcessContext extends ModuleContext {
  /** The detection being cleaned: the anchor it was measured from and where its code was found. */
  readonly detection: { anchor: AnchorName; anchorOffset: number; offset: number };
}

/** A module's detection: where it found the code (`at`, the script's `code`), measured from `anchor` (default start). */
export interface ModuleMatch {
  at: number;
  anchor?: AnchorName;
}

/** What a processing module does: give the cleaned object, say the whole object is the threat, or refuse with why. */
export type ModuleProcessResult = { output: Uint8Array } | { remove: true } | { refuse: string };

export interface TgvxModule<A = unknown> {
  /** Lower-case, digits and dashes, as records write it (`module: xor-add`). */
  name: string;
  version: string;
  /** One line: what it detects or processes. */
  description: string;
  /**
   * The record's `args`, checked by the compiler and the linter (with positions) and again on
   * load; the parsed value is what `detect`/`process` receive. Modules for type 2 records take no
   * args: their schema accepts `undefined`.
   */
  args: z.ZodType<A>;
  detect?(object: ModuleObject, args: A, ctx: ModuleContext): ModuleMatch | undefined;
  process?(object: ModuleObject, args: A, ctx: ProcessContext): ModuleProcessResult;
}

// Modules of any argument type live together in a registry.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = TgvxModule<any>;

export const MODULE_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

/** Modules an engine provides, by name. `builtInModules()` gives a registry holding the engine's own. */
export class ModuleRegistry {
  private readonly byName = new Map<string, AnyModule>();

  constructor(modules: Iterable<AnyModule> = []) {
    for (const m of modules) this.register(m);
  }

  /** Add a module; a name already taken, a bad name or a module that neither detects nor processes is a TypeError. */
  register(module: AnyModule): this {
    if (!MODULE_NAME_PATTERN.test(module.name) || module.name.length > 64)
      throw new TypeError(`module name "${module.name}": use lower-case letters, digits and dashes (at most 64), starting with a letter`);
    if (this.byName.has(module.name)) throw new TypeError(`module ${module.name} is registered already`);
    if (!module.detect && !module.process) throw new TypeError(`module ${module.name} has neither detect nor process`);
    if (!module.args || typeof module.args.safeParse !== "function") throw new TypeError(`module ${module.name} has no zod args schema`);
    this.byName.set(module.name, module);
    return this;
  }

  get(name: string): AnyModule | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Every module, sorted by name. */
  list(): AnyModule[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  names(): string[] {
    return this.list().map((m) => m.name);
  }
}

/** A problem with the module a record names, at a field of the record (`["module"]`, `["args", "window", "crc"]`). */
export interface ModuleProblem {
  code: "UNKNOWN_MODULE" | "MODULE_MISMATCH" | "BAD_ARGS";
  field: (string | number)[];
  message: string;
}

/**
 * Check the module a record names against a registry: it exists, it can do what the record's type
 * needs, and the record's args pass its schema. Shared by the compiler, the linter and `Engine.load`.
 */
export function checkModuleUse(registry: ModuleRegistry, record: { type: number; module?: string; args?: unknown }): ModuleProblem[] {
  if (record.module === undefined) return [];
  const m = registry.get(record.module);
  if (!m)
    return [{ code: "UNKNOWN_MODULE", field: ["module"], message: `module "${record.module}" is not one the engine provides (it provides: ${registry.names().join(", ") || "none"})` }];
  const out: ModuleProblem[] = [];
  const mismatch = (message: string) => out.push({ code: "MODULE_MISMATCH", field: ["module"], message });
  if ((record.type === 1 || record.type === 2) && !m.detect) mismatch(`module ${m.name} only processes; type ${record.type} records need a module that detects`);
  if (record.type === 2 && m.detect && !m.process) mismatch(`module ${m.name} detects but does not clean; type 2 records are detected and processed by their module: use type 1 with a clean script`);
  if ((record.type === 3 || record.type === 4) && !m.process) mismatch(`module ${m.name} only detects; a type ${record.type} record names a processing module for cleaning`);
  const parsed = m.args.safeParse(record.args);
  if (parsed.success) return out;
  if (record.args === undefined) {
    out.push({ code: "BAD_ARGS", field: ["module"], message: `module ${m.name} needs "args" (${m.description})` });
    return out;
  }
  for (const issue of parsed.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    out.push({ code: "BAD_ARGS", field: ["args", ...path], message: `${["args", ...path].join(".")}: ${issue.message} (module ${m.name})` });
  }
  return out;
}

/** The call's work ran out: too long, or too many bytes read. */
export class ModuleLimitReached extends Error {
  override readonly name = "ModuleLimitReached";
}

/** What one module call may spend. */
export interface ModuleLimits {
  /** Milliseconds per call. */
  maxModuleTime: number;
  /** Bytes a call may read (copies included). */
  maxModuleBytes: number;
}

/** How often (in work units) the clock is read: often enough to stop within a millisecond or so. */
const CLOCK_EVERY = 256;

/**
 * One module call: the object as the module sees it, and the budget it spends. Made per call, so a
 * call's budget never leaks into the next.
 */
export class ModuleCall implements ModuleObject, ProcessContext {
  private read = 0;
  private sinceClock = 0;
  private readonly deadline: number;
  readonly size: number;

  constructor(
    private readonly data: Uint8Array,
    readonly name: string | undefined,
    readonly types: readonly FileTypeName[],
    /** Anchor offsets indexed by `Anchor` value (the engine's scratch array: copied). */
    private readonly anchors: Int32Array,
    private readonly limits: ModuleLimits,
    readonly record: string,
    private readonly found?: ProcessContext["detection"],
    private readonly now: () => number = () => Date.now(),
  ) {
    this.size = data.length;
    this.deadline = now() + limits.maxModuleTime;
  }

  get detection(): ProcessContext["detection"] {
    if (!this.found) throw new Error("ctx.detection is only given to process()");
    return this.found;
  }

  step(units = 1): void {
    this.sinceClock += units >= 1 ? units : 1; // step(0) or step(NaN) still counts: the clock is always read in the end
    if (this.sinceClock < CLOCK_EVERY) return;
    this.sinceClock = 0;
    if (this.now() > this.deadline) throw new ModuleLimitReached(`ran past its ${this.limits.maxModuleTime} ms budget`);
  }

  anchor(name: AnchorName): number {
    const v = this.anchors[Anchor[name]];
    return v === undefined || v < 0 ? NO_ANCHOR : v;
  }

  private take(pos: number, length: number): void {
    if (!Number.isInteger(pos) || !Number.isInteger(length) || length < 0 || pos < 0 || pos + length > this.size)
      throw new RangeError(`read of ${length} bytes at ${pos} outside the ${this.size}-byte object`);
    this.read += length;
    if (this.read > this.limits.maxModuleBytes) throw new ModuleLimitReached(`read more than its ${this.limits.maxModuleBytes}-byte budget`);
    this.step(1 + (length >>> 4));
  }

  u8(pos: number): number {
    this.take(pos, 1);
    return this.data[pos];
  }

  u16(pos: number): number {
    this.take(pos, 2);
    return this.data[pos] | (this.data[pos + 1] << 8);
  }

  u32(pos: number): number {
    this.take(pos, 4);
    return (this.data[pos] | (this.data[pos + 1] << 8) | (this.data[pos + 2] << 16) | (this.data[pos + 3] << 24)) >>> 0;
  }

  bytes(pos: number, length: number): Uint8Array {
    this.take(pos, length);
    return new Uint8Array(this.data.subarray(pos, pos + length)); // a copy even when the object is a Node Buffer (whose slice() is a view)
  }

  copy(): Uint8Array {
    this.take(0, this.size);
    return new Uint8Array(this.data);
  }
}

/** One line about a module that failed, for warnings and cleaning refusals. */
export function describeModuleFailure(m: AnyModule, record: string, err: unknown): string {
  const what = err instanceof ModuleLimitReached ? err.message : `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  return `module ${m.name} ${m.version} (record ${record}) ${what}`;
}
