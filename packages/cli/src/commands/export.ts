import type { Command } from "commander";
import { Option } from "commander";
import { readFile } from "node:fs/promises";
import { EXPORT_FORMATS, exportRules, type ExportFormat, type ExportSample } from "@tgvx/compiler";
import { Exit, printJson, UserError, writeFileAtomic } from "../io.js";
import { loadEngine } from "../load-db.js";
import { walkFiles } from "../walk-files.js";

interface ExportOpts {
  format: ExportFormat;
  output?: string;
  samples?: string[];
  json?: boolean;
}

/** Lines per list on stderr; `--json` has them all. */
const STDERR_LIST = 50;

export function register(program: Command): void {
  program
    .command("export")
    .summary("write the database's type 3/4 records as ClamAV signatures or YARA rules")
    .description(
      "Write the feature-code records (types 3 and 4) of a database as ClamAV extended signatures (.ndb) or\n" +
        "YARA rules, for migrating and for side-by-side comparisons. Without DB, the database built from db-src/.\n\n" +
        "clamav: `Name:TargetType:Offset:HexSignature`. ClamAV matches bytes and a tgvxdb holds only CRCs, so\n" +
        "  the bytes come from --samples: every file is scanned, and the first one a record detects gives its\n" +
        "  first word and both windows (gaps become {n}). Offsets: start = n, end = EOF-n, entry = EP+n/EP-n\n" +
        "  (PE files only); the COM initial-jump anchor has no equivalent. Target type 1 (PE) for executable\n" +
        "  types, else 0 (any file).\n" +
        "yara: one rule per record: uint16(anchor + at) for the first word, hash.crc32(offset, length) for both\n" +
        "  windows behind a filesize guard (a window past the end never matches), the anchor as filesize,\n" +
        "  pe.entry_point or the DOS/NE/COM header arithmetic; type 4's file types as private rules that mirror\n" +
        "  tgvx's recognition. No samples needed.",
    )
    .argument("[db]", "database file")
    .addOption(new Option("--format <format>", "clamav (.ndb) or yara").choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .option("-o, --output <file>", "write the rules here (default: standard output)")
    .option("--samples <paths...>", "clamav: files or directories to take the records' bytes from (e.g. samples/)")
    .option("--json", "print a JSON report: every record exported, approximated or not exported, with why")
    .addHelpText(
      "after",
      "\nRecords the format cannot express exactly are exported with the nearest equivalent and listed on stderr as\n" +
        "`approximate` (e.g. ClamAV has no COM or text target type, so those match any file type; YARA cannot see a\n" +
        "file's .com name). Records not exported are listed with the reason: MODULE (types 1/2), NO_SAMPLE (clamav:\n" +
        "no sample detected by it), NO_EQUIVALENT (an anchor or file type the format lacks), NEVER_MATCHES.\n" +
        "Deprecated records are left out silently (they no longer detect).\n\n" +
        "Rule names: the record names with characters the format does not allow replaced by '_' (YARA: an\n" +
        "identifier; ClamAV prints `.UNOFFICIAL` after it), made unique with the record id.\n\n" +
        "Exit status: 0 every record was exported (approximations are listed, not counted), 1 some records were\n" +
        "not exported (listed), 2 error.\n\n" +
        "Examples:\n  tgvx export --format yara build/main.tgvxdb -o main.yar && yara -r main.yar /srv/files\n" +
        "  tgvx export --format clamav build/main.tgvxdb --samples samples -o main.ndb && clamscan -d main.ndb -r --allmatch /srv/files",
    )
    .action(async (dbArg: string | undefined, opts: ExportOpts) => {
      const { engine, path } = await loadEngine(dbArg);
      if (opts.samples && opts.format !== "clamav") process.stderr.write("tgvx: warning: --samples is only used with --format clamav; ignored\n");
      const sampleErrors: string[] = [];
      const samples = opts.format === "clamav" && opts.samples ? readSamples(opts.samples, sampleErrors) : undefined;
      const result = await exportRules(engine, opts.format, samples ? { samples } : {});
      if (sampleErrors.length) throw new UserError(`cannot read the samples: ${sampleErrors.join("; ")}`);
      if (opts.output) await writeFileAtomic(opts.output, result.text);
      else if (!opts.json) process.stdout.write(result.text);

      const approximate = result.exported.filter((e) => e.approximate);
      const list = (label: string, items: { id: number; name: string; reason: string }[]) => {
        for (const i of items.slice(0, STDERR_LIST)) process.stderr.write(`tgvx: ${label}: ${i.name} (0x${i.id.toString(16).toUpperCase()}): ${i.reason}\n`);
        if (items.length > STDERR_LIST) process.stderr.write(`tgvx: ... and ${items.length - STDERR_LIST} more ${label} (--json lists them all)\n`);
      };
      list("approximate", approximate.map((e) => ({ id: e.id, name: e.name, reason: e.approximate! })));
      list("not exported", result.skipped.map((s) => ({ id: s.id, name: s.name, reason: `${s.code}: ${s.reason}` })));
      const exitCode = result.skipped.length ? Exit.found : Exit.clean;
      process.stderr.write(
        `tgvx: exported ${result.exported.length} of ${result.records} records as ${opts.format === "clamav" ? "ClamAV signatures" : "YARA rules"}` +
          `${opts.output ? ` to ${opts.output}` : ""} (${approximate.length} approximate, ${result.skipped.length} not exported` +
          `${result.deprecated ? `, ${result.deprecated} deprecated left out` : ""}` +
          `${result.samples && opts.format === "clamav" ? `; ${result.samples.scanned} sample files scanned, ${result.samples.used} used` : ""})\n`,
      );
      if (opts.json)
        printJson({
          database: path,
          format: result.format,
          output: opts.output ?? null,
          records: result.records,
          exported: result.exported,
          approximate: approximate.length,
          skipped: result.skipped,
          deprecated: result.deprecated,
          ...(result.samples ? { samples: result.samples } : {}),
          exitCode,
          ...(opts.output ? {} : { text: result.text }),
        });
      process.exitCode = exitCode;
    });
}

/** Files read ahead of the scan. */
const READ_AHEAD = 16;

/**
 * The sample files under the given paths, in name order. Reads run ahead of the exporter's scan,
 * READ_AHEAD at a time (one at a time, exporting 100,000 records spent four fifths of its time
 * waiting on the disk); results and read errors still come in name order.
 */
async function* readSamples(paths: string[], errors: string[]): AsyncGenerator<ExportSample> {
  const read = (path: string) =>
    readFile(path).then(
      (bytes) => ({ path, bytes }),
      (err: Error) => ({ path, error: err.message }),
    );
  const ahead: ReturnType<typeof read>[] = [];
  async function* take(): AsyncGenerator<ExportSample> {
    const r = await ahead.shift()!;
    if ("error" in r) errors.push(`${r.path}: ${r.error}`);
    else yield r;
  }
  for await (const f of walkFiles(paths, { onError: (p, err) => errors.push(`${p}: ${err.message}`) })) {
    ahead.push(read(f.path));
    if (ahead.length >= READ_AHEAD) yield* take();
  }
  while (ahead.length) yield* take();
}
