/**
 * A database's records joined to the engine's modules, once, on load: every module a record names
 * must be registered, able to do what the record's type needs, and accept the record's args.
 * Anything else refuses the database (DatabaseError), so a scan never meets a half-usable record.
 */
import { DatabaseError } from "../errors.js";
import type { Database } from "../from-binary.js";
import { checkModuleUse, type AnyModule, type ModuleRegistry } from "./module.js";

export interface BoundModule {
  row: number;
  /** The record's name, for warnings. */
  record: string;
  module: AnyModule;
  /** The record's args as the module's schema parsed them. */
  args: unknown;
}

export interface ModuleBindings {
  /** Live type 1/2 records, in row order: run on every object. */
  detectors: BoundModule[];
  /** Every record naming a module, by row (processing, for cleaning). */
  byRow: Map<number, BoundModule>;
}

export function bindModules(db: Database, registry: ModuleRegistry): ModuleBindings {
  const missing = db.modules().filter((m) => !registry.has(m));
  if (missing.length)
    throw new DatabaseError(
      "MISSING_MODULE",
      `database needs module${missing.length > 1 ? "s" : ""} ${missing.join(", ")} that this engine does not provide (it provides: ${registry.names().join(", ") || "none"}); update the engine, or register the module${missing.length > 1 ? "s" : ""} in the registry given to Engine.load`,
    );
  const detectors: BoundModule[] = [];
  const byRow = new Map<number, BoundModule>();
  for (const row of db.moduleRows()) {
    const rec = db.record(row);
    const name = db.recordModule(row)!;
    const json = db.recordArgs(row);
    let args: unknown;
    try {
      args = json === undefined ? undefined : JSON.parse(json);
    } catch {
      throw new DatabaseError("MALFORMED", `record ${rec.name} (id 0x${rec.id.toString(16)}): its module args are not JSON`);
    }
    const problems = checkModuleUse(registry, { type: rec.type, module: name, args });
    if (problems.length)
      throw new DatabaseError(
        "MODULE_MISMATCH",
        `record ${rec.name} (id 0x${rec.id.toString(16)}): ${problems.map((p) => p.message).join("; ")}; the database was built for another version of the module: update the engine or rebuild the database`,
      );
    const module = registry.get(name)!;
    const bound: BoundModule = { row, record: rec.name, module, args: module.args.parse(args) };
    byRow.set(row, bound);
    if ((rec.type === 1 || rec.type === 2) && rec.status !== "deprecated") detectors.push(bound);
  }
  return { detectors, byRow };
}
