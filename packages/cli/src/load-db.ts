/** Opening a database file for a command, with the engine's refusal turned into a user message. */
import { readFile } from "node:fs/promises";
import { DatabaseError, Engine } from "@tgvx/engine";
import { resolveDbPath, UserError } from "./io.js";

export async function loadEngine(given: string | undefined): Promise<{ engine: Engine; path: string }> {
  const path = resolveDbPath(given);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UserError(`cannot read database ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  try {
    return { engine: await Engine.load(bytes), path };
  } catch (err) {
    if (err instanceof DatabaseError) throw new UserError(`database ${path} refused (${err.code}): ${err.message}`);
    throw err;
  }
}
