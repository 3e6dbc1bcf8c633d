#!/usr/bin/env node
/**
 * An embedder's own detection module: define it (name, version, a zod schema for the record's
 * args, `detect`), register it beside the built-in modules, compile records that use it with the
 * same registry, and load the database with it. An engine without the module refuses that database.
 *
 *   node examples/custom-module.mjs [FILE...]
 *
 * Without files it scans two buffers made here: a harmless text carrying the marker, and one without.
 * Exit status: 0 nothing found, 1 something found, 2 an error.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { z } from "zod";
import { compileSources } from "@tgvx/compiler";
import { builtInModules, DatabaseError, Engine } from "@tgvx/engine";

/**
 * text-marker: finds an ASCII marker in the first `within` bytes. Every read goes through the
 * object (`o.u8`, counted against the call's byte budget), and the loop calls `ctx.step()`, so the
 * engine can stop it when its time is up; a module must never loop without either.
 */
const textMarker = {
  name: "text-marker",
  version: "1.0.0",
  description: "finds an ASCII marker near the start of an object",
  args: z.object({ marker: z.string().min(4).max(64), within: z.number().int().min(1).max(1 << 20).default(4096) }).strict(),
  detect(o, args, ctx) {
    const m = Buffer.from(args.marker, "latin1");
    const end = Math.min(o.size, args.within) - m.length;
    for (let at = 0; at <= end; at++) {
      ctx.step();
      let i = 0;
      while (i < m.length && o.u8(at + i) === m[i]) i++;
      if (i === m.length) return { at };
    }
    return undefined;
  },
};

const modules = builtInModules().register(textMarker);

// A record using it, compiled with the same registry: names and args are checked against it, with positions.
const records = `records:
  - id: 0xF001
    rev: 1
    name: Test.Marker.A
    type: 1
    status: stable
    category: test
    attributes: [test]
    module: text-marker
    args: { marker: "tgvx inert marker", within: 1024 }
    clean: [remove]
`;
const compiled = await compileSources([{ path: "marker.yaml", text: records }], { modules });
if (!compiled.bytes) {
  for (const d of compiled.diagnostics) process.stderr.write(`${d.file}:${d.start.line}:${d.start.col}: ${d.severity} ${d.code}: ${d.message}\n`);
  process.exit(2);
}

// Without the module the database is refused (and the engine in use would be kept).
try {
  await Engine.load(compiled.bytes, { allowUnsigned: true });
} catch (err) {
  if (!(err instanceof DatabaseError)) throw err;
  process.stdout.write(`without text-marker: refused (${err.code}): ${err.message}\n`);
}

const engine = await Engine.load(compiled.bytes, { allowUnsigned: true, modules });
process.stdout.write(`with text-marker: loaded; modules ${engine.modules.names().join(", ")}\n`);

const files = process.argv.slice(2);
const objects = files.length
  ? files.map((f) => ({ name: basename(f), bytes: readFileSync(f) }))
  : [
      { name: "note.txt", bytes: Buffer.from("hello\nthis harmless text carries the tgvx inert marker.\n", "latin1") },
      { name: "plain.txt", bytes: Buffer.from("hello\nnothing to see here.\n", "latin1") },
    ];
let found = 0;
for (const { name, bytes } of objects) {
  const r = engine.scan(bytes, { name });
  for (const w of r.warnings) process.stdout.write(`${name}: warning ${w.code}: ${w.message}\n`);
  if (r.infected) found++;
  process.stdout.write(`${name}: ${r.infected ? r.detections.map((d) => `${d.name} FOUND at ${d.offset}`).join(", ") : "OK"}\n`);
}
process.exitCode = found ? 1 : 0;
