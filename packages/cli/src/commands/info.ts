import type { Command } from "commander";
import { Exit, formatBytes, printJson } from "../io.js";
import { builtInModules } from "@tgvx/engine";
import { readDatabase } from "../load-db.js";

export function register(program: Command): void {
  program
    .command("info")
    .summary("show a database's versions, counts, sections and hash")
    .description("Verify a tgvxdb (checksum, structure) and describe it. Without DB, the database built from db-src/.")
    .argument("[db]", "database file")
    .option("--json", "print as JSON")
    .addHelpText("after", "\nExit status: 0 the database is valid, 2 it was refused (the message says why).")
    .action(async (dbArg: string | undefined, opts: { json?: boolean }) => {
      // Described without being loaded into an engine, so a database needing a module this engine
      // lacks is still shown, with what is missing.
      const { db, path } = await readDatabase(dbArg);
      const provided = builtInModules();
      const i = db.info;
      const types: Record<string, number> = {};
      const anchors: Record<string, number> = {};
      for (let r = 0; r < db.recordCount; r++) {
        const type = db.recordType(r);
        types[`type${type}`] = (types[`type${type}`] ?? 0) + 1;
        const anchor = db.recordAnchor(r);
        if (anchor) anchors[anchor] = (anchors[anchor] ?? 0) + 1;
      }
      const modules = db.modules();
      // What each module is in this engine (null: missing, and a scan refuses the database), and which records need it.
      const moduleDetails = modules.map((name) => {
        const m = provided.get(name);
        const records = [...db.moduleRows()].filter((r) => db.recordModule(r) === name).map((r) => db.recordName(r));
        return { name, version: m?.version ?? null, detects: !!m?.detect, processes: !!m?.process, records };
      });
      if (opts.json) {
        printJson({
          path,
          ...i,
          recordTypes: types,
          anchors,
          modules,
          moduleDetails,
          stencils: db.stencils().map((s) => ({ name: s.name, rules: s.rules.length, description: s.description })),
          bytesPerRecord: i.recordCount ? i.fileLength / i.recordCount : 0,
        });
      } else {
        const line = (k: string, v: string | number) => process.stdout.write(`${k.padEnd(18)}${v}\n`);
        line("Database", path);
        line("Format version", i.formatVersion);
        line("Database version", i.dbVersion);
        line("Build time", i.buildTime ? new Date(i.buildTime * 1000).toISOString() : "not stamped (reproducible build)");
        line("Signed", i.signed ? `yes, key ${i.keyId}` : "no");
        line("Records", `${i.recordCount} (${Object.entries(types).map(([k, n]) => `${k}: ${n}`).join(", ") || "none"})`);
        line("Anchors", Object.entries(anchors).map(([k, n]) => `${k}: ${n}`).join(", ") || "none");
        line("Index", `${i.windowCount} distinct windows, ${i.probeCount} probes, ${i.keyCount} keys`);
        line(
          "Modules needed",
          moduleDetails
            .map((m) =>
              m.version === null
                ? `${m.name} (NOT IN THIS ENGINE: scans refuse this database; ${m.records.join(", ")})`
                : `${m.name} ${m.version} (${[m.detects ? "detects" : "", m.processes ? "cleans" : ""].filter(Boolean).join(", ")}; ${m.records.join(", ")})`,
            )
            .join(", ") || "none",
        );
        line("Stencils", db.stencils().map((s) => `${s.name} (${s.rules.length} rule${s.rules.length === 1 ? "" : "s"})`).join(", ") || "none");
        line("Size", `${formatBytes(i.fileLength)} (${i.recordCount ? (i.fileLength / i.recordCount).toFixed(1) : 0} bytes/record)`);
        line("Content SHA-256", `${i.sha256} (header and signature excluded; stable across signing)`);
        process.stdout.write("Sections:\n");
        for (const s of i.sections)
          process.stdout.write(`  ${s.name}  offset ${String(s.offset).padStart(9)}  ${formatBytes(s.length).padStart(10)}  ${s.count} items\n`);
      }
      process.exitCode = Exit.clean;
    });
}
