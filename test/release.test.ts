// End-to-end through the real `tgvx` binary: keygen, release (signed database, patches, manifest,
// ledger), patch, update (chains, every refusal, crashes at any point, a disk error), and the CLI's
// signature policy for the commands that load a database.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ledger } from "@tgvx/harness";
import { REPLACE_STEPS } from "@tgvx/engine/node";
import { beforeAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/tgvx.js");
const tmp = mkdtempSync(join(tmpdir(), "tgvx-release-"));
const rel = join(tmp, "releases");
const ledger = join(tmp, "ledger.sqlite");
const key = join(tmp, "keys", "release");
const otherKey = join(tmp, "keys", "other");

function tgvx(args: string[], env: Record<string, string | undefined> = {}, input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmp, input, encoding: "utf8", env: { ...process.env, TGVX_TRUSTED_KEYS: undefined, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const dbOf = (v: number, dir = rel) => join(dir, String(v), "main.tgvxdb");
const patchOf = (from: number, to: number, dir = rel) => join(dir, String(to), "patches", `${from}-to-${to}.tgvxpatch`);

/** Record blocks of decompiled YAML, by name (undefined drops the record). */
function edit(yaml: string, f: (name: string, block: string) => string | undefined): string {
  const [head, ...blocks] = yaml.split(/(?=^ {2}- id: )/m);
  return head + blocks.map((b) => f(/name: (\S+)/.exec(b)![1], b) ?? "").join("");
}
const bumpRev = (b: string) => b.replace(/rev: (\d+)/, (_, r) => `rev: ${Number(r) + 1}`);
const newCrc = (b: string, crc: string) => b.replace(/(windows:[\s\S]*?crc: [\s\S]*?crc: )0x[0-9a-f]+/i, `$1${crc}`);

function sources(name: string, yaml: string): string {
  const dir = join(tmp, "src", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "records.yaml"), yaml);
  return dir;
}

function release(src: string, ...more: string[]) {
  const r = tgvx(["release", src, "--key", `${key}.key`, "--out-dir", rel, "--ledger", ledger, ...more]);
  expect(r.status, r.stderr).toBe(0);
  return r;
}

/** A copy of a release database to update, as an engine's installed database. */
function installed(v: number, name = "current.tgvxdb"): string {
  const dir = mkdtempSync(join(tmp, "install-"));
  const p = join(dir, name);
  copyFileSync(dbOf(v), p);
  return p;
}

const update = (db: string, patches: string[], ...more: string[]) => tgvx(["update", "--db", db, "--trusted-key", `${key}.pub`, "--patch", ...patches, ...more]);

let yaml1: string;
let yaml2: string;
let yaml3: string;

beforeAll(() => {
  mkdirSync(join(tmp, "keys"));
  expect(tgvx(["keygen", "-o", key]).status).toBe(0);
  expect(tgvx(["keygen", "-o", otherKey]).status).toBe(0);
  const compiled = tgvx(["compile", join(root, "db-src"), "-o", join(tmp, "dev.tgvxdb")]);
  expect(compiled.status, compiled.stderr).toBe(0);
  yaml1 = tgvx(["decompile", join(tmp, "dev.tgvxdb")]).stdout;
  // v2: one record replaced (rev bumped), one removed, one added.
  yaml2 = edit(yaml1, (name, b) => {
    if (name === "DOS.Tailgate.A") return bumpRev(newCrc(b, "0x12345678")) + b.replace(/id: 0x[0-9A-F]+/i, "id: 0x7F01").replace("DOS.Tailgate.A", "DOS.Tailgate.Z");
    if (name === "Test.EICAR.68") return undefined;
    return b;
  });
  // v3: EICAR back under a new revision, another record replaced, a stencil rule reworded.
  const eicar = edit(yaml1, (name, b) => (name === "Test.EICAR.68" ? bumpRev(b) : undefined)).replace(/^[\s\S]*?records:\n/, "");
  yaml3 = edit(yaml2, (name, b) => (name === "Generic.Trailer.A" ? eicar + bumpRev(newCrc(b, "0x0BADF00D")) : b));
  expect(yaml3).toContain("reason: an anti-virus test file is taken out of the message");
  yaml3 = yaml3.replace("reason: an anti-virus test file is taken out of the message", "reason: an anti-virus test file is removed from the message");
  release(sources("v1", yaml1));
  release(sources("v2", yaml2));
  release(sources("v3", yaml3), "--notes", "third");
});

describe("tgvx keygen", () => {
  it("writes the private key 0600 and the public key, never prints the private key, never overwrites", () => {
    expect(statSync(`${key}.key`).mode & 0o777).toBe(0o600);
    const privateLine = readFileSync(`${key}.key`, "utf8").trim().split("\n").at(-1)!;
    expect(privateLine).toMatch(/^tgvx-private-key ed25519 [0-9a-f]{16} [A-Za-z0-9+/]{43}=$/);
    const pub = readFileSync(`${key}.pub`, "utf8").trim().split("\n").at(-1)!;
    expect(pub).toMatch(/^tgvx-public-key ed25519 [0-9a-f]{16} [A-Za-z0-9+/]{43}=$/);
    expect(pub.split(" ")[2]).toBe(privateLine.split(" ")[2]);
    const again = tgvx(["keygen", "-o", key, "--json"]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("exists already: keys are never overwritten");
    const fresh = tgvx(["keygen", "-o", join(tmp, "keys", "third"), "--json"]);
    const out = JSON.parse(fresh.stdout);
    expect(out.keyId).toMatch(/^[0-9a-f]{16}$/);
    const secret = readFileSync(join(tmp, "keys", "third.key"), "utf8").trim().split(" ").at(-1)!;
    expect(fresh.stdout + fresh.stderr).not.toContain(secret);
  });
});

describe("tgvx release", () => {
  it("writes releases/<version>/ with the signed database, patches from earlier releases and a manifest", () => {
    expect(readdirSync(rel).sort()).toEqual(["1", "2", "3"]);
    const m = JSON.parse(readFileSync(join(rel, "3", "manifest.json"), "utf8"));
    const keyId = readFileSync(`${key}.pub`, "utf8").trim().split("\n").at(-1)!.split(" ")[2];
    expect(m).toMatchObject({ format: "tgvx-release", version: 3, previous: 2, notes: "third", signature: { algorithm: "ed25519", keyId } });
    expect(m.database.sha256).toBe(sha(dbOf(3)));
    const bytes = readFileSync(dbOf(3));
    expect(m.database.bytes).toBe(bytes.length);
    expect(m.database.contentSha256).toBe(bytes.subarray(8, 40).toString("hex"));
    expect(Buffer.from(m.signature.value, "base64").equals(bytes.subarray(40, 104))).toBe(true);
    expect(m.patches.map((p: { file: string }) => p.file)).toEqual(["patches/1-to-3.tgvxpatch", "patches/2-to-3.tgvxpatch"]);
    for (const p of m.patches) expect(p.sha256).toBe(sha(join(rel, "3", p.file)));
    expect(m.patches[1]).toMatchObject({ from: 2, removed: 0, added: 1, replaced: 1 });
  });

  it("signs without changing the content SHA-256: release 1 has the identity of the unsigned build", () => {
    const dev = readFileSync(join(tmp, "dev.tgvxdb"));
    const v1 = readFileSync(dbOf(1));
    expect(v1.subarray(8, 40).equals(dev.subarray(8, 40))).toBe(true);
    expect(v1.subarray(112).equals(dev.subarray(112))).toBe(true);
    const info = JSON.parse(tgvx(["info", dbOf(1), "--json"]).stdout);
    expect(info).toMatchObject({ signed: true, keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it("records every release in the ledger", () => {
    const l = Ledger.open(ledger, { create: false });
    try {
      expect(l.releases().map((r) => [r.version, r.signed, r.hasBytes])).toEqual([
        ["1", true, true],
        ["2", true, true],
        ["3", true, true],
      ]);
      expect(l.release("3")!.notes).toBe("third");
    } finally {
      l.close();
    }
  });

  it("moves only forward: an older or taken version is refused, the same content again is a no-op", () => {
    const taken = tgvx(["release", sources("v3", yaml3), "--key", `${key}.key`, "--out-dir", rel, "--ledger", ledger, "--db-version", "2"]);
    expect(taken.status).toBe(2);
    expect(taken.stderr).toMatch(/release 2 exists in .* with other content \(SHA-256 [0-9a-f]{12}, this build [0-9a-f]{12}\): a version names one database; release 4/);
    const below = tgvx(["release", sources("v4", yaml3.replace("rev: 2", "rev: 3")), "--key", `${key}.key`, "--out-dir", rel, "--no-ledger", "--db-version", "1"]);
    expect(below.status).toBe(2);
    const same = tgvx(["release", sources("v3", yaml3), "--key", `${key}.key`, "--out-dir", rel, "--ledger", ledger, "--db-version", "3"]);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toContain("release 3 already exists");
    const noKey = tgvx(["release", sources("v3", yaml3), "--out-dir", join(tmp, "nokey"), "--no-ledger"], { TGVX_SIGNING_KEY: undefined });
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toContain("no signing key: give --key FILE");
    expect(existsSync(join(tmp, "nokey"))).toBe(false);
  });
});

describe("tgvx patch", () => {
  it("makes the same patch as the release did, from release folders, and says what it holds", () => {
    const out = join(tmp, "1-to-3.tgvxpatch");
    const r = tgvx(["patch", join(rel, "1"), join(rel, "3"), "-o", out, "--key", `${key}.key`, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, base: { dbVersion: 1 }, target: { dbVersion: 3 }, removed: 0, added: 1 });
    expect(j.shareOfDatabase).toBeLessThan(1);
    expect(sha(out)).toBe(sha(patchOf(1, 3)));
  });

  it("refuses an unsigned new database and one that is not newer, writing nothing", () => {
    const out = join(tmp, "never.tgvxpatch");
    const unsigned = tgvx(["patch", dbOf(1), join(tmp, "dev.tgvxdb"), "-o", out, "--key", `${key}.key`]);
    expect(unsigned.status).toBe(2);
    expect(unsigned.stderr).toContain("no patch (TARGET_UNSIGNED)");
    const back = tgvx(["patch", join(rel, "3"), join(rel, "2"), "-o", out, "--key", `${key}.key`]);
    expect(back.stderr).toContain("no patch (VERSION_NOT_NEWER)");
    expect(existsSync(out)).toBe(false);
  });
});

describe("tgvx update", () => {
  it("applies a chain in order, or one patch from an older release straight to the newest: byte-identical to the release", () => {
    const a = installed(1);
    const r = update(a, [patchOf(1, 2), patchOf(2, 3)]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^updated .*: version 1 -> 3 \(2 patches, /);
    expect(sha(a)).toBe(sha(dbOf(3)));
    const b = installed(1);
    expect(update(b, [patchOf(1, 3)]).status).toBe(0);
    expect(sha(b)).toBe(sha(dbOf(3)));
    const again = update(b, [patchOf(1, 3)]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("is already version 3");
  });

  it("--json and --dry-run", () => {
    const a = installed(2);
    const dry = update(a, [patchOf(2, 3)], "--dry-run", "--json");
    expect(dry.status).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ ok: true, updated: false, dryRun: true, from: { dbVersion: 2 }, to: { dbVersion: 3 }, trust: { signature: "verified" } });
    expect(sha(a)).toBe(sha(dbOf(2)));
    const real = JSON.parse(update(a, [patchOf(2, 3)], "--json").stdout);
    expect(real).toMatchObject({ ok: true, updated: true, steps: [{ removed: 0, added: 1, replaced: 1, alreadyApplied: false }] });
  });

  /** Run an update that must be refused: exit 2, the code and message on stderr, the database unchanged. */
  function refused(db: string, args: string[], code: string, message: RegExp) {
    const before = sha(db);
    const r = tgvx(["update", "--db", db, ...args]);
    expect(r.status, r.stdout).toBe(2);
    expect(r.stderr).toContain(`update refused (${code}): `);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`${db} is unchanged`);
    expect(sha(db)).toBe(before);
    expect(readdirSync(join(db, "..")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  }
  const trusted = ["--trusted-key", `${key}.pub`];

  it("refuses a tampered patch (BAD_SIGNATURE) and one damaged in transit (CORRUPT)", () => {
    const db = installed(1);
    const bytes = readFileSync(patchOf(1, 2));
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 30] ^= 0x20;
    writeFileSync(join(tmp, "damaged.tgvxpatch"), damaged);
    refused(db, [...trusted, "--patch", join(tmp, "damaged.tgvxpatch")], "CORRUPT", /patch checksum mismatch/);
    // Tampered: the checksum recomputed over the changed content, the signature kept.
    createHash("sha256").update(damaged.subarray(112)).digest().copy(damaged, 8);
    writeFileSync(join(tmp, "tampered.tgvxpatch"), damaged);
    refused(db, [...trusted, "--patch", join(tmp, "tampered.tgvxpatch")], "BAD_SIGNATURE", /patch signature does not verify with trusted key [0-9a-f]{16}: the patch was altered/);
  });

  it("refuses a patch for another base (WRONG_BASE) and a damaged current database", () => {
    const otherV1 = join(tmp, "other-v1.tgvxdb");
    const other = tgvx(["release", sources("v1b", edit(yaml1, (n, b) => (n === "Test.EICAR.68" ? undefined : b))), "--key", `${key}.key`, "--out-dir", join(tmp, "branch"), "--no-ledger"]);
    expect(other.status, other.stderr).toBe(0);
    copyFileSync(dbOf(1, join(tmp, "branch")), otherV1);
    refused(otherV1, [...trusted, "--patch", patchOf(1, 2)], "WRONG_BASE", /patch is for database version 1 \(SHA-256 [0-9a-f]{12}\), but the database is version 1 \(SHA-256 [0-9a-f]{12}\): it was made for another database/);
    const truncated = installed(1, "truncated.tgvxdb");
    writeFileSync(truncated, readFileSync(truncated).subarray(0, 1000));
    refused(truncated, [...trusted, "--patch", patchOf(1, 2)], "WRONG_BASE", /the current database is damaged \(TRUNCATED: .*\); it cannot be patched: install the full database/);
  });

  it("refuses a chain with a gap (CHAIN_GAP) and a patch older than the database (VERSION_NOT_NEWER)", () => {
    refused(installed(1), [...trusted, "--patch", patchOf(2, 3)], "CHAIN_GAP", /patch starts at version 2, but the database is version 1: the patches from version 1 to 2 are missing/);
    refused(installed(3), [...trusted, "--patch", patchOf(1, 2)], "VERSION_NOT_NEWER", /the database is already version 3: the patch is older than the database/);
    const json = tgvx(["update", "--db", installed(1), ...trusted, "--patch", patchOf(2, 3), "--json"]);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, code: "CHAIN_GAP", message: expect.stringMatching(/is unchanged$/) });
  });

  it("refuses a patch, or a database, signed by another key (UNTRUSTED_KEY)", () => {
    const branch = join(tmp, "foreign");
    for (const [v, y] of [
      ["1", yaml1],
      ["2", yaml2],
    ] as const) {
      const r = tgvx(["release", sources(`foreign${v}`, y), "--key", `${otherKey}.key`, "--out-dir", branch, "--no-ledger"]);
      expect(r.status, r.stderr).toBe(0);
    }
    const db = installed(1);
    refused(db, [...trusted, "--patch", patchOf(1, 2, branch)], "UNTRUSTED_KEY", /patch is signed by key [0-9a-f]{16}, which is not a trusted key \(trusted: [0-9a-f]{16}\)/);
    // Trusting the other key for patches does not make a database signed by it acceptable to engines trusting only ours.
    const scan = tgvx(["scan", "--db", dbOf(2, branch), "--trusted-key", `${key}.pub`, join(root, "samples/clean")]);
    expect(scan.status).toBe(2);
    expect(scan.stderr).toMatch(/refused \(UNTRUSTED_KEY\): database is signed by key [0-9a-f]{16}, which is not a trusted key/);
  });

  it("refuses a truncated patch (TRUNCATED), a missing one, and running without a trusted key", () => {
    const db = installed(1);
    const cut = join(tmp, "cut.tgvxpatch");
    writeFileSync(cut, readFileSync(patchOf(1, 2)).subarray(0, 400));
    refused(db, [...trusted, "--patch", cut], "TRUNCATED", /patch is 400 bytes but its header declares \d+: the file is truncated; fetch it again/);
    refused(db, [...trusted, "--patch", join(tmp, "nope.tgvxpatch")], "CANNOT_READ", /cannot read patch .*nope\.tgvxpatch: no such file/);
    const missing = tgvx(["update", "--db", join(tmp, "no-such.tgvxdb"), ...trusted, "--patch", patchOf(1, 2)]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/update refused \(CANNOT_READ\): cannot read the database .*no-such\.tgvxdb: no such file \(ENOENT\)/);
    expect(existsSync(join(tmp, "no-such.tgvxdb"))).toBe(false);
    const before = sha(db);
    const r = tgvx(["update", "--db", db, "--patch", patchOf(1, 2)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("tgvx update needs the publisher's public key to check patches");
    expect(sha(db), r.stdout + r.stderr).toBe(before);
    // The key from the environment is enough.
    expect(tgvx(["update", "--db", db, "--patch", patchOf(1, 2)], { TGVX_TRUSTED_KEYS: `${key}.pub` }).status).toBe(0);
  });

  it("refuses when the disk refuses (DISK_ERROR): the file size limit stops the temporary file, the database stays", () => {
    const db = installed(1);
    const before = sha(db);
    // ulimit -f 1: files may not grow past 1 KiB; SIGXFSZ ignored so the write fails with EFBIG instead.
    const r = spawnSync(
      "bash",
      ["-c", `trap '' XFSZ; ulimit -f 1; exec "${process.execPath}" "${bin}" update --db "${db}" --trusted-key "${key}.pub" --patch "${patchOf(1, 3)}"`],
      { encoding: "utf8", env: { ...process.env, TGVX_TRUSTED_KEYS: undefined } },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/update refused \(DISK_ERROR\): cannot write .*EFBIG/);
    expect(sha(db)).toBe(before);
    expect(readdirSync(join(db, "..")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("an update killed at any point", () => {
  const oldSha = () => sha(dbOf(1));
  const newSha = () => sha(dbOf(3));

  it.each(REPLACE_STEPS.map((s) => [s]))("leaves the old database or the new one, whole, when killed at %s", (step) => {
    const db = installed(1);
    const r = spawnSync(process.execPath, [bin, "update", "--db", db, "--trusted-key", `${key}.pub`, "--patch", patchOf(1, 3)], {
      encoding: "utf8",
      env: { ...process.env, TGVX_TEST_CRASH_AT: step },
    });
    expect(r.signal).toBe("SIGKILL");
    const renamed = REPLACE_STEPS.indexOf(step) >= REPLACE_STEPS.indexOf("renamed");
    expect(sha(db)).toBe(renamed ? newSha() : oldSha());
  });

  it("leaves the old database or the new one when killed at random moments, and cleans up stale temporary files later", async () => {
    const t0 = performance.now();
    expect(update(installed(1), [patchOf(1, 3)]).status).toBe(0);
    const lifetime = performance.now() - t0;
    const outcomes = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const db = installed(1);
      const child = spawn(process.execPath, [bin, "update", "--db", db, "--trusted-key", `${key}.pub`, "--patch", patchOf(1, 3)], { stdio: "ignore" });
      const exited = new Promise((resolve) => child.on("exit", resolve));
      await new Promise((resolve) => setTimeout(resolve, (lifetime * (i + 0.5)) / 10));
      child.kill("SIGKILL");
      await exited;
      const now = sha(db);
      expect([oldSha(), newSha()]).toContain(now);
      outcomes.add(now === oldSha() ? "old" : "new");
    }
    expect(outcomes.has("old")).toBe(true);
    // A temporary file left by a killed update is removed by the next one once it is stale.
    const db = installed(1);
    const crashed = spawnSync(process.execPath, [bin, "update", "--db", db, "--trusted-key", `${key}.pub`, "--patch", patchOf(1, 3)], {
      env: { ...process.env, TGVX_TEST_CRASH_AT: "temp-written" },
    });
    expect(crashed.signal).toBe("SIGKILL");
    const leftover = readdirSync(join(db, "..")).filter((f) => f.endsWith(".tmp"));
    expect(leftover).toHaveLength(1);
    const old = new Date(Date.now() - 3600_000);
    utimesSync(join(db, "..", leftover[0]), old, old);
    const r = JSON.parse(update(db, [patchOf(1, 3)], "--json").stdout);
    expect(r.removedTemps).toEqual([join(db, "..", leftover[0])]);
    expect(readdirSync(join(db, "..")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(sha(db)).toBe(newSha());
  });
});

describe("the signature policy of commands that load a database", () => {
  const sample = join(root, "samples/infected/eicar.com");

  it("development mode (no trusted key): an unsigned database works, with one warning line", () => {
    const r = tgvx(["scan", "--db", join(tmp, "dev.tgvxdb"), sample]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tgvx: warning: \S+dev\.tgvxdb is not signed: used without any signature check \(development database\); give --trusted-key KEY\.pub/);
    const signed = tgvx(["scan", "--db", dbOf(1), sample]);
    expect(signed.stderr).toMatch(/^tgvx: warning: \S+ is signed by key [0-9a-f]{16}, but no trusted key was given: its signature was not checked/);
  });

  it("with a trusted key: a release signed by it loads silently, an unsigned database is refused unless --allow-unsigned", () => {
    const ok = tgvx(["scan", "--db", dbOf(1), "--trusted-key", `${key}.pub`, sample]);
    expect(ok.status).toBe(1);
    expect(ok.stderr).toBe("");
    const env = tgvx(["scan", "--db", dbOf(1), sample], { TGVX_TRUSTED_KEYS: `${otherKey}.pub:${key}.pub` });
    expect(env.stderr).toBe("");
    const dev = tgvx(["scan", "--db", join(tmp, "dev.tgvxdb"), "--trusted-key", `${key}.pub`, sample]);
    expect(dev.status).toBe(2);
    expect(dev.stderr).toMatch(/refused \(UNSIGNED\): database is not signed .* add --allow-unsigned to use it anyway/);
    const allowed = tgvx(["scan", "--db", join(tmp, "dev.tgvxdb"), "--trusted-key", `${key}.pub`, "--allow-unsigned", sample]);
    expect(allowed.status).toBe(1);
    expect(allowed.stderr).toMatch(/^tgvx: warning: \S+ is not signed: accepted because of --allow-unsigned \(development database\)\n$/);
  });

  it("explains itself in --help: examples and exit statuses", () => {
    for (const cmd of ["keygen", "release", "patch", "update"]) {
      const h = tgvx([cmd, "--help"]);
      expect(h.status).toBe(0);
      expect(h.stdout).toContain("Examples:");
      expect(h.stdout).toContain("Exit status:");
    }
    expect(tgvx(["scan", "--help"]).stdout).toContain("--trusted-key <file>");
  });
});
