import type { Command } from "commander";
import { Exit, findFilesOrFail, printJson, readStdin, UserError, writeFileAtomic } from "../io.js";

export function register(program: Command): void {
  program
    .command("fmt")
    .summary("rewrite record files in the one canonical YAML form")
    .description(
      "Format record files (directories are searched recursively for *.yaml; `-` formats stdin to stdout):\n" +
        "keys in the order of the record schema, ids as 0x1001, offsets and lengths as 0x40 / -0x60,\n" +
        'CRCs as 0x1A2B3C4D, first words as "55 8B", attributes and file types as [a, b], windows one\n' +
        "per line as { offset, length, crc }. Comments and blank lines are kept; formatting twice changes\n" +
        "nothing the second time. Files are rewritten atomically, and only when they change.",
    )
    .argument("[paths...]", "record files or directories", ["db-src"])
    .option("--check", "change nothing; list the files that are not in canonical form (exit 1 if any)")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  tgvx fmt                     rewrite db-src/ in place\n" +
        "  tgvx fmt --check             in CI: fail when a file is not formatted\n" +
        "  tgvx fmt - < x.yaml          format stdin to stdout (for editors)\n\n" +
        "Exit status: 0 formatted (or, with --check, nothing to change), 1 with --check: files differ,\n" +
        "2 a file could not be read or parsed (it is left as it is).",
    )
    .action(async (paths: string[], opts: { check?: boolean; json?: boolean }) => {
      const { formatRecordText } = await import("@tgvx/linter");
      const { formatDiagnostic } = await import("@tgvx/records");
      if (paths.length === 1 && paths[0] === "-") {
        const r = formatRecordText((await readStdin()).toString("utf8"), "<stdin>");
        for (const d of r.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
        if (r.text === undefined) throw new UserError("stdin could not be formatted");
        if (opts.check) process.exitCode = r.changed ? Exit.found : Exit.clean;
        else {
          process.stdout.write(r.text);
          process.exitCode = Exit.clean;
        }
        return;
      }
      const { findRecordFiles, readSources } = await import("@tgvx/compiler");
      const files = await findFilesOrFail(paths, findRecordFiles);
      const changed: string[] = [];
      const failed: string[] = [];
      for (const src of await readSources(files)) {
        const r = formatRecordText(src.text, src.path);
        if (r.text === undefined) {
          failed.push(src.path);
          if (!opts.json) for (const d of r.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
          continue;
        }
        if (!r.changed) continue;
        changed.push(src.path);
        if (!opts.check) await writeFileAtomic(src.path, r.text);
      }
      if (opts.json) printJson({ ok: !failed.length && !(opts.check && changed.length), files: files.length, [opts.check ? "differ" : "formatted"]: changed, failed });
      else {
        for (const f of changed) process.stdout.write(`${opts.check ? "differs" : "formatted"} ${f}\n`);
        const what = opts.check
          ? `${changed.length} of ${files.length} files not in canonical form${changed.length ? ": run tgvx fmt" : ""}`
          : `${changed.length} of ${files.length} files rewritten`;
        process.stderr.write(`tgvx fmt: ${what}${failed.length ? `; ${failed.length} could not be parsed (left as they are)` : ""}\n`);
      }
      process.exitCode = failed.length ? Exit.error : opts.check && changed.length ? Exit.found : Exit.clean;
    });
}
