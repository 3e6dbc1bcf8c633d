import type { Command } from "commander";
import { Exit, writeFileAtomic } from "../io.js";
import { loadEngine } from "../load-db.js";

export function register(program: Command): void {
  program
    .command("decompile")
    .summary("turn a database back into record YAML")
    .description(
      "Write the records of a tgvxdb as one YAML record file, its stencils following as further YAML\n" +
        "documents. Compiling that file with the database version (and build time) named in its header\n" +
        "comment gives the identical database bytes. The records are in the canonical form `tgvx fmt`\n" +
        "writes, so a decompiled file can go straight into db-src/.",
    )
    .argument("[db]", "database file (default: the one built from db-src/)")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .addHelpText("after", "\nExample:\n  tgvx decompile build/main.tgvxdb | tgvx compile - -o copy.tgvxdb && cmp build/main.tgvxdb copy.tgvxdb")
    .action(async (dbArg: string | undefined, opts: { output?: string }) => {
      const { engine } = await loadEngine(dbArg);
      const { decompileToYaml } = await import("@tgvx/compiler");
      const yaml = decompileToYaml(engine.db);
      if (opts.output) await writeFileAtomic(opts.output, yaml);
      else process.stdout.write(yaml);
      process.exitCode = Exit.clean;
    });
}
