/**
 * The lint configuration file (`tgvx-lint.yaml` or `tgvx-lint.json` at the repository root):
 *
 *   rules:
 *     weak-signature: error                  # off | info | warning | error
 *     cost: { severity: warning, budget: 2048 }
 *     unknown-module: { modules: [nimda-pe] }
 *
 * Validated against the rule list: an unknown rule id, severity or option is an error at its
 * line and column.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Node, type Pair } from "yaml";
import type { Diagnostic, DiagnosticCode } from "@tgvx/records";
import { closest } from "./did-you-mean.js";
import { SETTINGS, type AnyRule, type Setting } from "./rule.js";
import { RULES } from "./rules/index.js";

export const CONFIG_FILES = ["tgvx-lint.yaml", "tgvx-lint.yml", "tgvx-lint.json"] as const;

export interface RuleSetting {
  severity?: Setting;
  options?: Record<string, unknown>;
}

export interface LintConfig {
  /** The file it came from, if any. */
  file?: string;
  rules: Record<string, RuleSetting>;
}

export interface ConfigResult {
  /** Undefined when the file has errors. */
  config?: LintConfig;
  diagnostics: Diagnostic[];
}

export function parseLintConfig(path: string, text: string, rules: readonly AnyRule[] = RULES): ConfigResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  const pos = (offset: number) => lines.linePos(offset);
  const diag = (code: DiagnosticCode, message: string, node: Node | null | undefined, at: string) => {
    const r = node?.range ?? [0, 0, 0];
    diagnostics.push({ file: path, severity: "error", code, message, path: at, start: pos(r[0]), end: pos(r[1]) });
  };
  for (const e of doc.errors)
    diagnostics.push({ file: path, severity: "error", code: "YAML_SYNTAX", message: e.message.split("\n")[0], start: pos(e.pos[0]), end: pos(e.pos[1]) });
  if (diagnostics.length) return { diagnostics };

  const config: LintConfig = { file: path, rules: {} };
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { config, diagnostics };
  if (!isMap(root)) {
    diag("WRONG_TYPE", "the lint configuration is a mapping with one key, rules: { <rule id>: off|info|warning|error }", root, "");
    return { diagnostics };
  }
  const byId = new Map(rules.map((r) => [r.meta.id, r]));
  for (const top of root.items as Pair<Node, Node>[]) {
    const key = isScalar(top.key) ? String(top.key.value) : "";
    if (key !== "rules") {
      diag("UNKNOWN_FIELD", `unknown field "${key}": the configuration has only "rules"`, top.key, key);
      continue;
    }
    if (top.value === null || (isScalar(top.value) && top.value.value === null)) continue;
    if (!isMap(top.value)) {
      diag("WRONG_TYPE", `"rules" is a mapping of rule ids to off|info|warning|error`, top.value, "rules");
      continue;
    }
    for (const pair of top.value.items as Pair<Node, Node>[]) {
      const id = isScalar(pair.key) ? String(pair.key.value) : "";
      const at = `rules.${id}`;
      const rule = byId.get(id);
      if (!rule) {
        const near = closest(id, [...byId.keys()]);
        diag("BAD_VALUE", `unknown rule "${id}"${near ? `; did you mean "${near}"?` : ""} (tgvx lint --list-rules lists them)`, pair.key, at);
        continue;
      }
      const setting = ruleSetting(rule, pair.value, at, diag);
      if (setting) config.rules[id] = setting;
    }
  }
  return diagnostics.length ? { diagnostics } : { config, diagnostics };
}

function ruleSetting(
  rule: AnyRule,
  value: Node | null,
  at: string,
  diag: (code: DiagnosticCode, message: string, node: Node | null | undefined, at: string) => void,
): RuleSetting | undefined {
  const severityOf = (node: Node | null, where: string): Setting | undefined => {
    const s = isScalar(node) ? node.value : undefined;
    if (typeof s !== "string" || !(SETTINGS as readonly string[]).includes(s)) {
      diag("BAD_VALUE", `${isScalar(node) ? JSON.stringify(node.value) : "this"} is not a severity; one of: ${SETTINGS.join(", ")}`, node, where);
      return undefined;
    }
    if (rule.meta.compilerEnforced && s !== "error") {
      diag("BAD_VALUE", `${rule.meta.id} stays "error": the compiler refuses these records whatever the linter is told`, node, where);
      return undefined;
    }
    return s as Setting;
  };
  if (isScalar(value)) {
    const severity = severityOf(value, at);
    return severity ? { severity } : undefined;
  }
  if (!isMap(value)) {
    diag("WRONG_TYPE", `"${rule.meta.id}" takes a severity (${SETTINGS.join(", ")}) or a mapping { severity, ...options }`, value, at);
    return undefined;
  }
  const setting: RuleSetting = {};
  const options: Record<string, unknown> = {};
  const optionNodes = new Map<string, Pair<Node, Node>>();
  for (const pair of value.items as Pair<Node, Node>[]) {
    const k = isScalar(pair.key) ? String(pair.key.value) : "";
    if (k === "severity") {
      const severity = severityOf(pair.value, `${at}.severity`);
      if (!severity) return undefined;
      setting.severity = severity;
    } else {
      options[k] = pair.value && "toJSON" in pair.value ? pair.value.toJSON() : null;
      optionNodes.set(k, pair);
    }
  }
  if (!optionNodes.size) return setting;
  if (!rule.meta.options) {
    const [k, pair] = [...optionNodes][0];
    diag("UNKNOWN_FIELD", `${rule.meta.id} has no options, got "${k}"; only "severity" can be set`, pair.key, `${at}.${k}`);
    return undefined;
  }
  const parsed = rule.meta.options.safeParse(options);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const k = String(issue.path[0] ?? (issue.code === "unrecognized_keys" ? issue.keys[0] : ""));
      const pair = optionNodes.get(k);
      const node = issue.code === "unrecognized_keys" ? pair?.key : pair?.value;
      const what = issue.code === "unrecognized_keys" ? `unknown option "${issue.keys.join('", "')}"` : `option "${issue.path.join(".")}": ${issue.message}`;
      diag(issue.code === "unrecognized_keys" ? "UNKNOWN_FIELD" : "BAD_VALUE", `${rule.meta.id}: ${what}`, (node as Node | undefined) ?? value, `${at}.${k}`);
    }
    return undefined;
  }
  setting.options = options;
  return setting;
}
