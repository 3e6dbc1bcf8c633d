/**
 * Scan an object, decide every finding through the control layers (`Policy`), and, when asked
 * (`kill`), carry the decisions out in memory: clean, take members out of their package, drop the
 * whole object (remove, quarantine, discard, block). The input is never modified; the caller gets
 * what becomes of the object (keep it, replace it with `output`, or drop it) and one report per
 * finding with its decision, its trace, and what was actually done.
 *
 * Whole-object actions beat member actions: block (a stream refused) > discard (the object a find
 * came in is dropped) > quarantine / remove of the scanned object > cleaning and member changes.
 * Cleaning that fails or cannot be done falls back (report, remove or quarantine, as resolved); a
 * member whose package cannot be rebuilt makes its fallback apply to the whole object.
 */
import type { Detection, Engine, ScanOptions, ScanReceiver, ScanResult } from "./engine.js";
import { analyzeObject, fileTypeNames, type FileTypeName } from "./file-type.js";
import { analyzeCode, type HeuristicFinding } from "./heuristics.js";
import type { MemberChange } from "./containers/zip-rewrite.js";
import { ZipRewriteError } from "./containers/zip-rewrite.js";
import type { Decision, DecisionContext, Policy } from "./resolve-action.js";
import { sha256HexSync } from "./sha256-sync.js";
import type { ActionName, FallbackName } from "./vocabulary.js";

export interface ProcessReceiver {
  /** An object (the scanned one, or a member inside it) is being scanned. */
  objectEntered?(e: { path: readonly string[]; types: FileTypeName[] }): void;
  objectLeft?(e: { path: readonly string[]; detections: number }): void;
  /** A finding and its decision, before anything is done. */
  detection?(e: ActionReport): void;
  /** What was done about a finding (ignored and reported ones included). */
  action?(e: ActionReport): void;
  /** A structure warning (a malformed header); the configuration's own warnings are `policy.warnings`, given once. */
  warning?(e: { path: readonly string[]; code: string; message: string }): void;
}

export interface ProcessOptions {
  /** Name or path of the object (type recognition: ".com"; reports). */
  name?: string;
  /** The resolved layers; default `engine.policy()` (flow control and the records only). */
  policy?: Policy;
  /** Carry the decisions out (the SDK's `kill`). Default false: decide and report, change nothing. */
  kill?: boolean;
  /** "file": an object at rest; "stream": passing through a gateway or filter (where `block` means something). Default "file". */
  medium?: "file" | "stream";
  /** Scan options: archives, packed, mail, mailboxes, limits, firstOnly. */
  scan?: Omit<ScanOptions, "name" | "receiver" | "profile">;
  /** Run the code analyzer (INI CodeAnalyzer=Yes): heuristic findings are reported as suspicious. */
  codeAnalyzer?: boolean;
  receiver?: ProcessReceiver;
}

/**
 * done: carried out (for report and ignore: reported); not-applied: decided, but actions were not
 * asked for (kill off); fallback: the decided action failed and the fallback was carried out;
 * failed: neither could be done, the object is left as it was.
 */
export type ActionOutcome = "done" | "not-applied" | "fallback" | "failed";

export interface ActionReport {
  /** Path of the object the finding is in, from the outside in ([] = the scanned object). */
  path: string[];
  /** Record name, or the name of a limit or heuristic finding. */
  name: string;
  /** detection: a record matched; suspicious: a limit was hit or the code analyzer found something (reported, never changed). */
  kind: "detection" | "suspicious";
  detection?: Detection;
  decision: Decision;
  outcome: ActionOutcome;
  /** What was done: the decided action, its fallback, the whole-object action that took it along, or report. */
  applied: ActionName;
  /** Why an action failed or what took it along. */
  message?: string;
}

/** What became of the object. */
export type Fate = "clean" | "trusted" | "reported" | "cleaned" | "removed" | "quarantined" | "discarded" | "blocked" | "failed";

export interface ProcessResult {
  scan: ScanResult;
  actions: ActionReport[];
  /** A record matched and was not ignored. */
  infected: boolean;
  /** A limit was hit or a heuristic fired. */
  suspicious: boolean;
  fate: Fate;
  /** keep: leave or deliver the object as it is; replace: use `output`; drop: delete it, deliver nothing. */
  disposition: "keep" | "replace" | "drop";
  output?: Uint8Array;
  /** Back up the original before dropping or replacing it (a quarantine was decided). */
  quarantine: boolean;
  /** Actions were asked for and the threat was dealt with (cleaned, removed, quarantined, discarded or blocked). */
  killed: boolean;
  /** The allow-list entry that trusted the object by its SHA-256. */
  trustedBy?: string;
  /** Why the fate is what it is, for reports. */
  reason?: string;
  /** For a failure: the engine's code (NO_SCRIPT, DAMAGED_RESULT, STILL_INFECTED, PACKAGE_NOT_SUPPORTED, ...). */
  code?: string;
}

const OBJECT_STRENGTH: Partial<Record<ActionName, number>> = { report: 0, clean: 1, remove: 2, quarantine: 3 };
const FALLBACK_STRENGTH: Record<FallbackName, number> = { report: 0, remove: 1, quarantine: 2 };
const key = (path: readonly string[]) => path.join("\u0000");
const CONTAINER_TYPES: readonly FileTypeName[] = ["zip", "tar", "gzip", "bzip2"];

function emptyScan(): ScanResult {
  return { infected: false, verdict: "clean", detections: [], limits: [], skipped: [], types: [], warnings: [], objects: 0, stats: { candidates: 0, crcs: 0, crcBytes: 0 } };
}

function strongest<T extends string>(values: readonly T[], rank: Partial<Record<T, number>>): T | undefined {
  let best: T | undefined;
  for (const v of values) if (best === undefined || (rank[v] ?? -1) > (rank[best] ?? -1)) best = v;
  return best;
}

type Rewrite = { kind: "unchanged" } | { kind: "replaced"; output: Uint8Array } | { kind: "dropped"; reason: string } | { kind: "failed"; reason: string; acts: ActionReport[]; code: string };

/** A finding decided through the layers, nothing done about it yet: reported, or ignored where the layers say so. */
export function decidedFinding(finding: Pick<ActionReport, "path" | "name" | "kind" | "detection" | "decision">): ActionReport {
  return { ...finding, outcome: "done", applied: finding.decision.action === "ignore" ? "ignore" : "report" };
}

/** A run not asked to act (kill off): each decision to act is reported as not applied, and why. */
export function leaveUndone(actions: readonly ActionReport[]): void {
  for (const a of actions)
    if (a.decision.action !== "ignore" && a.decision.action !== "report") {
      a.outcome = "not-applied";
      a.message = "actions were not asked for (kill off): nothing was changed";
    }
}

export function processObject(engine: Engine, bytes: Uint8Array, options: ProcessOptions = {}): ProcessResult {
  const policy = options.policy ?? engine.policy();
  const rx = options.receiver;
  const medium = options.medium ?? "file";
  const done = (r: Omit<ProcessResult, "quarantine" | "killed"> & Partial<Pick<ProcessResult, "quarantine" | "killed">>): ProcessResult => {
    const out: ProcessResult = { quarantine: false, killed: false, ...r };
    for (const a of out.actions) rx?.action?.(a);
    return out;
  };

  if (policy.hasTrusted) {
    const by = policy.trusted(sha256HexSync(bytes));
    if (by) return done({ scan: emptyScan(), actions: [], infected: false, suspicious: false, fate: "trusted", disposition: "keep", trustedBy: by, reason: `trusted by SHA-256 (${by})` });
  }

  const typesAt = new Map<string, FileTypeName[]>();
  const heuristics: (HeuristicFinding & { path: string[] })[] = [];
  const receiver: ScanReceiver = {
    enter(path, types, objectBytes) {
      typesAt.set(key(path), types);
      rx?.objectEntered?.({ path: [...path], types });
      if (options.codeAnalyzer) {
        const inMail = path.length > 0 && (typesAt.get(key(path.slice(0, -1)))?.includes("mail") ?? false);
        for (const f of analyzeCode(objectBytes, path.at(-1) ?? options.name ?? "", types, inMail)) heuristics.push({ ...f, path: [...path] });
      }
    },
    leave(path, detections) {
      rx?.objectLeft?.({ path: [...path], detections });
    },
  };
  const scan = engine.scan(bytes, { ...options.scan, name: options.name, receiver });
  for (const w of scan.warnings) rx?.warning?.({ path: w.path, code: w.code, message: w.message });

  const context = (path: readonly string[]): DecisionContext => {
    const containers: ("archive" | "mail")[] = [];
    for (let i = 0; i < path.length; i++) {
      const t = typesAt.get(key(path.slice(0, i))) ?? [];
      if (t.includes("mail")) containers.push("mail");
      else if (CONTAINER_TYPES.some((c) => t.includes(c))) containers.push("archive");
    }
    return { types: typesAt.get(key(path)) ?? [], containers, medium };
  };

  const actions: ActionReport[] = [
    ...scan.detections.map((d) => decidedFinding({ path: d.path, name: d.name, kind: "detection", detection: d, decision: policy.decide(d, context(d.path)) })),
    ...scan.limits.map((l) => decidedFinding({ path: l.path, name: l.name, kind: "suspicious", decision: policy.decideSuspicious(l.name) })),
    ...heuristics.map((h) => decidedFinding({ path: h.path, name: h.name, kind: "suspicious", decision: policy.decideSuspicious(h.name, h.message) })),
  ];
  for (const a of actions) rx?.detection?.(a);
  const live = actions.filter((a) => a.decision.action !== "ignore");
  const infected = live.some((a) => a.kind === "detection");
  const suspicious = live.some((a) => a.kind === "suspicious");
  const base = { scan, actions, infected, suspicious };
  const toDo = live.filter((a) => a.decision.action !== "report");
  // Cleaning wanted, but flow control found nothing to clean with (no script, no module).
  const cannotClean = live.filter((a) => a.decision.action === "report" && a.decision.wanted === "clean" && a.decision.layer === "flow");

  if (!toDo.length || !options.kill) {
    leaveUndone(toDo);
    if (options.kill && cannotClean.length) {
      for (const a of cannotClean) {
        a.outcome = "failed";
        a.message = a.decision.reason;
      }
      return done({ ...base, fate: "failed", disposition: "keep", reason: cannotClean[0].decision.reason, code: "NO_SCRIPT" });
    }
    return done({ ...base, fate: infected || suspicious ? "reported" : "clean", disposition: "keep" });
  }
  for (const a of cannotClean) {
    a.outcome = "failed";
    a.message = a.decision.reason;
  }

  const takeAlong = (applied: ActionName, what: string) => {
    for (const a of toDo) {
      a.outcome = "done";
      if (a.decision.action !== applied) {
        a.applied = applied;
        a.message = what;
      } else a.applied = applied;
    }
  };
  const byAction = (x: ActionName) => toDo.find((a) => a.decision.action === x);

  const block = byAction("block");
  if (block) {
    takeAlong("block", `the whole object was blocked (${block.name}: ${block.decision.source})`);
    return done({ ...base, fate: "blocked", disposition: "drop", killed: true, reason: `${block.name}: ${block.decision.reason}` });
  }
  const discard = byAction("discard");
  if (discard) {
    takeAlong("discard", `the whole object was discarded (${discard.name}: ${discard.decision.source})`);
    return done({ ...base, fate: "discarded", disposition: "drop", killed: true, reason: `${discard.name} in ${discard.path.join("/") || "the object"}: ${discard.decision.reason}` });
  }

  const dropAll = (fate: "removed" | "quarantined", applied: "remove" | "quarantine", what: string, reason: string) => {
    takeAlong(applied, what);
    return done({ ...base, fate, disposition: "drop", killed: true, quarantine: applied === "quarantine", reason });
  };
  /** Apply fallbacks of failed clean decisions to the whole object. */
  const fallBack = (failedActs: ActionReport[], reason: string, code: string): ProcessResult => {
    const fb = strongest(failedActs.map((a) => a.decision.fallback), FALLBACK_STRENGTH) ?? "report";
    if (fb === "report") {
      for (const a of toDo) {
        a.outcome = "failed";
        a.applied = "report";
        a.message = reason;
      }
      return done({ ...base, fate: "failed", disposition: "keep", reason, code });
    }
    takeAlong(fb, `${reason}; the whole object: ${fb} (fallback)`);
    for (const a of failedActs) a.outcome = "fallback";
    return done({ ...base, fate: fb === "quarantine" ? "quarantined" : "removed", disposition: "drop", killed: true, quarantine: fb === "quarantine", reason: `${reason}; fallback: ${fb}` });
  };

  // Cleaning re-scans objects and meets new Detection objects, with paths relative to the object
  // cleaned (`prefix` inside the top object): match them to the decisions by record and place.
  const liveRecord =
    (prefix: readonly string[]) =>
    (d: Detection): boolean => {
      const path = [...prefix, ...d.path];
      const a = actions.find((x) => x.detection && x.detection.id === d.id && key(x.path) === key(path));
      return (a ? a.decision : policy.decide(d, context(path))).action !== "ignore";
    };

  // The scanned object itself.
  const topActs = toDo.filter((a) => a.path.length === 0 && a.kind === "detection");
  const top = strongest(topActs.map((a) => a.decision.action), OBJECT_STRENGTH);
  let current = bytes;
  let quarantine = false;
  if (top === "quarantine" || top === "remove") {
    const who = topActs.find((a) => a.decision.action === top)!;
    return dropAll(top === "quarantine" ? "quarantined" : "removed", top, `the whole object: ${top} (${who.name}: ${who.decision.source})`, `${who.name}: ${who.decision.reason}`);
  }
  if (top === "clean") {
    const r = engine.clean(bytes, { name: options.name, only: liveRecord([]) });
    if (r.status === "removed") return dropAll("removed", "remove", `the whole object was removed: ${r.reason ?? "the record's script removes it"}`, r.reason ?? "the record's script removes the object");
    if (r.status === "cleaned") current = r.output!;
    else if (r.status !== "clean") return fallBack(topActs, `cleaning failed: ${r.reason}`, r.code ?? "CLEAN_FAILED");
  }

  // Members: cleaned, or taken out of their package (which is rebuilt around them).
  const memberActs = toDo.filter((a) => a.path.length > 0 && a.kind === "detection" && (OBJECT_STRENGTH[a.decision.action] ?? 0) > 0);
  const rewrite = (data: Uint8Array, name: string, prefix: string[]): Rewrite => {
    const under = memberActs.filter((a) => a.path.length > prefix.length && prefix.every((p, i) => a.path[i] === p));
    if (!under.length) return { kind: "unchanged" };
    const types = fileTypeNames(analyzeObject(data, name).types);
    const pkg = engine.openPackage(data, types, name, true);
    if (typeof pkg === "string") return { kind: "failed", reason: `${prefix.length ? `${prefix.join("/")}: ` : ""}${pkg}`, acts: under, code: "PACKAGE_NOT_SUPPORTED" };
    const changes = new Map<number, MemberChange>();
    for (const [i, m] of pkg.members.entries()) {
      const mpath = [...prefix, m.name];
      const own = under.filter((a) => a.path.length === mpath.length && key(a.path) === key(mpath));
      const deeper = under.filter((a) => a.path.length > mpath.length && mpath.every((p, j) => a.path[j] === p));
      if (!own.length && !deeper.length) continue;
      const read = m.read();
      if (typeof read === "string") return { kind: "failed", reason: `${mpath.join("/")}: ${read}`, acts: [...own, ...deeper], code: "MEMBER_NOT_READ" };
      const act = strongest(own.map((a) => a.decision.action), OBJECT_STRENGTH);
      if (act === "remove" || act === "quarantine") {
        if (act === "quarantine") quarantine = true;
        changes.set(i, { kind: "drop" });
        for (const a of [...own, ...deeper]) {
          a.applied = act;
          if (a.decision.action !== act) a.message = `${mpath.join("/")} was taken out (${act})`;
        }
        continue;
      }
      let member: Uint8Array = read;
      if (act === "clean") {
        const r = engine.clean(read, { name: m.name, only: liveRecord(mpath) });
        if (r.status === "removed") {
          changes.set(i, { kind: "drop" });
          for (const a of own) a.applied = "remove";
          continue;
        }
        if (r.status === "cleaned") member = r.output!;
        else if (r.status !== "clean") {
          const fb = strongest(own.map((a) => a.decision.fallback), FALLBACK_STRENGTH) ?? "report";
          if (fb === "report") return { kind: "failed", reason: `${mpath.join("/")}: cleaning failed: ${r.reason}`, acts: own, code: r.code ?? "CLEAN_FAILED" };
          if (fb === "quarantine") quarantine = true;
          changes.set(i, { kind: "drop" });
          for (const a of [...own, ...deeper]) {
            a.outcome = "fallback";
            a.applied = fb;
            a.message = `cleaning failed (${r.reason}); ${mpath.join("/")} was taken out (${fb})`;
          }
          continue;
        }
        for (const a of own) a.applied = "clean";
      }
      if (deeper.length) {
        const sub = rewrite(member, m.name, mpath);
        if (sub.kind === "failed") return sub;
        if (sub.kind === "dropped") {
          changes.set(i, { kind: "drop" });
          continue;
        }
        if (sub.kind === "replaced") member = sub.output;
      }
      if (member !== read) changes.set(i, { kind: "replace", bytes: member });
    }
    if (!changes.size) return { kind: "unchanged" };
    // A single-stream package (gzip) whose only content goes is itself gone.
    if (!pkg.canDrop && pkg.members.length === 1 && changes.get(0)?.kind === "drop") return { kind: "dropped", reason: `its only content ${pkg.members[0].name} was taken out` };
    try {
      return { kind: "replaced", output: pkg.rebuild(changes) };
    } catch (err) {
      if (!(err instanceof ZipRewriteError)) throw err;
      return { kind: "failed", reason: `${prefix.join("/") || name || "the package"}: ${err.message}`, acts: under, code: "PACKAGE_NOT_SUPPORTED" };
    }
  };

  if (memberActs.length && scan.limits.length)
    return fallBack(memberActs, `not fully scanned (${scan.limits.map((l) => `${l.name} at ${l.path.join("/") || "top"}`).join("; ")}): its package cannot be rebuilt`, "NOT_FULLY_SCANNED");
  const rebuilt = rewrite(current, options.name ?? "", []);
  if (rebuilt.kind === "failed") return fallBack(rebuilt.acts, `cannot be rebuilt around its members: ${rebuilt.reason}`, rebuilt.code);
  if (rebuilt.kind === "dropped") {
    for (const a of memberActs) a.applied = a.applied === "report" ? "remove" : a.applied;
    return done({ ...base, fate: quarantine ? "quarantined" : "removed", disposition: "drop", killed: true, quarantine, reason: rebuilt.reason });
  }
  // A member the scan found but the rewrite did not meet (a name the package lists differently) was not dealt with.
  const unmet = memberActs.filter((a) => a.applied === "report");
  if (unmet.length) return fallBack(unmet, `${unmet.map((a) => a.path.join("/")).join(", ")} not found again in the package to rewrite`, "PACKAGE_NOT_SUPPORTED");
  if (rebuilt.kind === "replaced") current = rebuilt.output;
  for (const a of topActs) if (a.applied === "report") a.applied = a.decision.action;

  if (current === bytes) return done({ ...base, fate: infected || suspicious ? "reported" : "clean", disposition: "keep" });
  // The result must hold nothing the policy wants acted on.
  const after = engine.scan(current, { ...options.scan, name: options.name });
  const left = after.detections.filter((d) => {
    const a = policy.decide(d, context(d.path)).action;
    return a !== "report" && a !== "ignore";
  });
  if (left.length || after.limits.length > scan.limits.length)
    return fallBack(
      topActs.length ? topActs : memberActs,
      `the cleaned object still holds ${[...left.map((d) => `${d.name} at ${d.path.join("/") || "top"}`), ...after.limits.map((l) => l.name)].join(", ")}`,
      "STILL_INFECTED",
    );
  return done({ ...base, fate: "cleaned", disposition: "replace", output: current, killed: true, quarantine });
}
