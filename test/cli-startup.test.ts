// Start-up: `tgvx scan` and `tgvx clean` run from a bundle with a V8 code cache
// (scripts/bundle-cli.mjs) and the engine core imports no zod. Neither may change a byte of what
// the CLI reports or writes.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const cli = join(root, "packages/cli");
const bundle = join(cli, "dist/bundle/tgvx.cjs");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-startup-"));
const db = join(tmp, "main.tgvxdb");

const env = { ...process.env, TGVX_DEBUG: "" };
/** Through the launcher: `scan` runs the bundle. */
function viaBin(args: string[]) {
  return spawnSync(process.execPath, [join(cli, "bin/tgvx.js"), ...args], { cwd: root, encoding: "utf8", env });
}
/** The same command from dist/, unbundled. */
function viaDist(args: string[]) {
  const code = `import(${JSON.stringify(join(cli, "dist/index.js"))}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(0, 1).concat(["tgvx"], process.argv.slice(1))); })`;
  return spawnSync(process.execPath, ["-e", code, ...args], { cwd: root, encoding: "utf8", env });
}
const untimed = (s: string) => s.replace(/^Time: .*$/m, "Time: -").replace(/"seconds": [\d.]+/, '"seconds": 0');

beforeAll(() => {
  expect(viaBin(["compile", "db-src", "-o", db]).status).toBe(0);
});

describe("tgvx scan and clean from the bundle", () => {
  it("is current after the build (else the launcher would fall back to dist and this file would test nothing)", () => {
    expect(existsSync(bundle), "run `npm run build`").toBe(true);
    expect(statSync(bundle).mtimeMs).toBeGreaterThanOrEqual(statSync(join(cli, "tsconfig.tsbuildinfo")).mtimeMs);
  });

  it("reports what the unbundled CLI reports: text, JSON, module records, worker threads, errors", () => {
    const cases = [
      ["scan", "--db", db, "samples"],
      ["scan", "--db", db, "--json", "samples/infected"],
      ["scan", "--db", db, "samples/infected/veil-a"], // type 1 records: the built-in modules, imported on demand
      ["scan", "--db", db, "-j", "2", "samples/infected"], // tinypool, imported on demand
      ["scan", "--db", join(tmp, "missing.tgvxdb"), "samples"],
      ["scan", "--no-such-option"],
    ];
    for (const args of cases) {
      const a = viaBin(args);
      const b = viaDist(args);
      expect([a.status, untimed(a.stdout), a.stderr], args.join(" ")).toEqual([b.status, untimed(b.stdout), b.stderr]);
    }
    expect(viaBin(["scan", "--db", db, "samples/infected/veil-a"]).stdout).toMatch(/Infected files: 20/);
  });

  it("cleans as the unbundled CLI cleans: the same lines, exit status and resulting files", () => {
    const dirs = ["bundle", "dist"].map((n) => {
      const dir = join(tmp, `clean-${n}`);
      cpSync(join(root, "samples/infected/veil-a"), join(dir, "veil-a"), { recursive: true });
      cpSync(join(root, "samples/infected/dropper-a"), join(dir, "dropper-a"), { recursive: true });
      return dir;
    });
    const args = (dir: string) => ["clean", "--db", db, join(dir, "veil-a"), join(dir, "dropper-a")];
    const a = viaBin(args(dirs[0]));
    const b = viaDist(args(dirs[1]));
    const rel = (s: string, dir: string) => untimed(s.split(dir).join("DIR"));
    expect([a.status, rel(a.stdout, dirs[0]), rel(a.stderr, dirs[0])]).toEqual([b.status, rel(b.stdout, dirs[1]), rel(b.stderr, dirs[1])]);
    expect(a.stdout).toMatch(/cleaned/);
    const files = (dir: string) => readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
    expect(files(dirs[0])).toEqual(files(dirs[1]));
    for (const f of files(dirs[0])) if (statSync(join(dirs[0], f)).isFile()) expect(readFileSync(join(dirs[0], f)).equals(readFileSync(join(dirs[1], f))), f).toBe(true);
  });

  it("keeps its code cache beside it, and a damaged cache is only slower", () => {
    viaBin(["scan", "--db", db, "samples/clean"]);
    expect(existsSync(`${bundle}.v8cache`)).toBe(true);
    const first = viaBin(["scan", "--db", db, "samples/infected/veil-a"]);
    // V8 checks the cache against the source and refuses a foreign one; the launcher writes a new one.
    const cache = readFileSync(`${bundle}.v8cache`);
    spawnSync(process.execPath, ["-e", `require("fs").writeFileSync(${JSON.stringify(`${bundle}.v8cache`)}, Buffer.alloc(${cache.length}, 7))`]);
    const damaged = viaBin(["scan", "--db", db, "samples/infected/veil-a"]);
    expect([damaged.status, untimed(damaged.stdout)]).toEqual([first.status, untimed(first.stdout)]);
    expect(readFileSync(`${bundle}.v8cache`).equals(Buffer.alloc(cache.length, 7))).toBe(false);
  });
});

describe("the engine core", () => {
  it("imports no zod, statically (55 ms of every start): only the SDK and the built-in modules need it", () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|^\s*import\s+"([^"]+)"/gm)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith(".")) walk(resolve(dirname(file), spec));
        else packages.add(spec.split("/")[0]);
      }
    };
    walk(join(root, "packages/engine/dist/core.js"));
    expect(seen.size).toBeGreaterThan(20);
    expect([...packages].sort()).toEqual(["fflate"]);
    walk(join(root, "packages/engine/dist/index.js"));
    expect(packages.has("zod")).toBe(true); // the walk does see it where it is
  });
});
