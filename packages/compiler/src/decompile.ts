/**
 * tgvxdb -> record YAML that compiles back to the identical bytes (given the same database
 * version and build time, which the header comment states), in the canonical form of `tgvx fmt`:
 * `tgvx fmt --check` finds nothing to change in it. The stencils follow the records as further
 * documents of the same stream (`---`, then `stencil:`), so one file or pipe holds all.
 */
import type { Database, RecordView } from "@tgvx/engine";
import { Document, isMap, isScalar, isSeq, visit } from "yaml";
import { decompileCleanScript } from "./clean-script.js";
import { stencilToSpec } from "./stencil-to-image.js";

export function decompileToYaml(db: Database): string {
  const i = db.info;
  const stencils = db.stencils();
  const out = [
    `# Decompiled from a tgvxdb: database version ${i.dbVersion}, ${i.recordCount} records${stencils.length ? `, ${stencils.length} stencils` : ""}, sha256 ${i.sha256}`,
    `# Recompile with: tgvx compile FILE --db-version ${i.dbVersion}${i.buildTime ? ` --build-time ${i.buildTime}` : ""}`,
    i.recordCount ? "records:" : "records: []",
  ];
  for (const row of db.rowsById()) out.push(recordYaml(db.record(row)));
  const stencilDocs = stencils.map((s) => {
    const d = new Document({ stencil: stencilToSpec(s) });
    visit(d, {
      Pair(_, pair) {
        // Conditions and category switches on one line: when: { attributes: [mailer] }
        if (isScalar(pair.key) && (pair.key.value === "when" || pair.key.value === "categories") && isMap(pair.value)) pair.value.flow = true;
      },
    });
    return `---\n${d.toString({ lineWidth: 0 })}`;
  });
  return `${out.join("\n")}\n${stencilDocs.join("")}`;
}

/** Upper-case hex of at least `width` digits, the sign in front, as `tgvx fmt` writes numbers. */
function hex(n: number, width: number): string {
  return `${n < 0 ? "-" : ""}0x${Math.abs(n).toString(16).toUpperCase().padStart(width, "0")}`;
}

/**
 * One record, written line by line: names, enum words and numbers never need quoting (the schema's
 * patterns), so only module, args and cleaning steps go through the YAML library. Building one YAML
 * document of every record took 14 s for 100,000 of them.
 */
function recordYaml(r: RecordView): string {
  const lines = [`  - id: ${hex(r.id, 4)}`, `    rev: ${r.rev}`, `    name: ${r.name}`, `    type: ${r.type}`, `    status: ${r.status}`];
  if (r.category !== "virus") lines.push(`    category: ${r.category}`);
  if (r.attributes.length) lines.push(`    attributes: [${r.attributes.join(", ")}]`);
  const d = r.detect;
  if (d) {
    lines.push("    detect:", `      anchor: ${d.anchor}`);
    if (d.at !== 0) lines.push(`      at: ${hex(d.at, 2)}`);
    lines.push(`      first: "${d.first.map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ")}"`);
    if (d.filetypes.length) lines.push(`      filetypes: [${d.filetypes.join(", ")}]`);
    lines.push("      windows:");
    for (const w of d.windows) lines.push(`        - { offset: ${hex(w.offset, 2)}, length: ${hex(w.length, 2)}, crc: ${hex(w.crc, 8)} }`);
  }
  if (r.module !== undefined || r.args !== undefined || r.clean !== undefined) {
    const processing = new Document({ module: r.module, args: r.args === undefined ? undefined : JSON.parse(r.args), clean: r.clean && decompileCleanScript(r.clean) });
    visit(processing, {
      Pair(_, pair) {
        // One line per cleaning step: - copy: { from: ..., to: 0, length: 3 }
        if (isScalar(pair.key) && pair.key.value === "clean" && isSeq(pair.value))
          for (const step of pair.value.items) if (isMap(step)) for (const p of step.items) if (isMap(p.value)) p.value.flow = true;
      },
    });
    for (const line of processing.toString({ lineWidth: 0 }).trimEnd().split("\n")) lines.push(`    ${line}`);
  }
  return lines.join("\n");
}
