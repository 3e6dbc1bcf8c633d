#!/usr/bin/env node
// The `tgvx` launcher (CommonJS: see bin/package.json). It exists before `tsc -b` has built dist/.
"use strict";
const { readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const vm = require("node:vm");

const cli = join(__dirname, "..");

/**
 * The commands run once per file (`tgvx scan`, `tgvx clean`: src/bundle-main.ts, listed in
 * dist/bundle/tgvx.json) come from dist/bundle/tgvx.cjs (scripts/bundle-cli.mjs), compiled with a
 * V8 code cache kept beside it: start-up is most of a one-file scan. Used only when the bundle is
 * newer than the last `tsc -b` (which rewrites the build info), so a stale bundle never runs.
 * Returns the bundle's `main` and a function that saves the code cache when there was none or V8
 * refused it (another Node version); a cache that cannot be written is only slower next time.
 */
function bundleFor(command) {
  const file = join(cli, "dist/bundle/tgvx.cjs");
  const mtime = (f) => statSync(f, { throwIfNoEntry: false })?.mtimeMs;
  const bundled = mtime(file);
  const built = mtime(join(cli, "tsconfig.tsbuildinfo"));
  if (bundled === undefined || (built !== undefined && bundled < built)) return undefined;
  try {
    if (!JSON.parse(readFileSync(join(cli, "dist/bundle/tgvx.json"), "utf8")).commands.includes(command)) return undefined;
  } catch {
    return undefined;
  }
  const cacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {}
  // Node's CommonJS wrapper plus __tgvxImport: a script run from a code cache cannot import() on
  // Node 20, so the bundle imports what it leaves out (tinypool, the built-in modules) through this file.
  const source = `(function (exports, require, module, __filename, __dirname, __tgvxImport) {${readFileSync(file, "utf8")}\n})`;
  const script = new vm.Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, join(cli, "dist/bundle"), (specifier) => import(specifier));
  const saveCache = () => {
    if (cachedData && !script.cachedDataRejected) return;
    try {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData()); // after the run: the functions it compiled are in it
      renameSync(tmp, cacheFile);
    } catch {}
  };
  return { main: module.exports.main, saveCache };
}

const bundle = bundleFor(process.argv[2]);
(bundle ? Promise.resolve(bundle) : import("../dist/index.js")).then(async ({ main, saveCache }) => {
  // `tgvx ... | head` closes the pipe early: stop quietly, as other command-line tools do.
  process.stdout.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.exitCode = await main(process.argv);
  saveCache?.();
});
