#!/usr/bin/env node
/**
 * A mail filter built on the tgvx SDK (the embedding API modelled on the original engine's
 * AVLF_SDK_Scan / AVLF_SDK_SetReciver). For each message it decides, through the control layers
 * with the mail-gateway stencil, whether to deliver it as it is, deliver it with an attachment
 * repaired or taken out, or drop it, and prints why.
 *
 *   node examples/mail-filter.mjs [options] MESSAGE.eml...
 *
 *   --db FILE           the database (default: $TGVX_DB, else build/main.tgvxdb from `npm run main`)
 *   --trusted-key FILE  accept only a database signed by this key (KEY.pub); without it the database
 *                       is used unchecked (development), with a warning
 *   --stencil NAME      the environment (default mail-gateway)
 *   --ini FILE          INI control, the user's layer (see examples/tgvx.ini)
 *   --out DIR           write what is delivered to DIR/NAME, and quarantined originals to DIR/quarantine/
 *   --verbose           print every event the receiver gets
 *
 * Exit status: 0 every message was handled (delivered, repaired or dropped), 2 a usage or database error.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Engine, SdkError, createSdk } from "@tgvx/engine";

function usage(message) {
  process.stderr.write(`mail-filter: ${message}\nusage: node examples/mail-filter.mjs [--db FILE] [--trusted-key FILE] [--stencil NAME] [--ini FILE] [--out DIR] [--verbose] MESSAGE.eml...\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const opts = { stencil: "mail-gateway", verbose: false, files: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => args[++i] ?? usage(`${a} needs a value`);
  if (a === "--db") opts.db = value();
  else if (a === "--trusted-key") opts.key = value();
  else if (a === "--stencil") opts.stencil = value();
  else if (a === "--ini") opts.ini = value();
  else if (a === "--out") opts.out = value();
  else if (a === "--verbose") opts.verbose = true;
  else if (a.startsWith("-")) usage(`unknown option ${a}`);
  else opts.files.push(a);
}
if (!opts.files.length) usage("no message given");

const root = resolve(fileURLToPath(import.meta.url), "../..");
const dbPath = opts.db ?? process.env.TGVX_DB ?? join(root, "build/main.tgvxdb");
let engine;
try {
  const bytes = readFileSync(dbPath);
  engine = await Engine.load(bytes, opts.key ? { trustedKeys: [readFileSync(opts.key, "utf8")] } : { allowUnsigned: true });
  if (!opts.key) process.stderr.write(`mail-filter: warning: ${dbPath} used without a signature check (give --trusted-key in production)\n`);
} catch (err) {
  usage(`cannot use the database ${dbPath}: ${err.message}${err.code === "ENOENT" ? " (run `npm run main` or give --db)" : ""}`);
}

// AVLF_SDK_Init: one SDK object per configuration; options are validated here.
let sdk;
try {
  sdk = createSdk(engine, { stencil: opts.stencil, medium: "stream", ...(opts.ini ? { ini: readFileSync(opts.ini, "utf8"), iniName: opts.ini } : {}) });
} catch (err) {
  if (err instanceof SdkError) usage(err.issues.join("\n"));
  throw err;
}
for (const w of sdk.warnings) process.stderr.write(`mail-filter: warning: ${w.source}: ${w.message}\n`);

// AVLF_SDK_SetReciver: typed callbacks for everything a scan meets.
const where = (path) => (path.length ? path.join("/") : "(message)");
sdk.setReceiver({
  objectEntered: (e) => opts.verbose && console.log(`  enter   ${where(e.path)} [${e.types.join(", ") || "data"}]`),
  objectLeft: (e) => opts.verbose && console.log(`  leave   ${where(e.path)}${e.detections ? ` (${e.detections} found)` : ""}`),
  detection: (e) => console.log(`  found   ${where(e.path)}: ${e.name} -> ${e.decision.action} (${e.decision.layer}: ${e.decision.source})`),
  action: (e) => opts.verbose && console.log(`  action  ${where(e.path)}: ${e.applied}, ${e.outcome}${e.message ? ` (${e.message})` : ""}`),
  warning: (e) => opts.verbose && console.log(`  warning ${where(e.path)}: ${e.code}: ${e.message}`),
});

for (const file of opts.files) {
  const buffer = readFileSync(file);
  console.log(`${file}:`);
  // AVLF_SDK_Scan({pBuffer, ulSize, pDescription, bUnpack, bKill}) -> 0 | 1, bKilled
  const r = sdk.scan({ buffer, description: basename(file), unpack: true, kill: true });
  const verdict =
    r.disposition === "drop"
      ? `DROP (${r.fate}${r.reason ? `: ${r.reason}` : ""})`
      : r.disposition === "replace"
        ? `DELIVER REPAIRED (${r.actions
            .filter((a) => a.outcome === "done" && a.applied !== "report" && a.applied !== "ignore")
            .map((a) => `${where(a.path)} ${a.applied === "clean" ? "cleaned" : "taken out"}`)
            .join(", ")})`
        : r.infected
          ? "DELIVER (found, reported only)"
          : "DELIVER";
  console.log(`  => ${verdict}; infected=${r.infected} killed=${r.killed}`);
  if (opts.out) {
    mkdirSync(opts.out, { recursive: true });
    if (r.quarantine) {
      mkdirSync(join(opts.out, "quarantine"), { recursive: true });
      writeFileSync(join(opts.out, "quarantine", basename(file)), buffer);
    }
    if (r.disposition !== "drop") writeFileSync(join(opts.out, basename(file)), r.buffer ?? buffer);
  }
}
