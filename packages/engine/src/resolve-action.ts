/**
 * Action resolution: what is done with one detection, decided through the five control layers,
 * lowest to highest, each able to overrule the ones below:
 *
 *   flow     program defaults (report what is found; every category on) and hard limits that no
 *            layer passes: clean needs a cleaning script or a processing module (else the
 *            fallback), a file at rest cannot be "blocked" (reported instead)
 *   record   the database: the record's processing (clean by its script; remove when its script
 *            removes the object; a package spreader found inside a package discards that package)
 *   debug    the developer's switch (API option or $TGVX_DEBUG): per-record overrides, tracing, and
 *            report-only, a ceiling no layer passes (nothing is changed)
 *   stencil  the environment (desktop, mail-gateway, ...): category switches, then the first rule
 *            whose condition holds
 *   ini      the user: InfectedAction, then [Categories], then [Override] (most specific pattern),
 *            then [Ignore]: the user's word stands
 *
 * A category switched off makes a detection `ignore`, unless a per-virus override at the same
 * or a higher layer names it. Every decision carries its trace: each layer that spoke, what it
 * proposed, with which rule or key, and why; `layer`/`source`/`reason` say who decided.
 */
import type { FileTypeName } from "./file-type.js";
import type { Database } from "./from-binary.js";
import type { UserControl } from "./ini.js";
import { matchName, type Stencil, type StencilRule } from "./stencil.js";
import * as L from "./tgvxdb-layout.js";
import {
  ACTION_NAMES,
  ATTRIBUTE_NAMES,
  LAYER_NAMES,
  attributeNames,
  type ActionName,
  type AttributeName,
  type CategoryName,
  type ContextName,
  type FallbackName,
  type LayerName,
} from "./vocabulary.js";

/** What a decision needs to know about a detection (an engine `Detection` has all of it). */
export interface DetectionRef {
  id: number;
  rev: number;
  name: string;
  category: CategoryName;
}

/** Where the detected object is. */
export interface DecisionContext {
  /** File types of the detected object. */
  types?: readonly FileTypeName[];
  /** Containers on the way to it, outermost first (`[]`: it is the scanned object itself). */
  containers?: readonly ("archive" | "mail")[];
  /** "file": an object at rest (the CLI, file servers); "stream": passing through (gateways, proxies, filters). Default "file". */
  medium?: "file" | "stream";
}

export interface TraceStep {
  layer: LayerName;
  /** The action this layer proposed (absent when it only switched the category or set a fallback). */
  action?: ActionName;
  /** A category switch this layer made. */
  category?: "on" | "off";
  /** A fallback this layer set for failed cleaning. */
  fallback?: FallbackName;
  /** The rule or key that spoke: "stencil desktop, rule infectors", "tgvx.ini:31 [Override] Win95.CIH". */
  source: string;
  reason: string;
}

export interface Decision {
  action: ActionName;
  /** For clean: what is done when cleaning fails or cannot be done. */
  fallback: FallbackName;
  /** The layer whose word stands, and the rule or key, and why. */
  layer: LayerName;
  source: string;
  reason: string;
  /** Every layer that spoke, lowest first. */
  trace: TraceStep[];
  /** The action the layers chose before a hard limit (flow control, report-only) changed it. */
  wanted?: ActionName;
}

/** The developer's switch: `report-only`, `trace`, `NAME=action` (comma-separated in $TGVX_DEBUG). */
export interface DebugSwitch {
  /** Decide everything, change nothing: every action becomes report (a ceiling over all layers). */
  reportOnly?: boolean;
  /** Print every decision's trace (the CLI writes them to stderr). */
  trace?: boolean;
  /** Developer overrides per record (exact name, family prefix or glob). */
  overrides?: readonly { pattern: string; action: ActionName }[];
  /** Where the switch came from, for traces: "TGVX_DEBUG", "--debug", "API option". */
  source?: string;
}

/** Parse a debug switch such as `report-only,trace,Win95.CIH=report`; problems are returned, one per item. */
export function parseDebugSwitch(text: string, source: string): { debug: DebugSwitch; errors: string[] } {
  const debug: DebugSwitch = { source };
  const overrides: { pattern: string; action: ActionName }[] = [];
  const errors: string[] = [];
  for (const item of text.split(/[\s,]+/).filter(Boolean)) {
    const t = item.toLowerCase();
    if (t === "report-only") debug.reportOnly = true;
    else if (t === "trace") debug.trace = true;
    else if (item.includes("=")) {
      const [pattern, action] = item.split("=", 2);
      const a = ACTION_NAMES.find((x) => x === action.toLowerCase());
      if (!/^[A-Za-z0-9_.*?-]+$/.test(pattern)) errors.push(`${source}: "${pattern}" is not a record name or pattern`);
      else if (!a) errors.push(`${source}: "${action}" is not an action (${ACTION_NAMES.join(", ")})`);
      else overrides.push({ pattern, action: a });
    } else errors.push(`${source}: unknown item "${item}": use report-only, trace, or NAME=action`);
  }
  if (overrides.length) debug.overrides = overrides;
  return { debug, errors };
}

export interface PolicyOptions {
  /** Name of a stencil shipped in the database; absent or null: no stencil layer. */
  stencil?: string | null;
  /** Where the stencil was chosen, for traces ("--stencil", "tgvx.ini:20"). */
  stencilSource?: string;
  /** The user's layer (from an INI, flags, or an embedder). */
  user?: UserControl;
  debug?: DebugSwitch;
  /** Processing modules the engine provides (default from `engine.policy()`: its registry's modules that process). */
  modules?: readonly string[];
}

export type PolicyErrorCode = "UNKNOWN_STENCIL";

/** A policy that cannot be built: the message says what exists. */
export class PolicyError extends Error {
  override readonly name = "PolicyError";
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Something a user should know about the configuration against this database (not an error). */
export interface PolicyWarning {
  source: string;
  message: string;
}

const layerRank = (l: LayerName) => LAYER_NAMES.indexOf(l);

interface RecordFacts {
  attributes: AttributeName[];
  attributeBits: number;
  hasScript: boolean;
  removes: boolean;
  module?: string;
}

/**
 * The resolved configuration of all layers for one database. Build it once (`engine.policy()`),
 * then `decide()` per detection; it keeps no per-scan state.
 */
export class Policy {
  readonly stencil: Stencil | undefined;
  readonly user: UserControl;
  readonly debug: DebugSwitch;
  /** Overrides that name no record, ignores whose pinned revision has lapsed. */
  readonly warnings: PolicyWarning[] = [];
  private readonly trustedHashes: Map<string, string>;
  private readonly modules: ReadonlySet<string>;
  private readonly facts = new Map<number, RecordFacts>();

  constructor(
    private readonly db: Database,
    readonly options: PolicyOptions = {},
  ) {
    const stencils = db.stencils();
    if (options.stencil) {
      this.stencil = stencils.find((s) => s.name === options.stencil);
      if (!this.stencil)
        throw new PolicyError(
          "UNKNOWN_STENCIL",
          `stencil "${options.stencil}"${options.stencilSource ? ` (${options.stencilSource})` : ""} is not in the database; it has ${stencils.length ? stencils.map((s) => s.name).join(", ") : "no stencils"}`,
        );
    }
    this.user = options.user ?? {};
    this.debug = options.debug ?? {};
    this.modules = new Set(options.modules ?? []);
    this.trustedHashes = new Map((this.user.trusted ?? []).map((t) => [t.sha256.toLowerCase(), t.source]));
    this.checkNames();
  }

  /** The source of the allow-list entry trusting a file with this SHA-256 (hex), if any. */
  trusted(sha256: string): string | undefined {
    return this.trustedHashes.get(sha256.toLowerCase());
  }

  get hasTrusted(): boolean {
    return this.trustedHashes.size > 0;
  }

  private checkNames(): void {
    const overrides = [...(this.user.overrides ?? []).map((o) => ({ pattern: o.pattern, warn: `[Override] ${o.pattern} names no record in this database`, source: o.source })), ...(this.debug.overrides ?? []).map((o) => ({ pattern: o.pattern, warn: `${o.pattern} names no record in this database`, source: this.debug.source ?? "debug" }))];
    const ignore = this.user.ignore ?? [];
    if (!overrides.length && !ignore.length) return;
    // A pattern written as the database spells its names is settled by a search: a name, a family
    // (matchName's rule without wildcards), or a glob matched by one of the first names after its
    // literal start. The others (a glob starting with a wildcard, another case, no record at all)
    // go over every name, making strings only of those containing the pattern's longest literal
    // part (a million names: ~40 ms).
    const db = this.db;
    const spelled = (pattern: string) => {
      const wild = pattern.search(/[*?]/);
      if (wild < 0) {
        if (db.nameNumber(pattern) >= 0) return true;
        const i = db.nameAtLeast(`${pattern}.`);
        return i < db.nameCount && db.name(i).startsWith(`${pattern}.`);
      }
      const literal = pattern.slice(0, wild);
      for (let i = literal ? db.nameAtLeast(literal) : db.nameCount, end = Math.min(db.nameCount, i + 64); i < end; i++) {
        const name = db.name(i);
        if (!name.startsWith(literal)) break;
        if (matchName(pattern, name) > 0) return true;
      }
      return false;
    };
    // Every name containing a match must contain it (not so for a pattern beyond ASCII, whose
    // lower case may be ASCII: those look at every name).
    const part = (pattern: string) => (/^[\x20-\x7e]*$/.test(pattern) ? pattern.split(/[*?]/).reduce((a, b) => (b.length > a.length ? b : a)) : "");
    for (const o of overrides)
      if (!spelled(o.pattern) && db.findName(part(o.pattern), (n) => matchName(o.pattern, n) > 0) < 0) this.warnings.push({ source: o.source, message: o.warn });
    for (const i of ignore) {
      let index = db.nameNumber(i.name);
      if (index < 0) {
        const lower = i.name.toLowerCase();
        index = db.findName(part(i.name), (n) => n.toLowerCase() === lower);
      }
      if (index < 0) {
        this.warnings.push({ source: i.source, message: `[Ignore] ${i.name} names no record in this database` });
        continue;
      }
      const rev = db.recordRev(db.rowWithName(index));
      if (i.rev !== undefined && rev !== i.rev)
        this.warnings.push({ source: i.source, message: `[Ignore] ${i.name} is pinned to rev ${i.rev} but the database has rev ${rev}: the ignore has lapsed; check the new record and pin rev ${rev} if it still applies` });
    }
  }

  private recordFacts(id: number): RecordFacts | undefined {
    let f = this.facts.get(id);
    if (f) return f;
    const row = this.db.findRow(id);
    if (row < 0) return undefined;
    const bits = this.db.recordAttributes(row);
    const script = this.db.script(row);
    const module = this.db.recordModule(row);
    f = {
      attributes: attributeNames(bits),
      attributeBits: bits,
      hasScript: !!script,
      removes: !!script && script.length === 1 && script[0].op === "REMOVE",
      ...(module !== undefined ? { module } : {}),
    };
    this.facts.set(id, f);
    return f;
  }

  /** Whether a stencil rule's condition holds for this detection. */
  private ruleHolds(rule: StencilRule, d: DetectionRef, facts: RecordFacts, ctx: DecisionContext): boolean {
    const w = rule.when;
    const has = (a: AttributeName) => (facts.attributeBits >>> ATTRIBUTE_NAMES.indexOf(a)) & 1;
    if (w.attributes && !w.attributes.every(has)) return false;
    if (w.anyAttributes && !w.anyAttributes.some(has)) return false;
    if (w.notAttributes && w.notAttributes.some(has)) return false;
    if (w.categories && !w.categories.includes(d.category)) return false;
    if (w.filetypes && !w.filetypes.some((t) => ctx.types?.includes(t))) return false;
    if (w.in) {
      const where: ContextName[] = ctx.containers?.length ? [...new Set(ctx.containers)] : ["top"];
      if (!w.in.some((c) => where.includes(c))) return false;
    }
    if (w.names && !w.names.some((p) => matchName(p, d.name) > 0)) return false;
    return true;
  }

  /** Resolve the action for one detection through the five layers. */
  decide(d: DetectionRef, ctx: DecisionContext = {}): Decision {
    const trace: TraceStep[] = [];
    const facts = this.recordFacts(d.id) ?? { attributes: [], attributeBits: 0, hasScript: false, removes: false };
    const inside = (ctx.containers?.length ?? 0) > 0;
    const what = `${d.name} (${d.category}${facts.attributes.length ? `; ${facts.attributes.join(", ")}` : ""})`;

    let action = "report" as ActionName;
    let decided: TraceStep = { layer: "flow", action, source: "program default", reason: "what is found is reported" };
    trace.push(decided);
    let fallback: FallbackName = "report";
    let fallbackFrom = "program default";
    let gate: { on: boolean; step?: TraceStep } = { on: true };
    /** The highest layer at which an override named this record explicitly. */
    let explicitAt = -1;
    const propose = (step: TraceStep, explicit = false) => {
      trace.push(step);
      if (step.action) {
        action = step.action;
        decided = step;
        if (explicit) explicitAt = Math.max(explicitAt, layerRank(step.layer));
      }
      if (step.fallback) {
        fallback = step.fallback;
        fallbackFrom = step.source;
      }
    };
    const switchCategory = (layer: LayerName, on: boolean, source: string, reason: string) => {
      const step: TraceStep = { layer, category: on ? "on" : "off", source, reason };
      trace.push(step);
      gate = { on, step };
    };
    const bestOverride = <T extends { pattern: string }>(list: readonly T[] | undefined): T | undefined => {
      let best: T | undefined;
      let score = 0;
      for (const o of list ?? []) {
        const s = matchName(o.pattern, d.name);
        if (s > score) [best, score] = [o, s];
      }
      return best;
    };

    // record: the database's processing for this virus
    if ((facts.attributes.includes("sfx") || facts.attributes.includes("archive-spreader")) && inside)
      propose({ layer: "record", action: "discard", source: `record ${d.name} rev ${d.rev}`, reason: `${what} spreads as packages: the whole package is the threat` });
    else if (facts.removes)
      propose({ layer: "record", action: "remove", source: `record ${d.name} rev ${d.rev}`, reason: `${what}: its processing removes the object (the whole object is the threat)` });
    else
      propose({
        layer: "record",
        action: "clean",
        source: `record ${d.name} rev ${d.rev}`,
        reason: facts.hasScript ? `${what}: cleaned by its script (the reverse of the infection)` : `${what}: to be cleaned${facts.module ? ` by module ${facts.module}` : ""}`,
      });

    // debug: developer overrides
    const dbg = bestOverride(this.debug.overrides);
    if (dbg) propose({ layer: "debug", action: dbg.action, source: `${this.debug.source ?? "debug switch"} ${dbg.pattern}=${dbg.action}`, reason: "developer override" }, true);

    // stencil: category switches, then the first rule that holds
    const st = this.stencil;
    if (st) {
      const sw = st.categories?.[d.category];
      if (sw !== undefined)
        switchCategory("stencil", sw, `stencil ${st.name}, categories`, `${d.category} is switched ${sw ? "on" : "off"} in the ${st.name} environment`);
      const rule = st.rules.find((r) => this.ruleHolds(r, d, facts, ctx));
      if (rule) {
        const fb = rule.fallback ?? st.fallback;
        propose({ layer: "stencil", action: rule.action, ...(fb ? { fallback: fb } : {}), source: `stencil ${st.name}, rule ${rule.name}`, reason: rule.reason });
      } else if (st.fallback) propose({ layer: "stencil", fallback: st.fallback, source: `stencil ${st.name}`, reason: `no rule of ${st.name} applies; failed cleaning falls back to ${st.fallback}` });
      else trace.push({ layer: "stencil", source: `stencil ${st.name}`, reason: `no rule of ${st.name} applies` });
    }

    // ini: the user
    const u = this.user;
    if (u.infectedAction) propose({ layer: "ini", action: u.infectedAction.value, source: `${u.infectedAction.source} InfectedAction`, reason: "the user's action for what is found" });
    if (u.cleanFailed) propose({ layer: "ini", fallback: u.cleanFailed.value, source: `${u.cleanFailed.source} CleanFailedAction`, reason: "the user's fallback when cleaning fails" });
    const cat = u.categories?.[d.category];
    if (cat) switchCategory("ini", cat.value, `${cat.source} [Categories] ${d.category}`, `the user switched ${d.category} ${cat.value ? "on" : "off"}`);
    const ov = bestOverride(u.overrides);
    if (ov) propose({ layer: "ini", action: ov.action, source: `${ov.source} [Override] ${ov.pattern}`, reason: `the user's action for ${ov.pattern}` }, true);
    const ig = (u.ignore ?? []).find((i) => i.name.toLowerCase() === d.name.toLowerCase());
    if (ig && (ig.rev === undefined || ig.rev === d.rev))
      propose({ layer: "ini", action: "ignore", source: `${ig.source} [Ignore] ${ig.name}`, reason: `allow-listed${ig.rev !== undefined ? ` at rev ${ig.rev}` : ""}: ignored site-wide` }, true);
    else if (ig) trace.push({ layer: "ini", source: `${ig.source} [Ignore] ${ig.name}`, reason: `the ignore is pinned to rev ${ig.rev}, the record is rev ${d.rev}: it has lapsed` });

    // A category switched off ignores the detection unless an override at that layer or above names it.
    if (!gate.on && gate.step && explicitAt < layerRank(gate.step.layer)) {
      action = "ignore";
      decided = gate.step;
    }

    const chosen = action;
    // flow: hard limits no layer passes
    if (action === "clean" && !facts.hasScript && !(facts.module && this.modules.has(facts.module))) {
      const why = `cleaning needs a script or a processing module: ${d.name} has ${facts.module ? `only module ${facts.module}, which this engine lacks` : "neither"}; fallback ${fallback} (${fallbackFrom})`;
      decided = { layer: "flow", action: fallback, source: "flow control: clean needs a script or module", reason: why };
      trace.push(decided);
      action = fallback;
    }
    if (action === "block" && (ctx.medium ?? "file") === "file") {
      decided = { layer: "flow", action: "report", source: "flow control: block is for streams", reason: "a file at rest cannot be blocked: it is reported" };
      trace.push(decided);
      action = "report";
    }
    // debug: report-only is a ceiling over every layer
    if (this.debug.reportOnly && action !== "report" && action !== "ignore") {
      decided = {
        layer: "debug",
        action: "report",
        source: `${this.debug.source ?? "debug switch"} report-only`,
        reason: `report-only: nothing is changed (without it: ${action}, decided by ${decided.source})`,
      };
      trace.push(decided);
      action = "report";
    }
    return { action, fallback, layer: decided.layer, source: decided.source, reason: decided.reason, trace, ...(chosen !== action ? { wanted: chosen } : {}) };
  }

  /** The decision for a limit hit or heuristic finding (suspicious, not a record): reported; never changed. */
  decideSuspicious(name: string, why?: string): Decision {
    const step: TraceStep = {
      layer: "flow",
      action: "report",
      source: "flow control: suspicious results",
      reason: `${why ? `${why}: ` : ""}${name} is suspicious, not a known threat: it is reported, nothing is changed`,
    };
    return { action: "report", fallback: "report", layer: "flow", source: step.source, reason: step.reason, trace: [step] };
  }
}

/** One line: `clean (stencil desktop, rule infectors: infected programs are cleaned)`. */
export function formatDecision(d: Decision): string {
  return `${d.action} (${d.source}: ${d.reason})`;
}

/** The whole trace on one line, lowest layer first: `flow: report > record: clean > stencil: clean [desktop/infectors]`. */
export function formatTrace(d: Decision): string {
  return d.trace
    .map((s) => `${s.layer}: ${s.action ?? (s.category ? `category ${s.category}` : s.fallback ? `fallback ${s.fallback}` : "-")} [${s.source}]`)
    .join(" > ");
}
