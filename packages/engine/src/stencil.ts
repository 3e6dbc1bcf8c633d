/**
 * Stencils: named environment conditions (desktop, mail-gateway, file-server, stream-filter) that
 * decide per virus what is done with a detection. A stencil is an ordered list of rules `when ->
 * action`; the first rule that matches speaks for the stencil layer. Stencils are written in YAML
 * under `db-src/stencils/`, compiled into the STNC section of the tgvxdb (so they ship with
 * database updates) and read back as these objects.
 */
import type { FileTypeName } from "./file-type.js";
import type { ActionName, AttributeName, CategoryName, ContextName, FallbackName } from "./vocabulary.js";

/** When a rule applies. Every field given must hold; an empty condition matches every detection. */
export interface StencilCondition {
  /** The record has all of these attributes. */
  attributes?: AttributeName[];
  /** The record has at least one of these attributes. */
  anyAttributes?: AttributeName[];
  /** The record has none of these attributes. */
  notAttributes?: AttributeName[];
  /** The record's category is one of these. */
  categories?: CategoryName[];
  /** The detected object has one of these file types. */
  filetypes?: FileTypeName[];
  /** The detected object was found in one of these places: the scanned object itself (top), inside an archive, inside e-mail. */
  in?: ContextName[];
  /** The record's name matches one of these patterns (see `matchName`). */
  names?: string[];
}

export interface StencilRule {
  /** Short id, unique in its stencil; traces say "stencil desktop, rule infectors". */
  name: string;
  when: StencilCondition;
  action: ActionName;
  /** For `clean`: what to do when cleaning fails (default: the stencil's fallback). */
  fallback?: FallbackName;
  /** Why: shown in every trace this rule decides. */
  reason: string;
}

export interface Stencil {
  name: string;
  description: string;
  /** What to do when cleaning fails, for rules that do not say (default: report). */
  fallback?: FallbackName;
  /** Category switches: false turns a category's detections into `ignore` (grey areas: adware, riskware). */
  categories?: Partial<Record<CategoryName, boolean>>;
  rules: StencilRule[];
}

/** Stencil names and rule names: lower-case words joined by '-'. */
export const STENCIL_NAME_PATTERN = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$";
/** Record-name patterns: the characters of record names plus the wildcards * and ?. */
export const NAME_PATTERN_PATTERN = "^[A-Za-z0-9_.*?-]+$";

const globCache = new Map<string, RegExp>();

function globRegExp(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    re = new RegExp(`^${body}$`, "i");
    if (globCache.size > 1024) globCache.clear();
    globCache.set(pattern, re);
  }
  return re;
}

/**
 * How well `pattern` names the record `name` (case-insensitive); 0 = not at all. A pattern without
 * wildcards names the record exactly or its family by a dotted prefix (`Win95.CIH` names
 * `Win95.CIH.1003`); `*` stands for any run of characters and `?` for one. The score orders
 * matches from the most specific: exact, then the longest prefix, then the longest glob.
 */
export function matchName(pattern: string, name: string): number {
  if (/[*?]/.test(pattern)) return globRegExp(pattern).test(name) ? 1 + pattern.replace(/[*?]/g, "").length : 0;
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (p === n) return 1_000_000;
  if (n.startsWith(p + ".")) return 10_000 + p.length;
  return 0;
}
