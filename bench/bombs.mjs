#!/usr/bin/env node
// Archive bombs against the engine: wall time and peak memory of one scan each, in a fresh
// process per case so one case's garbage does not count against another.
//   node bench/bombs.mjs            (after `npm run build` and `npm run main`)
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CASES = ["42-shaped", "overlap"];

async function runCase(kind) {
  const { Engine } = await import("@tgvx/engine");
  const { nestedBomb, overlapBomb, zip } = await import("../test/support/archives.mjs");
  const root = new URL("..", import.meta.url);
  const eicar = readFileSync(new URL("samples/infected/eicar.com", root));
  const engine = await Engine.load(readFileSync(new URL("build/main.tgvxdb", root)), { allowUnsigned: true });
  const inner = kind === "overlap" ? { name: "overlap.zip", data: overlapBomb(10_000) } : { ...(await nestedBomb()), name: "42.zip" };
  const outer = zip([inner, { name: "eicar.com", data: eicar }]);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = engine.scan(outer, { name: "outer.zip" });
  const ms = performance.now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    JSON.stringify({
      kind,
      bytes: outer.length,
      ms: Math.round(ms),
      peakRssMiB: Math.round(peak / 1048576),
      rssBeforeScanMiB: Math.round(rssBefore / 1048576),
      limits: r.limits.map((l) => `${l.name} at ${l.path.join("/")}: ${l.message}`),
      detections: r.detections.map((d) => `${d.name} at ${d.path.join("/")}`),
    }),
  );
}

if (process.argv[2] === "--case") await runCase(process.argv[3]);
else {
  const rows = [];
  for (const kind of CASES) {
    const p = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--case", kind], { encoding: "utf8" });
    if (p.status !== 0) throw new Error(`${kind} failed: ${p.stderr}`);
    rows.push(JSON.parse(p.stdout.trim().split("\n").pop()));
  }
  console.log("| bomb | archive bytes | scan ms | peak RSS (MiB, whole process) | reported | found beside it |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.kind} | ${r.bytes} | ${r.ms} | ${r.peakRssMiB} | ${r.limits.join("; ")} | ${r.detections.join("; ")} |`);
}
