/** The stencil model (YAML, kebab-case keys) -> the engine's stencil, which the writer lays out in STNC. */
import type { Stencil, StencilCondition } from "@tgvx/engine";
import type { StencilConditionSpec, StencilSpec } from "@tgvx/records";

function condition(w: StencilConditionSpec | undefined): StencilCondition {
  const out: StencilCondition = {};
  if (!w) return out;
  if (w.attributes) out.attributes = w.attributes;
  if (w["any-attributes"]) out.anyAttributes = w["any-attributes"];
  if (w["not-attributes"]) out.notAttributes = w["not-attributes"];
  if (w.categories) out.categories = w.categories;
  if (w.filetypes) out.filetypes = w.filetypes;
  if (w.in) out.in = w.in;
  if (w.names) out.names = w.names;
  return out;
}

export function stencilToImage(s: StencilSpec): Stencil {
  const out: Stencil = {
    name: s.name,
    description: s.description,
    rules: s.rules.map((r) => ({
      name: r.name,
      when: condition(r.when),
      action: r.action,
      ...(r.fallback ? { fallback: r.fallback } : {}),
      reason: r.reason,
    })),
  };
  if (s.fallback) out.fallback = s.fallback;
  if (s.categories && Object.keys(s.categories).length) out.categories = s.categories;
  return out;
}

/** The engine's stencil -> the YAML model (what `tgvx decompile` writes). */
export function stencilToSpec(s: Stencil): StencilSpec {
  const rules = s.rules.map((r) => {
    const w = r.when;
    const when: StencilConditionSpec = {};
    if (w.attributes) when.attributes = w.attributes;
    if (w.anyAttributes) when["any-attributes"] = w.anyAttributes;
    if (w.notAttributes) when["not-attributes"] = w.notAttributes;
    if (w.categories) when.categories = w.categories;
    if (w.filetypes) when.filetypes = w.filetypes;
    if (w.in) when.in = w.in;
    if (w.names) when.names = w.names;
    return { name: r.name, ...(Object.keys(when).length ? { when } : {}), action: r.action, ...(r.fallback ? { fallback: r.fallback } : {}), reason: r.reason };
  });
  return {
    name: s.name,
    description: s.description,
    ...(s.fallback ? { fallback: s.fallback } : {}),
    ...(s.categories && Object.keys(s.categories).length ? { categories: s.categories } : {}),
    rules,
  };
}
