/**
 * Scanning an input tgvx cannot or will not hold whole, as a stream (Engine.streamScanner), chunk
 * by chunk as it arrives, in memory bounded by the database whatever its length:
 *   - `tgvx scan -`: the standard input (medium "stream");
 *   - a file over `--max-filesize` (medium "file"): only the parts the records need are read
 *     (StreamScanner.nextNeeded: its head, entry region and tail), unless an allow-list needs the
 *     SHA-256 of all of it;
 *   - a FIFO given by name, as `tgvx scan <(curl ...)` makes (medium "stream").
 * The findings are decided through the control layers as for a file; nothing is changed. What a
 * stream scanner does not do is reported, never passed off as clean: containers are not opened,
 * type 1/2 records and the code analyzer do not run (`OK, NOT FULLY SCANNED (...)`, status
 * "incomplete"). An input no longer than the scanner would keep is read whole and scanned as a file
 * of those bytes is: members, limits, modules, the code analyzer and their decisions.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { decidedFinding, leaveUndone, type Engine, type StreamScanner } from "@tgvx/engine/core";
import type { FileReport, ScanControl, ScanFileOutcome, ScanFileSettings } from "./scan-file.js";
import { errorReport, reportedFindings, scanBytes } from "./scan-file.js";

/** The path argument that means standard input. */
export const STDIN_PATH = "-";
/** How standard input is named in the output. */
const STDIN_LABEL = "stdin";
/** Reads of a file from start to end: big enough that a read costs little per byte. */
const FILE_CHUNK = 1 << 20;
/** Reads of the parts of a file the records need: the head in one read, little past a region. */
const PART_CHUNK = 1 << 18;

/** `tgvx scan -`. */
export function scanStdin(engine: Engine, control: ScanControl, settings: ScanFileSettings, input: AsyncIterable<Uint8Array> = process.stdin): Promise<ScanFileOutcome> {
  return scanStream(engine, control, settings, { label: STDIN_LABEL, medium: "stream", read: () => input, readError: "reading standard input: " });
}

/** A FIFO given by name, read as it comes. */
export function scanFifo(engine: Engine, control: ScanControl, settings: ScanFileSettings, path: string): Promise<ScanFileOutcome> {
  return scanStream(engine, control, settings, { label: path, medium: "stream", read: () => createReadStream(path, { highWaterMark: FILE_CHUNK }) });
}

/** A file over `--max-filesize` (`limit`), not read whole (`size` bytes when its directory was read). */
export function scanLargeFile(engine: Engine, control: ScanControl, settings: ScanFileSettings, path: string, size: number, limit: number): Promise<ScanFileOutcome> {
  return scanStream(engine, control, settings, {
    label: path,
    medium: "file",
    name: basename(path),
    read: () => createReadStream(path, { highWaterMark: FILE_CHUNK }),
    file: { path, size },
    why: `larger than --max-filesize ${limit}: scanned as a stream, not read whole (a larger --max-filesize reads it whole)`,
  });
}

/** The parts of a file the stream scanner asks for (nextNeeded), in order; what lies between is passed over (skipTo). */
async function* fileParts(path: string, s: StreamScanner): AsyncGenerator<Uint8Array> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const buf = new Uint8Array(PART_CHUNK);
    for (;;) {
      const at = s.nextNeeded(size);
      if (at >= size) return;
      s.skipTo(at);
      const { bytesRead } = await file.read(buf, 0, Math.min(buf.length, size - at), at);
      if (bytesRead === 0) throw new Error(`the file shrank while it was read (it had ${size} bytes, it ends at ${at})`);
      yield buf.subarray(0, bytesRead); // written before the next part is read: the buffer is reused
    }
  } finally {
    await file.close();
  }
}

interface StreamSource {
  /** How the input is shown in the output. */
  label: string;
  medium: "file" | "stream";
  /** The file name (type recognition by extension); none for standard input or a FIFO. */
  name?: string;
  /** The bytes in order, from the first. */
  read(): AsyncIterable<Uint8Array>;
  /** Put before a read error's message (a file system error names the file itself). */
  readError?: string;
  /** A file, whose length is known and whose parts can be read in any order. */
  file?: { path: string; size: number };
  /** Why it was not read whole, said first when that left something unchecked. */
  why?: string;
}

async function scanStream(engine: Engine, control: ScanControl, settings: ScanFileSettings, src: StreamSource): Promise<ScanFileOutcome> {
  const o = control.scan;
  const { label, medium } = src;
  // An allow-list trusts by SHA-256: hashed on the way, as the stream passes.
  const hash = control.policy.hasTrusted ? createHash("sha256") : undefined;
  const s = engine.streamScanner({
    ...(src.name !== undefined ? { name: src.name } : {}),
    ...(o.firstOnly !== undefined ? { firstOnly: o.firstOnly } : {}),
    ...(o.archives !== undefined ? { archives: o.archives } : {}),
    ...(o.packed !== undefined ? { packed: o.packed } : {}),
    ...(o.mail !== undefined ? { mail: o.mail } : {}),
    ...(o.mailboxes !== undefined ? { mailboxes: o.mailboxes } : {}),
  });
  // Unless its length says otherwise, the first chunks are held until the input proves longer than
  // the scanner would keep: a short input is then one object read whole, scanned once as a file
  // of those bytes is. A longer file is read only where the records need bytes, unless an
  // allow-list needs the SHA-256 of all of it.
  const long = src.file !== undefined && src.file.size > s.retainedBound;
  let held: Uint8Array[] | undefined = long ? undefined : [];
  let heldBytes = 0;
  let read = 0;
  try {
    for await (const chunk of long && !hash ? fileParts(src.file!.path, s) : src.read()) {
      read += chunk.length;
      hash?.update(chunk);
      if (held && heldBytes + chunk.length <= s.retainedBound) {
        held.push(new Uint8Array(chunk)); // a copy (Buffer.slice would not be one): a stream may reuse its chunk's memory
        heldBytes += chunk.length;
        continue;
      }
      if (held) for (const c of held) s.write(c);
      held = undefined;
      s.write(chunk);
    }
  } catch (err) {
    return { kind: "error", file: errorReport(label, (src.readError ?? "") + (err as Error).message) };
  }
  if (held) {
    const whole = new Uint8Array(heldBytes);
    let at = 0;
    for (const c of held) {
      whole.set(c, at);
      at += c.length;
    }
    return scanBytes(engine, control, label, whole, settings, medium);
  }
  const r = s.end();
  const trustedBy = hash ? control.policy.trusted(hash.digest("hex")) : undefined;
  const actions = trustedBy
    ? []
    : r.detections.map((d) => decidedFinding({ path: d.path, name: d.name, kind: "detection", detection: d, decision: control.policy.decide(d, { types: r.types, containers: [], medium }) }));
  leaveUndone(actions);
  const live = actions.filter((a) => a.decision.action !== "ignore");
  const found = live.length > 0;
  const notScanned = trustedBy ? [] : [...r.skipped];
  if (control.codeAnalyzer && !trustedBy) notScanned.push({ path: [], reason: "the code analyzer needs the whole object: not run on a stream" });
  if (notScanned.length && src.why) notScanned.unshift({ path: [], reason: src.why });
  const warnings = trustedBy ? [] : r.warnings.map((w) => `${label}: ${w.code}: ${w.message}`);
  const file: FileReport = {
    path: label,
    status: found ? "infected" : notScanned.length ? "incomplete" : "clean",
    ...reportedFindings(actions, r.limits),
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
      path: label,
      status: found ? "infected" : trustedBy ? "trusted" : "clean",
      detections: [...new Set(live.map((a) => a.name))],
      actions,
      ...(settings.showWarnings ? { warnings } : {}),
      ...(trustedBy ? { reason: `trusted by SHA-256 (${trustedBy})` } : {}),
    },
    length: read,
    ...(settings.objects && !trustedBy ? { objects: [{ path: [], types: r.types }] } : {}),
  };
}
