#!/usr/bin/env node
/**
 * Bundle `tgvx scan` and `tgvx clean` (packages/cli/dist/bundle-main.js and what it imports) into
 * one CommonJS file, packages/cli/dist/bundle/tgvx.cjs. Start-up is part of every scan a script
 * or a mail server runs, and most of it was Node loading ~70 ES modules one by one (about a
 * millisecond each) and compiling them. One CommonJS file skips the ES module loader, and
 * bin/tgvx.js compiles it with a V8 code cache, written here by one warm-up scan (which also
 * proves the bundle runs). The other commands run from dist/ as built.
 *
 * Run by `npm run build` (and so by `npm ci` and `npm test`) after `tsc -b`.
 */
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** What tgvx takes from fflate: functions, and classes (made with `new`). A name missing here fails the build. */
const LAZY_FFLATE = ["Gunzip", "Inflate", "deflateSync", "gzipSync", "inflateSync"];
const REAL_FFLATE = Symbol("fflate itself");
const outdir = join(root, "packages/cli/dist/bundle");
rmSync(outdir, { recursive: true, force: true });
const outfile = join(outdir, "tgvx.cjs");
await build({
  entryPoints: [join(root, "packages/cli/dist/bundle-main.js")],
  outfile,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  minifyWhitespace: true,
  minifySyntax: true,
  // Native code, and a pool that starts its workers from its own files.
  external: ["better-sqlite3", "tinypool"],
  // The bundle sits in dist/bundle/: code that finds files next to itself (the `scan -j` worker,
  // the project root) looks up from there, as it does from dist/.
  define: { "import.meta.url": "__tgvxModuleUrl" },
  banner: { js: 'const __tgvxModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
  plugins: [
    {
      // The built-in modules bring zod (600 kB); the engine imports them only for a database that
      // names a module. Left out of the bundle, they load from @tgvx/engine when needed: pure
      // functions and data, so a second copy of what they share with the bundle is harmless.
      name: "built-in-modules-apart",
      setup(b) {
        b.onResolve({ filter: /[\\/]built-in\.js$/ }, (args) =>
          /[\\/]engine[\\/]dist[\\/]/.test(args.importer) ? { path: "@tgvx/engine/built-in-modules", external: true } : undefined,
        );
      },
    },
    {
      // commander requires child_process (with net, dgram and streams behind it) at load, for
      // subcommands run as separate executables, which tgvx has none of: load it on first use.
      name: "lazy-child-process",
      setup(b) {
        b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[\\/]commander[\\/]/.test(args.importer) ? { path: "lazy-child-process", namespace: "tgvx" } : undefined));
        b.onLoad({ filter: /.*/, namespace: "tgvx" }, () => ({
          contents: 'module.exports = new Proxy({}, { get: (_, key) => require("node:child_process")[key] });',
          loader: "js",
        }));
      },
    },
    {
      // fflate builds its tables when it loads (a few milliseconds of every scan's start-up); a
      // scan needs it only for a compressed member or a patch: load it on first use.
      name: "lazy-fflate",
      setup(b) {
        b.onResolve({ filter: /^fflate$/ }, (args) => {
          if (args.pluginData === REAL_FFLATE) return undefined;
          if (args.namespace !== "lazy-fflate") return { path: "fflate", namespace: "lazy-fflate" };
          // The build the engine imports, not fflate's Node one (which brings worker_threads).
          return b.resolve("fflate", { kind: "import-statement", resolveDir: root, pluginData: REAL_FFLATE });
        });
        b.onLoad({ filter: /.*/, namespace: "lazy-fflate" }, () => ({
          contents: [
            "let m;",
            'const fflate = () => (m ??= require("fflate"));',
            ...LAZY_FFLATE.map((name) => `export function ${name}(...a) { return ${/^[A-Z]/.test(name) ? "new " : ""}(fflate().${name})(...a); }`),
          ].join("\n"),
          loader: "js",
          resolveDir: root,
        }));
      },
    },
  ],
});

// bin/tgvx.js runs the bundle from a V8 code cache (vm.Script), where Node 20 cannot serve
// import(); the bundle gets the launcher's import as __tgvxImport instead. Every import() left
// must be one of the packages kept out above.
const EXTERNAL_IMPORT = /(^|[^\w$.])import\(("(?:tinypool|@tgvx\/engine\/built-in-modules)")\)/g;
const code = readFileSync(outfile, "utf8").replace(EXTERNAL_IMPORT, "$1__tgvxImport($2)");
const left = code.match(/(^|[^\w$.])import\([^)]{0,60}/);
if (left) throw new Error(`bundle-cli: ${outfile} still calls import(): ${left[0]}`);
writeFileSync(outfile, code);
// Which commands the bundle serves, for the launcher to know without loading it.
const { BUNDLED_COMMANDS } = await import(join(root, "packages/cli/dist/bundle-main.js"));
writeFileSync(join(outdir, "tgvx.json"), `${JSON.stringify({ commands: BUNDLED_COMMANDS })}\n`);

// One scan through the launcher writes the code cache now, so that the first scan a user runs does
// not pay for it; a detection, so that the cache holds the whole path. A development database of
// one record made from an inert line of text, in a folder thrown away after.
const { Anchor, crc32, encodeDatabase } = await import("@tgvx/engine/core");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-bundle-"));
try {
  const text = new TextEncoder().encode("tgvx bundle warm-up: an inert line of text, nothing else\n");
  const window = (offset, length) => ({ offset, length, crc: crc32(text, offset, offset + length) });
  const record = { id: 1, rev: 1, type: 3, status: 1, name: "Bundle.WarmUp.A", category: 0, attributes: 0 };
  record.detect = { anchor: Anchor.start, at: 0, first: text[0] | (text[1] << 8), filetypes: 0, windows: [window(2, 16), window(18, 24)] };
  writeFileSync(join(tmp, "warm-up.tgvxdb"), await encodeDatabase({ dbVersion: 1, records: [record] }));
  writeFileSync(join(tmp, "warm-up.txt"), text);
  const r = spawnSync(process.execPath, [join(root, "packages/cli/bin/tgvx.js"), "scan", "--db", join(tmp, "warm-up.tgvxdb"), "--no-summary", join(tmp, "warm-up.txt")], { encoding: "utf8" });
  if (r.status !== 1 || !r.stdout.includes("Bundle.WarmUp.A FOUND"))
    throw new Error(`bundle-cli: the bundled scan did not find its warm-up record (exit ${r.status}): ${r.stdout}${r.stderr}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
