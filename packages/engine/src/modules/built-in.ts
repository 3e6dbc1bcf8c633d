/** The modules that ship with the engine. */
import { ModuleRegistry, type AnyModule } from "./module.js";
import { xorAddModule } from "./xor-add.js";
import { xorshiftDecodeModule } from "./xorshift-decode.js";

export const BUILT_IN_MODULES: readonly AnyModule[] = Object.freeze([xorAddModule, xorshiftDecodeModule]);

/**
 * A new registry holding the built-in modules; an embedder adds its own with `register` and
 * passes it to `Engine.load(bytes, { modules })`. A new one each time, so registering never
 * changes another engine's registry.
 */
export function builtInModules(): ModuleRegistry {
  return new ModuleRegistry(BUILT_IN_MODULES);
}
