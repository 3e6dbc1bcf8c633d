// `tgvx export`: output, the list of what did not carry over, --json, exit status.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/tgvx.js");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-export-cli-"));

function tgvx(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A database of some of db-src's record files. */
function db(name: string, files: string[]): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const f of files) copyFileSync(join(root, "db-src", f), join(dir, f));
  const out = join(tmp, `${name}.tgvxdb`);
  expect(tgvx(["compile", dir, "-o", out]).status).toBe(0);
  return out;
}

let eicar: string;
let withJump: string;
beforeAll(() => {
  eicar = db("eicar", ["eicar.yaml"]);
  withJump = db("jump", ["eicar.yaml", "tailgate.yaml"]);
});

describe("tgvx export", () => {
  it("writes YARA rules to stdout, exit 0 when every record is exported", () => {
    const r = tgvx(["export", "--format", "yara", eicar]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^import "hash"$/m);
    expect(r.stdout).toMatch(/^rule Test_EICAR_68 \{$/m);
    expect(r.stderr).toMatch(/exported 1 of 1 records as YARA rules \(0 approximate, 0 not exported\)/);
  });

  it("takes ClamAV bytes from --samples, and writes -o atomically", () => {
    const out = join(tmp, "eicar.ndb");
    const r = tgvx(["export", "--format", "clamav", eicar, "--samples", "samples/infected", "-o", out]);
    expect(r.status).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(/^Test\.EICAR\.68:0:0:58354f21[0-9a-f]+\n$/);
  });

  it("lists what was not exported, with why, on stderr and in --json; exit 1", () => {
    const none = tgvx(["export", "--format", "clamav", eicar]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/not exported: Test\.EICAR\.68 \(0x1\): NO_SAMPLE: no samples given/);
    const out = join(tmp, "jump.ndb");
    const r = tgvx(["export", "--format", "clamav", withJump, "--samples", "samples", "-o", out, "--json"]);
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.exitCode).toBe(1);
    expect(j.exported.map((e: { name: string }) => e.name)).toEqual(["Test.EICAR.68"]);
    expect(j.skipped).toEqual([expect.objectContaining({ name: "DOS.Tailgate.A", code: "NO_EQUIVALENT" })]);
    expect(j.text).toBeUndefined(); // written to -o
    expect(r.stderr).toMatch(/not exported: DOS\.Tailgate\.A \(0x1001\): NO_EQUIVALENT: ClamAV has no offset relative to a COM file's initial jump target/);
    // the jump anchor carries over to YARA
    expect(tgvx(["export", "--format", "yara", withJump, "-o", join(tmp, "jump.yar")]).status).toBe(0);
  });

  it("needs --format (exit 2)", () => {
    const r = tgvx(["export", eicar]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--format/);
  });
});
