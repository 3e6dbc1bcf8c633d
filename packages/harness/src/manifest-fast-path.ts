/**
 * A fast reader for the canonical manifest layout, the one `samples/generate.mjs` writes: one
 * `- path:` line per sample, then `key: value` lines of plain scalars and `detect: [A, B]`. A YAML
 * parser with source positions needs about half a second for a 10,000-sample manifest; this needs
 * a few milliseconds. It gives up (undefined) on the first line that is anything else, or on a
 * value YAML could read as other than a string, and the full loader takes over, with its positioned
 * diagnostics: the result is always what the YAML loader would give, or nothing.
 */
import { SampleManifestSchema, type Sample, type SampleManifest } from "./sample-manifest.js";

const ENTRY = /^ {2}- (path|detect|original|removed|unclean|note): (.*)$/;
const FIELD = /^ {4}(path|detect|original|removed|unclean|note): (.*)$/;
/** A plain scalar that is surely a string: no indicator first, no `: ` or ` #`, no spaces at the ends. */
const PLAIN = /^[^\s\-?:,[\]{}#&*!|>'"%@`](?:[^\t\r#:]|:(?! |$)|(?<! )#)*$/;
/** Names and paths inside `detect: [...]`: a flow sequence allows fewer characters. */
const FLOW_ITEM = /^[A-Za-z0-9_][A-Za-z0-9_./+@()-]*$/;
/** Plain scalars YAML (1.2 core, and 1.1 habits) would not read as a string. */
const NOT_A_STRING = /^(?:[-+]?(?:\.?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|\.inf|\.nan)|true|false|yes|no|on|off|y|n|null|~)$/i;

/** A quoted scalar without escapes (and no tab or CR): its text is what is between the quotes. */
const QUOTED = /^"([^"\\\t\r]*)"$|^'([^'\t\r]*)'$/;

function scalar(v: string): string | undefined {
  const q = QUOTED.exec(v);
  if (q) return q[1] ?? q[2];
  return PLAIN.test(v) && !v.endsWith(" ") && !NOT_A_STRING.test(v) ? v : undefined;
}

export function fastManifest(text: string): SampleManifest | undefined {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let i = 0;
  const skip = () => {
    while (i < lines.length && (lines[i] === "" || /^#/.test(lines[i]))) i++;
  };
  skip();
  if (lines[i] !== "samples:") return undefined;
  i++;
  const samples: Sample[] = [];
  let current: Record<string, unknown> | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line === "" || /^#/.test(line)) continue;
    let m = ENTRY.exec(line);
    if (m) {
      current = {};
      samples.push(current as Sample);
    } else {
      m = FIELD.exec(line);
      if (!m || !current) return undefined;
    }
    const [, key, raw] = m;
    if (key in current) return undefined;
    if (key === "detect") {
      const flow = /^\[(.*)\]$/.exec(raw);
      if (!flow) return undefined;
      const items = flow[1] === "" ? [] : flow[1].split(", ");
      if (!items.every((x) => FLOW_ITEM.test(x) && !NOT_A_STRING.test(x))) return undefined;
      current[key] = items;
    } else if (key === "removed") {
      if (raw !== "true") return undefined;
      current[key] = true;
    } else {
      const v = scalar(raw);
      if (v === undefined) return undefined;
      current[key] = v;
    }
  }
  if (!samples.length) return undefined; // `samples:` alone is null to YAML
  const checked = SampleManifestSchema.safeParse({ samples });
  return checked.success ? checked.data : undefined;
}
