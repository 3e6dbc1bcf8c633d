/**
 * E-mail: mbox files split into messages; a message into its MIME parts (multipart nesting
 * followed inside the message; message/rfc822 parts become objects of their own), each part
 * decoded (base64, quoted-printable, uuencode blocks in text). Written here because the
 * maintained MIME libraries are asynchronous and build whole message trees in memory; the
 * scanner needs a synchronous walk that stops at the budget.
 */
import type { ExtractContext, Member } from "./container.js";

const MAX_PARTS_NESTING = 32;

function ascii(b: Uint8Array, from = 0, to = b.length): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  for (let i = hay.indexOf(first, from); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

/** Header block (unfolded, lower-case names) and where the body starts. */
function splitHeaders(b: Uint8Array): { headers: Map<string, string>; body: number } {
  const headers = new Map<string, string>();
  let p = 0;
  let last = "";
  while (p < b.length) {
    let eol = b.indexOf(0x0a, p);
    if (eol < 0) eol = b.length;
    const line = ascii(b, p, eol > p && b[eol - 1] === 0x0d ? eol - 1 : eol);
    p = eol + 1;
    if (line === "") break;
    if ((line[0] === " " || line[0] === "\t") && last) headers.set(last, `${headers.get(last)} ${line.trim()}`);
    else {
      const colon = line.indexOf(":");
      if (colon <= 0) continue; // mbox "From " line or junk
      last = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
    }
  }
  return { headers, body: Math.min(p, b.length) };
}

/** A header parameter such as boundary="x" or filename*=utf-8''a.exe. */
function param(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  const m = new RegExp(`(?:^|;)\\s*${name}\\*?\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, "i").exec(value);
  const v = m?.[1] ?? m?.[2];
  if (v === undefined) return undefined;
  const ext = /^[\w-]*'[\w-]*'(.*)$/.exec(v);
  if (ext) {
    try {
      return decodeURIComponent(ext[1]);
    } catch {
      return ext[1];
    }
  }
  return v;
}

const B64 = (() => {
  const t = new Int16Array(256).fill(-1);
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < 64; i++) t[chars.charCodeAt(i)] = i;
  return t;
})();

export function decodeBase64(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.floor((b.length * 3) / 4) + 3);
  let acc = 0;
  let n = 0;
  let q = 0;
  for (const c of b) {
    const v = B64[c];
    if (v < 0) continue;
    acc = (acc << 6) | v;
    if (++n === 4) {
      out[q++] = (acc >>> 16) & 0xff;
      out[q++] = (acc >>> 8) & 0xff;
      out[q++] = acc & 0xff;
      n = 0;
      acc = 0;
    }
  }
  if (n === 2) out[q++] = (acc >>> 4) & 0xff;
  else if (n === 3) {
    out[q++] = (acc >>> 10) & 0xff;
    out[q++] = (acc >>> 2) & 0xff;
  }
  return out.subarray(0, q);
}

const hexValue = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);

export function decodeQuotedPrintable(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  let q = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0x3d) {
      out[q++] = b[i];
      continue;
    }
    if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) i += 2; // soft line break
    else if (b[i + 1] === 0x0a) i += 1;
    else if (i + 2 < b.length && hexValue(b[i + 1]) >= 0 && hexValue(b[i + 2]) >= 0) {
      out[q++] = hexValue(b[i + 1]) * 16 + hexValue(b[i + 2]);
      i += 2;
    } else out[q++] = b[i];
  }
  return out.subarray(0, q);
}

/** uuencoded blocks (`begin 644 name` ... `end`) inside a text part. */
function* uuBlocks(b: Uint8Array): Iterable<Member> {
  const text = ascii(b);
  const re = /^begin [0-7]{3,4} ([^\r\n]+)\r?\n([\s\S]*?)^end\r?$/gm;
  for (const m of text.matchAll(re)) {
    const out: number[] = [];
    for (const line of m[2].split(/\r?\n/)) {
      if (!line) continue;
      const n = (line.charCodeAt(0) - 32) & 63;
      const data: number[] = [];
      for (let i = 1; i + 3 < line.length + 3 && data.length < n; i += 4) {
        const c = [0, 1, 2, 3].map((k) => ((line.charCodeAt(i + k) || 32) - 32) & 63);
        data.push((c[0] << 2) | (c[1] >> 4), ((c[1] & 15) << 4) | (c[2] >> 2), ((c[2] & 3) << 6) | c[3]);
      }
      out.push(...data.slice(0, n));
    }
    yield { name: m[1].trim(), bytes: Uint8Array.from(out) };
  }
}

const EXT_BY_TYPE: Record<string, string> = { "text/plain": ".txt", "text/html": ".html", "message/rfc822": ".eml" };

/** Where a member lies in the mail file, for rewriting it (mail-rewrite.ts); uuencoded blocks have none. */
export interface MailPlace {
  /** Start of the part's header block (of the message, for a message in an mbox). */
  start: number;
  /** Start of the part's body. */
  body: number;
  /** End of the body (before the line break that precedes the next boundary). */
  end: number;
  /** Content-Transfer-Encoding, lower case; "message" for a message in an mbox. */
  encoding: string;
  /** Depth of MIME nesting; 0 = the message itself is the part (not multipart). */
  nesting: number;
}

export interface MailMember extends Member {
  place?: MailPlace;
}

function* messageParts(b: Uint8Array, ctx: ExtractContext, counter: { n: number }, nesting: number, base = 0): Iterable<MailMember> {
  const { headers, body } = splitHeaders(b);
  const type = (headers.get("content-type") ?? "text/plain").split(";")[0].trim().toLowerCase();
  if (type.startsWith("multipart/")) {
    const boundary = param(headers.get("content-type"), "boundary");
    if (!boundary || nesting >= MAX_PARTS_NESTING) {
      ctx.warn("BAD_MIME", boundary ? "multipart nesting too deep" : "multipart without a boundary");
      return;
    }
    const delim = new TextEncoder().encode(`--${boundary}`);
    let p = indexOf(b, delim, body);
    while (p >= 0) {
      let start = p + delim.length;
      if (b[start] === 0x2d && b[start + 1] === 0x2d) return; // closing delimiter
      const eol = b.indexOf(0x0a, start);
      if (eol < 0) return;
      start = eol + 1;
      const next = indexOf(b, delim, start);
      let end = next < 0 ? b.length : next;
      if (end > start && b[end - 1] === 0x0a) end--;
      if (end > start && b[end - 1] === 0x0d) end--;
      yield* messageParts(b.subarray(start, end), ctx, counter, nesting + 1, base + start);
      p = next;
    }
    return;
  }
  const disposition = headers.get("content-disposition");
  const named = param(disposition, "filename") ?? param(headers.get("content-type"), "name");
  const name = (named ?? `part-${++counter.n}${EXT_BY_TYPE[type] ?? ".bin"}`).split(/[\\/]/).pop()!;
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").trim().toLowerCase();
  const raw = b.subarray(body);
  const data = encoding === "base64" ? decodeBase64(raw) : encoding === "quoted-printable" ? decodeQuotedPrintable(raw) : raw;
  ctx.budget.takeFile();
  ctx.budget.take(data.length, data.length, raw.length || 1);
  yield { name, bytes: data, place: { start: base, body: base + body, end: base + b.length, encoding, nesting } };
  if (type.startsWith("text/") && encoding !== "base64")
    for (const uu of uuBlocks(data)) {
      ctx.budget.takeFile();
      ctx.budget.take(uu.bytes.length, uu.bytes.length, uu.bytes.length);
      yield uu;
    }
}

export function* mailMembers(b: Uint8Array, name: string, ctx: ExtractContext): Iterable<MailMember> {
  // An mbox holds several messages, each starting with a "From " line after an empty line.
  if (ascii(b, 0, 5) === "From ") {
    const starts = [0];
    const sep = new TextEncoder().encode("\n\nFrom ");
    for (let p = indexOf(b, sep, 0); p >= 0; p = indexOf(b, sep, p + 1)) starts.push(p + 2);
    if (starts.length > 1) {
      for (let i = 0; i < starts.length; i++) {
        ctx.budget.takeFile();
        const end = starts[i + 1] ?? b.length;
        yield { name: `message-${i + 1}.eml`, bytes: b.subarray(starts[i], end), place: { start: starts[i], body: starts[i], end, encoding: "message", nesting: 0 } };
      }
      return;
    }
  }
  yield* messageParts(b, ctx, { n: 0 }, 0);
  void name;
}
