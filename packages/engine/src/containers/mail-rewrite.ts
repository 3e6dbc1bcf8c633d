/**
 * Rebuilding an e-mail (or mbox) with some members replaced or taken out, every other byte kept:
 * a replaced attachment is re-encoded in base64 (lines of 76, the message's own line breaks); a
 * removed one becomes a short text/plain part saying so, so the message still tells its reader
 * that something was there. In an mbox, a removed message is cut out whole. Members found inside
 * a text part's uuencoded block cannot be rewritten (the rewrite is refused, not guessed).
 */
import { Budget, DEFAULT_LIMITS } from "./limits.js";
import { mailMembers, type MailMember } from "./mail.js";
import { ZipRewriteError, type MemberChange } from "./zip-rewrite.js";

const latin1 = (b: Uint8Array, from = 0, to = b.length) => {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
};
const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function base64Lines(data: Uint8Array, eol: string): string {
  let out = "";
  let line = "";
  for (let i = 0; i < data.length; i += 3) {
    const n = (data[i] << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0);
    line += B64[(n >>> 18) & 63] + B64[(n >>> 12) & 63] + (i + 1 < data.length ? B64[(n >>> 6) & 63] : "=") + (i + 2 < data.length ? B64[n & 63] : "=");
    if (line.length === 76) {
      out += (out ? eol : "") + line;
      line = "";
    }
  }
  if (line) out += (out ? eol : "") + line;
  return out;
}

/** The header block's lines without the named fields (and their folded continuation lines). */
function withoutFields(headers: string, eol: string, names: readonly string[]): string[] {
  const lines = headers.split(/\r?\n/);
  const out: string[] = [];
  let skipping = false;
  for (const l of lines) {
    if (l === "") continue;
    if (l[0] === " " || l[0] === "\t") {
      if (!skipping) out.push(l);
      continue;
    }
    const name = l.slice(0, l.indexOf(":")).trim().toLowerCase();
    skipping = names.includes(name);
    if (!skipping) out.push(l);
  }
  void eol;
  return out;
}

/** The members of a mail file with their places, listed exactly as the scan lists them. */
export function mailPlaces(b: Uint8Array): MailMember[] {
  const ctx = { budget: new Budget({ ...DEFAULT_LIMITS }), warn: () => {}, skip: () => {} };
  return [...mailMembers(b, "", ctx)];
}

/** `changes` is keyed by the member's index in `mailPlaces(b)`. */
export function rewriteMail(b: Uint8Array, changes: ReadonlyMap<number, MemberChange>): Uint8Array {
  const members = mailPlaces(b);
  const edits: { start: number; end: number; text: Uint8Array }[] = [];
  for (const [i, change] of changes) {
    const m = members[i];
    if (!m) throw new ZipRewriteError(`no member ${i} in this message`);
    const p = m.place;
    if (!p) throw new ZipRewriteError(`${m.name} was found in a uuencoded block of a text part; such a block cannot be rewritten`);
    if (p.encoding === "message") {
      // A message in an mbox: cut out, or replaced by its rewritten self.
      edits.push({ start: p.start, end: p.end, text: change.kind === "drop" ? new Uint8Array(0) : change.bytes });
      continue;
    }
    const headers = latin1(b, p.start, p.body);
    const eol = headers.includes("\r\n") ? "\r\n" : "\n";
    if (change.kind === "replace") {
      const keep = p.encoding === "base64" ? headers : [...withoutFields(headers, eol, ["content-transfer-encoding"]), "Content-Transfer-Encoding: base64", "", ""].join(eol);
      edits.push({ start: p.start, end: p.end, text: bytesOf(keep + base64Lines(change.bytes, eol)) });
    } else {
      const keep = withoutFields(headers, eol, ["content-type", "content-transfer-encoding", "content-disposition"]);
      const notice = `tgvx removed the attachment "${m.name.replace(/[^\x20-\x7e]/g, "?")}" from this message: it carried a threat.`;
      edits.push({
        start: p.start,
        end: p.end,
        text: bytesOf([...keep, "Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit", "", notice].join(eol)),
      });
    }
  }
  edits.sort((x, y) => x.start - y.start);
  for (let i = 1; i < edits.length; i++) if (edits[i].start < edits[i - 1].end) throw new ZipRewriteError("members overlap; the message cannot be rewritten");
  const size = b.length + edits.reduce((n, e) => n + e.text.length - (e.end - e.start), 0);
  const out = new Uint8Array(size);
  let from = 0;
  let at = 0;
  for (const e of edits) {
    out.set(b.subarray(from, e.start), at);
    at += e.start - from;
    out.set(e.text, at);
    at += e.text.length;
    from = e.end;
  }
  out.set(b.subarray(from), at);
  return out;
}
