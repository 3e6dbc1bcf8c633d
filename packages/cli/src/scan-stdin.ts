/**
 * `tgvx scan -`: the standard input scanned as a stream (Engine.streamScanner), chunk by chunk as
 * it arrives, in memory bounded by the database whatever its length. The findings are decided
 * through the control layers as for a file (medium "stream"); nothing is changed. What a stream
 * scanner does not do is reported, never passed off as clean: containers are opened and type 1/2
 * records run only when the whole input fit in the scanner's head, the code analyzer does not run
 * (`OK, NOT FULLY SCANNED (...)`, status "incomplete"). An input that fit and held a container is
 * reported as a file of those bytes would be: members, limits and their decisions.
 */
import { createHash } from "node:crypto";
import type { ActionReport } from "@tgvx/engine/core";
import type { FileReport, ScanControl, ScanFileOutcome, ScanFileSettings } from "./scan-file.js";
import { errorReport, scanBytes } from "./scan-file.js";

/** The path argument that means standard input. */
export const STDIN_PATH = "-";
/** How standard input is named in the output. */
const LABEL = "stdin";

export async function scanStdin(
  engine: import("@tgvx/engine/core").Engine,
  control: ScanControl,
  settings: ScanFileSettings,
  input: AsyncIterable<Uint8Array> = process.stdin,
): Promise<ScanFileOutcome> {
  const o = control.scan;
  const s = engine.streamScanner({
    ...(o.firstOnly !== undefined ? { firstOnly: o.firstOnly } : {}),
    ...(o.archives !== undefined ? { archives: o.archives } : {}),
    ...(o.packed !== undefined ? { packed: o.packed } : {}),
    ...(o.mail !== undefined ? { mail: o.mail } : {}),
    ...(o.mailboxes !== undefined ? { mailboxes: o.mailboxes } : {}),
  });
  // An allow-list trusts by SHA-256: hashed on the way, as the stream passes.
  const hash = control.policy.hasTrusted ? createHash("sha256") : undefined;
  // A short input is kept too (no more than the scanner holds): if it was a container, the scanner
  // opened it, and its members and limits are decided as a file's are.
  let kept: Uint8Array[] | undefined = [];
  let keptBytes = 0;
  try {
    for await (const chunk of input) {
      hash?.update(chunk);
      s.write(chunk);
      keptBytes += chunk.length;
      if (kept && keptBytes <= s.retainedBound) kept.push(chunk.slice());
      else kept = undefined;
    }
  } catch (err) {
    return { kind: "error", file: errorReport(LABEL, "error", `reading standard input: ${(err as Error).message}`) };
  }
  const r = s.end();
  if (kept && (r.objects > 1 || r.limits.length)) {
    const whole = new Uint8Array(keptBytes);
    let at = 0;
    for (const c of kept) {
      whole.set(c, at);
      at += c.length;
    }
    return scanBytes(engine, control, LABEL, whole, settings, "stream");
  }
  const trustedBy = hash ? control.policy.trusted(hash.digest("hex")) : undefined;
  const actions: ActionReport[] = trustedBy
    ? []
    : r.detections.map((d) => {
        const decision = control.policy.decide(d, { types: r.types, containers: [], medium: "stream" });
        const a: ActionReport = { path: [], name: d.name, kind: "detection", detection: d, decision, outcome: "done", applied: "report" };
        if (decision.action === "ignore") a.applied = "ignore";
        else if (decision.action !== "report") Object.assign(a, { outcome: "not-applied", message: "actions were not asked for (kill off): nothing was changed" });
        return a;
      });
  const live = actions.filter((a) => a.decision.action !== "ignore");
  const found = live.length > 0;
  const notScanned = trustedBy ? [] : [...r.skipped];
  if (control.codeAnalyzer && !trustedBy) notScanned.push({ path: [], reason: "the code analyzer needs the whole object: not run on a stream" });
  const warnings = trustedBy ? [] : r.warnings.map((w) => `${LABEL}: ${w.code}: ${w.message}`);
  const file: FileReport = {
    path: LABEL,
    status: found ? "infected" : notScanned.length ? "incomplete" : "clean",
    detections: live.map((a) => {
      const d = a.detection!;
      return { id: d.id, rev: d.rev, name: d.name, path: d.path, anchor: d.anchor, offset: d.offset, action: a.decision.action, layer: a.decision.layer, source: a.decision.source };
    }),
    ignored: actions
      .filter((a) => a.decision.action === "ignore")
      .map((a) => ({ name: a.name, path: a.path, layer: a.decision.layer, source: a.decision.source, reason: a.decision.reason })),
    ...(trustedBy ? { trusted: trustedBy } : {}),
    notScanned,
    types: trustedBy ? [] : r.types,
    warnings,
    objects: trustedBy ? 0 : 1,
  };
  return {
    kind: "scanned",
    file,
    entry: {
      path: LABEL,
      status: found ? "infected" : trustedBy ? "trusted" : "clean",
      detections: [...new Set(live.map((a) => a.name))],
      actions,
      ...(settings.showWarnings ? { warnings } : {}),
      ...(trustedBy ? { reason: `trusted by SHA-256 (${trustedBy})` } : {}),
    },
    length: r.stream.bytes,
    ...(settings.objects && !trustedBy ? { objects: [{ path: [], types: r.types }] } : {}),
  };
}
