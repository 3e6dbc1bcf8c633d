import { existsSync } from "node:fs";
import { mkdir, unlink } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { Exit, printJson, UserError } from "../io.js";
import { writeNewFile } from "../key-files.js";

export function register(program: Command): void {
  program
    .command("keygen")
    .summary("make an ed25519 key pair for signing releases and patches")
    .description(
      "Make a new ed25519 signing key: NAME.key, the private half (mode 0600;\n" +
        "whoever holds it can sign databases that engines will trust: keep it secret\n" +
        "and out of version control), and NAME.pub, the public half (give it to\n" +
        "engines: `--trusted-key NAME.pub`, or `trustedKeys` in the engine API). Both\n" +
        "are one-line text files naming the key id (the first 8 bytes of the public\n" +
        "key's SHA-256), which databases and patches carry in their header. Existing\n" +
        "files are never overwritten.",
    )
    .option("-o, --output <name>", "path of the key files, without extension", "tgvx-release")
    .option("--json", "print the key id and paths as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  tgvx keygen -o keys/release          keys/release.key (private) and keys/release.pub (public)\n" +
        "  tgvx release --key keys/release.key  sign a release with it\n" +
        "  tgvx scan --trusted-key keys/release.pub --db releases/3/main.tgvxdb ~/Downloads\n\n" +
        "Exit status: 0 written, 2 error (a file exists already, or cannot be written). The private key is\n" +
        "never printed.",
    )
    .action(async (opts: { output: string; json?: boolean }) => {
      const { generateSigningKey, keyFiles } = await import("@tgvx/compiler");
      const privatePath = `${opts.output}.key`;
      const publicPath = `${opts.output}.pub`;
      for (const p of [privatePath, publicPath])
        if (existsSync(p)) throw new UserError(`${p} exists already: keys are never overwritten; choose another name with -o, or move the old key away first`);
      const key = await generateSigningKey();
      const { privateText, publicText } = keyFiles(key);
      try {
        await mkdir(dirname(resolve(privatePath)), { recursive: true });
        await writeNewFile(privatePath, privateText, 0o600);
      } catch (err) {
        throw new UserError(`cannot write the private key ${privatePath}: ${(err as Error).message}`);
      }
      try {
        await writeNewFile(publicPath, publicText, 0o644);
      } catch (err) {
        // Half a key pair is no use: leave nothing behind.
        await unlink(privatePath).catch(() => {});
        throw new UserError(`cannot write the public key ${publicPath}: ${(err as Error).message}; nothing was kept`);
      }
      if (opts.json) printJson({ keyId: key.id, algorithm: "ed25519", privateKey: privatePath, publicKey: publicPath });
      else
        process.stdout.write(
          `made signing key ${key.id} (ed25519)\n` +
            `  private: ${privatePath}  (mode 0600: keep it secret, out of version control)\n` +
            `  public:  ${publicPath}  (give it to engines: --trusted-key ${publicPath})\n`,
        );
      process.exitCode = Exit.clean;
    });
}
