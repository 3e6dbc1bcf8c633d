// End-to-end: `tgvx lint` and `tgvx fmt` as CI and analysts run them.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/tgvx.js");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-lint-"));

function tgvx(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tailgate = readFileSync(join(root, "db-src/tailgate.yaml"), "utf8");
function dbWith(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

describe("tgvx lint", () => {
  it("db-src as shipped, against samples/: nothing at error or warning level, exit 0", () => {
    const r = tgvx(["lint"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^tgvx lint: \d+ records in \d+ files, \d+ samples, 16 rules: 0 errors, 0 warnings \(\d+\.\d\d s\)\n$/);
    expect(r.status).toBe(0);
  });

  it("a problem at error level: file:line:col rule-id severity message, the line marked, a hint; exit 1", () => {
    const dir = join(tmp, "crc");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "tailgate.yaml"), tailgate.replace("crc: 0x15099438", "crc: 0x15099400"));
    const r = tgvx(["lint", dir, "--samples", "samples"]);
    expect(r.status).toBe(1);
    const f = join(dir, "tailgate.yaml");
    expect(r.stdout).toContain(
      `${f}:40:46 sample-mismatch error window 2 of DOS.Tailgate.A (0xC0 bytes at jump+0x60) has CRC 0x15099438 in samples/infected/tailgate-a/com-host-1.com and 3 more samples; the record says 0x15099400\n` +
        "    |\n" +
        " 40 |         - { offset: 0x60, length: 0xC0, crc: 0x15099400 }\n" +
        "    |                                              ^^^^^^^^^^\n" +
        "    = hint: if the sample is right, write crc: 0x15099438; if the record is right, the sample is stale: regenerate it (npm run samples)\n",
    );
    // Only the tailgate file is linted, so the other families' samples name records it does not have.
    expect(r.stdout).toMatch(/coverage error sample .* expects Test.EICAR.68, which no linted record is called/);
  });

  it("warnings alone do not fail", () => {
    const dir = dbWith("warn", { "tailgate.yaml": tailgate.replace("    rev: 1\n", "    rev: 1\n    suppress:\n      - { rule: weak-signature, reason: the windows are short }\n") });
    const r = tgvx(["lint", dir, "--no-samples"]);
    expect(r.stdout).toContain("suppression warning DOS.Tailgate.A suppresses weak-signature, which reports nothing for it");
    expect(r.stdout).toMatch(/0 errors, 1 warning/);
    expect(r.status).toBe(0);
  });

  it("could not run: exit 2 for a missing folder, an empty folder, a missing corpus", () => {
    const missing = tgvx(["lint", join(tmp, "nowhere")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^tgvx: cannot read /);
    const empty = dbWith("empty", {});
    const r = tgvx(["lint", empty]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no record files (*.yaml)");
    const noCorpus = tgvx(["lint", "db-src", "--samples", join(tmp, "no-samples")]);
    expect(noCorpus.status).toBe(2);
    expect(noCorpus.stderr).toContain("--no-samples");
  });

  it("--format sarif -o FILE writes SARIF 2.1.0 and prints the summary; --json prints JSON", () => {
    const out = join(tmp, "lint.sarif");
    const r = tgvx(["lint", "--format", "sarif", "-o", out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^tgvx lint: /);
    const log = JSON.parse(readFileSync(out, "utf8")) as { version: string; runs: { results: unknown[]; tool: { driver: { name: string } } }[] };
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0].tool.driver.name).toBe("tgvx lint");
    expect(log.runs[0].results).toEqual([]);
    const j = tgvx(["lint", "--json"]);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, diagnostics: [] });
  });

  it("--list-rules prints every rule with its id, severity and description", () => {
    const r = tgvx(["lint", "--list-rules"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(16);
    expect(lines[0]).toMatch(/^schema\s+error\s+the record file is valid YAML/);
    expect(r.stdout).toMatch(/\ncost\s+warning\s+.*\[samples\]\n/);
  });

  it("a configuration with an unknown rule is an error at its place (exit 2); a valid one changes severities", () => {
    const bad = join(tmp, "bad-lint.yaml");
    writeFileSync(bad, "rules:\n  weak-signatures: error\n");
    const r = tgvx(["lint", "-c", bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}:2:3: error BAD_VALUE: unknown rule "weak-signatures"; did you mean "weak-signature"?`);
    const strict = join(tmp, "strict-lint.json");
    writeFileSync(strict, JSON.stringify({ rules: { "weak-signature": { severity: "error", minCovered: 0x1000 } } }));
    const s = tgvx(["lint", "-c", strict, "--no-samples"]);
    expect(s.status).toBe(1);
    expect(s.stdout).toContain("weak-signature error the windows of DOS.Tailgate.A cover 0x100 distinct bytes, fewer than 0x1000");
  });

  it("--help teaches: examples and exit statuses", () => {
    const r = tgvx(["lint", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Exit status: 0 no problem at error level");
    expect(r.stdout).toContain("tgvx lint --format sarif -o build/lint.sarif");
  });
});

describe("tgvx fmt", () => {
  const messy = tailgate.replace("    rev: 1\n    name: DOS.Tailgate.A\n", "    name: DOS.Tailgate.A\n    rev: 1\n").replace("crc: 0x04D0DB9C", "crc: 0x4d0db9c");

  it("--check lists the files that differ and exits 1; fmt rewrites them; then --check passes; comments survive", () => {
    const dir = dbWith("fmt", { "tailgate.yaml": messy, "eicar.yaml": readFileSync(join(root, "db-src/eicar.yaml"), "utf8") });
    const check = tgvx(["fmt", "--check", dir]);
    expect(check.status).toBe(1);
    expect(check.stdout).toBe(`differs ${join(dir, "tailgate.yaml")}\n`);
    expect(readFileSync(join(dir, "tailgate.yaml"), "utf8")).toBe(messy);
    const fmt = tgvx(["fmt", dir]);
    expect(fmt.status).toBe(0);
    expect(fmt.stdout).toBe(`formatted ${join(dir, "tailgate.yaml")}\n`);
    expect(readFileSync(join(dir, "tailgate.yaml"), "utf8")).toBe(tailgate);
    const again = tgvx(["fmt", dir]);
    expect(again.stdout).toBe("");
    expect(tgvx(["fmt", "--check", dir]).status).toBe(0);
  });

  it("db-src as shipped is in canonical form", () => {
    const r = tgvx(["fmt", "--check"]);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });

  it("formats stdin to stdout; a file that does not parse is left alone (exit 2)", () => {
    expect(tgvx(["fmt", "-"], messy).stdout).toBe(tailgate);
    const dir = dbWith("fmt-bad", { "bad.yaml": "records:\n  - id: [1, 2\n" });
    const r = tgvx(["fmt", dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(dir, "bad.yaml")}:3:1: error YAML_SYNTAX`);
    expect(readFileSync(join(dir, "bad.yaml"), "utf8")).toBe("records:\n  - id: [1, 2\n");
  });
});
