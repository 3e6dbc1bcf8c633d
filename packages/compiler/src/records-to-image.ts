/** The record model -> the database image the engine's writer lays out. */
import {
  Anchor,
  ATTRIBUTE_NAMES,
  builtInModules,
  CATEGORY_NAMES,
  checkModuleUse,
  FileType,
  STATUS_NAMES,
  type DatabaseImage,
  type ModuleRegistry,
  type RecordImage,
} from "@tgvx/engine";
import type { Diagnostic, LoadedRecord, VirusRecord } from "@tgvx/records";
import { compileCleanScript } from "./clean-script.js";

/** JSON with object keys sorted at every level, so equal values give equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function parseHexWord(s: string): number {
  const hex = s.replace(/ /g, "");
  return parseInt(hex.slice(0, 2), 16) | (parseInt(hex.slice(2, 4), 16) << 8);
}

/** One record -> its image; cleaning-script problems are reported with their place in the record. */
export function recordToImage(r: VirusRecord, report: (path: (string | number)[], message: string) => void = () => {}): RecordImage {
  const img: RecordImage = {
    id: r.id,
    rev: r.rev,
    type: r.type,
    status: STATUS_NAMES.indexOf(r.status),
    name: r.name,
    category: CATEGORY_NAMES.indexOf(r.category ?? "virus"),
    attributes: (r.attributes ?? []).reduce((bits, a) => bits | (1 << ATTRIBUTE_NAMES.indexOf(a)), 0) >>> 0,
  };
  if (r.detect) {
    const d = r.detect;
    img.detect = {
      anchor: Anchor[d.anchor],
      at: d.at ?? 0,
      first: parseHexWord(d.first),
      filetypes: (d.filetypes ?? []).reduce((bits, t) => bits | FileType[t], 0) >>> 0,
      windows: [d.windows[0], d.windows[1]],
    };
  }
  if (r.module !== undefined) img.module = r.module;
  if (r.args !== undefined) img.args = canonicalJson(r.args);
  if (r.clean !== undefined) img.clean = compileCleanScript(r.clean, (path, message) => report(["clean", ...path], message));
  return img;
}

export interface ImageOptions {
  dbVersion?: number;
  buildTime?: number;
  /** The modules records may name, with their args schemas (default: the engine's built-in modules). */
  modules?: ModuleRegistry;
}

export function recordsToImage(
  records: readonly LoadedRecord[],
  options: ImageOptions = {},
): { image: DatabaseImage; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const modules = options.modules ?? builtInModules();
  for (const lr of records)
    for (const p of checkModuleUse(modules, lr.record)) {
      const { start, end } = lr.source.locate(p.field);
      const where = p.field.map((f) => (typeof f === "number" ? `[${f}]` : `.${f}`)).join("");
      diagnostics.push({ file: lr.source.file, severity: "error", code: p.code, message: `${lr.record.name}: ${p.message}`, path: `records[${lr.source.index}]${where}`, start, end });
    }
  const images = records.map((lr) =>
    recordToImage(lr.record, (path, message) => {
      const { start, end } = lr.source.locate(path);
      const where = path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
      diagnostics.push({
        file: lr.source.file,
        severity: "error",
        code: "BAD_SCRIPT",
        message: `${lr.record.name}: ${message}`,
        path: `records[${lr.source.index}]${where}`,
        start,
        end,
      });
    }),
  );
  return { image: { dbVersion: options.dbVersion ?? 1, buildTime: options.buildTime ?? 0, records: images }, diagnostics };
}
