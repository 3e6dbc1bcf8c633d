/** Reading and writing signing key files for the commands (formats: @tgvx/engine keys.ts). */
import { delimiter } from "node:path";
import { open, readFile, stat } from "node:fs/promises";
import { KeyFormatError, parsePublicKey, type PublicKey } from "@tgvx/engine/core";
import type { SigningKey } from "@tgvx/compiler";
import { UserError } from "./io.js";

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read ${what} ${path}: ${code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}

/** The trusted public keys: the files given, else those listed in $TGVX_TRUSTED_KEYS (separated by ':'). */
export async function readTrustedKeys(given: readonly string[] | undefined): Promise<{ keys: PublicKey[]; files: string[] }> {
  const files = given?.length ? [...given] : (process.env.TGVX_TRUSTED_KEYS ?? "").split(delimiter).filter(Boolean);
  const keys: PublicKey[] = [];
  for (const f of files) {
    try {
      keys.push(await parsePublicKey(await readText(f, "trusted key"), `trusted key ${f}`));
    } catch (err) {
      if (err instanceof KeyFormatError) throw new UserError(err.message);
      throw err;
    }
  }
  return { keys, files };
}

/** The private signing key: the file given, else $TGVX_SIGNING_KEY. Warns when others can read it. */
export async function readSigningKey(given: string | undefined): Promise<{ key: SigningKey; file: string }> {
  const file = given ?? process.env.TGVX_SIGNING_KEY;
  if (!file) throw new UserError("no signing key: give --key FILE (the private key from `tgvx keygen`) or set TGVX_SIGNING_KEY");
  const text = await readText(file, "signing key");
  if (process.platform !== "win32") {
    const mode = (await stat(file)).mode & 0o777;
    if (mode & 0o077)
      process.stderr.write(`tgvx: warning: the private key ${file} can be read by others (mode ${mode.toString(8).padStart(4, "0")}); run: chmod 600 ${file}\n`);
  }
  const { parsePrivateKey } = await import("@tgvx/compiler");
  try {
    return { key: await parsePrivateKey(text, `signing key ${file}`), file };
  } catch (err) {
    if (err instanceof KeyFormatError) throw new UserError(err.message);
    throw err;
  }
}

/** Create a file that must not exist yet, with `mode`, fsynced. */
export async function writeNewFile(path: string, text: string, mode: number): Promise<void> {
  const fh = await open(path, "wx", mode);
  try {
    await fh.writeFile(text);
    // The umask may have taken bits away; never more than asked.
    await fh.chmod(mode);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
