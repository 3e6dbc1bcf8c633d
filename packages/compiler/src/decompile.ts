/**
 * tgvxdb -> record YAML that compiles back to the identical bytes (given the same database
 * version and build time, which the header comment states). The stencils follow the records as
 * further documents of the same stream (`---`, then `stencil:`), so one file or pipe holds all.
 */
import type { Database } from "@tgvx/engine";
import { Document, isMap, isScalar, isSeq, visit } from "yaml";
import { decompileCleanScript } from "./clean-script.js";
import { stencilToSpec } from "./stencil-to-image.js";

const HEX_KEYS = new Set(["id", "offset", "length", "crc", "at"]);

export function decompileToYaml(db: Database): string {
  const records = [];
  for (const row of db.rowsById()) {
    const r = db.record(row);
    const out: Record<string, unknown> = { id: r.id, rev: r.rev, name: r.name, type: r.type, status: r.status };
    if (r.category !== "virus") out.category = r.category;
    if (r.attributes.length) out.attributes = r.attributes;
    if (r.detect) {
      const d = r.detect;
      const hex = (b: number) => b.toString(16).toUpperCase().padStart(2, "0");
      const detect: Record<string, unknown> = { anchor: d.anchor };
      if (d.at !== 0) detect.at = d.at;
      detect.first = `${hex(d.first[0])} ${hex(d.first[1])}`;
      if (d.filetypes.length) detect.filetypes = d.filetypes;
      detect.windows = d.windows.map((w) => ({ offset: w.offset, length: w.length, crc: w.crc }));
      out.detect = detect;
    }
    if (r.module !== undefined) out.module = r.module;
    if (r.args !== undefined) out.args = JSON.parse(r.args);
    if (r.clean !== undefined) out.clean = decompileCleanScript(r.clean);
    records.push(out);
  }
  const doc = new Document({ records });
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && HEX_KEYS.has(String(pair.key.value)) && isScalar(pair.value) && typeof pair.value.value === "number")
        pair.value.format = "HEX";
      // One line per cleaning step: - copy: { from: ..., to: 0, length: 3 }
      if (isScalar(pair.key) && pair.key.value === "clean" && isSeq(pair.value))
        for (const step of pair.value.items) if (isMap(step)) for (const p of step.items) if (isMap(p.value)) p.value.flow = true;
    },
    Map(_, map) {
      if (map.items.some((p) => isScalar(p.key) && p.key.value === "crc")) map.flow = true;
    },
  });
  const i = db.info;
  const stencils = db.stencils();
  const head = [
    `# Decompiled from a tgvxdb: database version ${i.dbVersion}, ${i.recordCount} records${stencils.length ? `, ${stencils.length} stencils` : ""}, sha256 ${i.sha256}`,
    `# Recompile with: tgvx compile FILE --db-version ${i.dbVersion}${i.buildTime ? ` --build-time ${i.buildTime}` : ""}`,
  ];
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
  return `${head.join("\n")}\n${doc.toString({ lineWidth: 0 })}${stencilDocs.join("")}`;
}
