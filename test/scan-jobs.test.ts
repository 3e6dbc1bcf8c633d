// `tgvx scan -j N`: the same output, report and exit status with worker threads as without.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/tgvx.js");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-jobs-"));
const db = join(tmp, "main.tgvxdb");

function tgvx(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, TGVX_DEBUG: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** The run's own timing is the only thing allowed to differ. */
const untimed = (s: string) => s.replace(/^Time: .*$/m, "Time: -").replace(/"seconds": [\d.]+/, '"seconds": 0').replace(/^started .*$/m, "started -").replace(/"started":"[^"]*"/, '"started":"-"');

beforeAll(() => {
  const r = tgvx(["compile", "db-src", "-o", db]);
  expect(r.status).toBe(0);
  // a tree with an unreadable entry and a file over the size limit (scanned as a stream), beside samples/
  mkdirSync(join(tmp, "extra"), { recursive: true });
  writeFileSync(join(tmp, "extra", "big.bin"), Buffer.alloc(0x30000, 0x41));
});

describe("tgvx scan -j N", () => {
  const base = ["scan", "--db", db];
  const paths = ["samples", join(tmp, "extra"), join(tmp, "no-such-file")];

  it("prints the same lines, summary and exit status as one thread, on samples/", () => {
    const one = tgvx([...base, "-j", "1", "samples"]);
    expect(one.status).toBe(1);
    expect(one.stdout).toMatch(/FOUND/);
    for (const j of ["2", "3"]) {
      const many = tgvx([...base, "-j", j, "samples"]);
      expect(many.status).toBe(one.status);
      expect(untimed(many.stdout)).toBe(untimed(one.stdout));
      expect(many.stderr).toBe(one.stderr);
    }
  });

  it("the same JSON, errors, files scanned as streams and traces", () => {
    const args = [...base, "--json", "--max-filesize", "4K", "--debug", "trace", ...paths];
    const one = tgvx([...args, "-j", "1"]);
    const two = tgvx([...args, "-j", "2"]);
    expect(one.status).toBe(2); // an error outranks a detection
    expect(two.status).toBe(2);
    expect(untimed(two.stdout)).toBe(untimed(one.stdout));
    expect(two.stderr).toBe(one.stderr);
    const files = JSON.parse(one.stdout).files as { path: string; status: string }[];
    expect(files.find((f) => f.path.endsWith("big.bin"))?.status).toBe("incomplete");
    expect(files.map((f) => f.status)).toContain("error");
    expect(one.stderr).toMatch(/^trace /m);
  });

  it("writes the same report", () => {
    const report = (j: string) => {
      const file = join(tmp, `report-${j}.txt`);
      const r = tgvx([...base, "--json", "--report", file, "-j", j, "samples"]);
      expect(r.status).toBe(1);
      return [readFileSync(file, "utf8"), readFileSync(file.replace(/\.txt$/, ".jsonl"), "utf8")].map(untimed);
    };
    const one = report("1");
    expect(one[1]).toMatch(/"type":"object"/);
    expect(report("2")).toEqual(one);
  });

  it("takes auto, and refuses what is not a thread count", () => {
    expect(tgvx([...base, "-j", "auto", "-i", "samples/clean"]).status).toBe(0);
    const bad = tgvx([...base, "-j", "many", "samples/clean"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/use a number of threads or "auto"/);
  });
});
