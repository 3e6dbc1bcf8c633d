/**
 * The command line of every bench script, one way: options parsed strictly (node:util parseArgs),
 * `--help` printed from the same option table, numbers checked, every error a line on stderr
 * naming the bench and exit 2; and the workspace packages imported with a "build first" hint
 * when they are not built.
 */
import { parseArgs } from "node:util";

/**
 * Parse the command line of bench `name` (its file is bench/`name`.mjs) against `options`
 * (parseArgs options; `hint` replaces the default shown in --help). Returns the values and
 * checkers that fail the same way.
 */
export function benchCli(name, options) {
  const fail = (message) => {
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(2);
  };
  const spec = Object.fromEntries(Object.entries(options).map(([flag, { hint, ...o }]) => [flag, o]));
  let args;
  try {
    ({ values: args } = parseArgs({ options: { ...spec, help: { type: "boolean", short: "h", default: false } } }));
  } catch (err) {
    fail(`${err.message} (see --help)`);
  }
  if (args.help) {
    const shown = Object.entries(options).map(([flag, o]) => (o.type === "boolean" ? `[--${flag}]` : `[--${flag} ${o.hint ?? o.default}]`));
    process.stdout.write(`usage: node bench/${name}.mjs ${shown.join(" ")}\n`);
    process.exit(0);
  }
  /** `value` (of `flag`) as an integer >= min: decimal, or hex with 0x. */
  const int = (value, flag, min = 1) => {
    const n = /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min) fail(`--${flag} must be an integer >= ${min}, got "${value}"`);
    return n;
  };
  /** `value` (of `flag`) as a number in [min, max]. */
  const number = (value, flag, min, max = Infinity) => {
    const n = value.trim() === "" ? NaN : Number(value);
    if (!Number.isFinite(n) || n < min || n > max) fail(`--${flag} must be a number ${min}..${max}, got "${value}"`);
    return n;
  };
  const log = (message) => process.stderr.write(`[${name}] ${message}\n`);
  return { args, int, number, fail, log };
}

/** The modules `specifiers` (workspace packages), or exit 2 saying to build first. */
export async function importBuilt(name, ...specifiers) {
  try {
    return await Promise.all(specifiers.map((s) => import(s)));
  } catch (err) {
    process.stderr.write(`${name}: cannot import ${specifiers.join(", ")} (${err.message}); build first: npm run build\n`);
    process.exit(2);
  }
}
