/** TAR (POSIX ustar, pax extended headers, GNU long names): regular files only. */
import type { ExtractContext, Member } from "./container.js";

const BLOCK = 512;

function field(b: Uint8Array, at: number, len: number): string {
  let end = at;
  while (end < at + len && b[end] !== 0) end++;
  return new TextDecoder().decode(b.subarray(at, end));
}

/** Size fields are octal text, or base-256 binary when the top bit is set (GNU, for sizes over 8 GiB). */
function size(b: Uint8Array, at: number): number {
  if (b[at] & 0x80) {
    let v = b[at] & 0x7f;
    for (let i = 1; i < 12; i++) v = v * 256 + b[at + i];
    return v;
  }
  const s = field(b, at, 12).trim();
  return /^[0-7]+$/.test(s) ? parseInt(s, 8) : s === "" ? 0 : NaN;
}

function checksumOk(b: Uint8Array, at: number): boolean {
  const stored = parseInt(field(b, at + 148, 8).trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[at + i];
  return stored === sum;
}

function paxPath(data: Uint8Array): string | undefined {
  const text = new TextDecoder().decode(data);
  for (const m of text.matchAll(/(?:^|\n)\d+ path=([^\n]*)/g)) return m[1];
  return undefined;
}

export interface TarEntry {
  name: string;
  /** Where this entry's headers start (a GNU long-name or pax header may precede the file's own). */
  groupStart: number;
  header: number;
  data: number;
  size: number;
  /** Where the next entry starts. */
  end: number;
}

/** Regular-file entries of a tar, in order; stops quietly at the first unreadable header. */
export function tarEntries(b: Uint8Array): TarEntry[] {
  const out: TarEntry[] = [];
  let p = 0;
  let longName: string | undefined;
  let groupStart = 0;
  while (p + BLOCK <= b.length) {
    if (b.subarray(p, p + BLOCK).every((x) => x === 0) || !checksumOk(b, p)) break;
    const type = String.fromCharCode(b[p + 156] || 0x30);
    const n = size(b, p + 124);
    const dataAt = p + BLOCK;
    if (!Number.isFinite(n) || dataAt + n > b.length) break;
    const prefix = field(b, p + 345, 155);
    const path = longName ?? (prefix ? `${prefix}/${field(b, p, 100)}` : field(b, p, 100));
    longName = undefined;
    const end = dataAt + Math.ceil(n / BLOCK) * BLOCK;
    if (type === "L") longName = field(b.subarray(dataAt, dataAt + n), 0, n);
    else if (type === "x") longName = paxPath(b.subarray(dataAt, dataAt + n));
    if (type === "L" || type === "x") {
      p = end;
      continue;
    }
    if (type === "0" || type === "7") out.push({ name: path, groupStart, header: p, data: dataAt, size: n, end });
    p = end;
    groupStart = p;
  }
  return out;
}

/** Rebuild a tar with members replaced or dropped; everything else is copied byte for byte. */
export function rewriteTar(b: Uint8Array, changes: ReadonlyMap<number, { kind: "replace"; bytes: Uint8Array } | { kind: "drop" }>): Uint8Array {
  const entries = tarEntries(b);
  const parts: Uint8Array[] = [];
  let copied = 0;
  entries.forEach((e, i) => {
    const change = changes.get(i);
    if (!change) return;
    parts.push(b.subarray(copied, change.kind === "drop" ? e.groupStart : e.header));
    if (change.kind === "replace") {
      const h = new Uint8Array(b.subarray(e.header, e.header + BLOCK)); // a copy: b may be a Buffer, whose slice() is a view
      const digits = change.bytes.length.toString(8).padStart(11, "0");
      for (let k = 0; k < 12; k++) h[124 + k] = k < 11 ? digits.charCodeAt(k) : 0;
      h.fill(0x20, 148, 156);
      let sum = 0;
      for (const x of h) sum += x;
      const cs = sum.toString(8).padStart(6, "0");
      for (let k = 0; k < 6; k++) h[148 + k] = cs.charCodeAt(k);
      h[154] = 0;
      h[155] = 0x20;
      parts.push(h, change.bytes, new Uint8Array((BLOCK - (change.bytes.length % BLOCK)) % BLOCK));
    }
    copied = e.end;
  });
  parts.push(b.subarray(copied));
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let q = 0;
  for (const x of parts) {
    out.set(x, q);
    q += x.length;
  }
  return out;
}

export function* tarMembers(b: Uint8Array, name: string, ctx: ExtractContext): Iterable<Member> {
  let p = 0;
  let longName: string | undefined;
  while (p + BLOCK <= b.length) {
    if (b.subarray(p, p + BLOCK).every((x) => x === 0)) return; // end of archive
    if (!checksumOk(b, p)) {
      ctx.warn("BAD_TAR_HEADER", `${name}: header at ${p} has a bad checksum; the rest is not read`);
      return;
    }
    const type = String.fromCharCode(b[p + 156] || 0x30);
    const n = size(b, p + 124);
    if (!Number.isFinite(n)) {
      ctx.warn("BAD_TAR_HEADER", `${name}: header at ${p} has an unreadable size`);
      return;
    }
    const dataAt = p + BLOCK;
    const dataEnd = dataAt + n;
    if (dataEnd > b.length) {
      ctx.warn("TRUNCATED_MEMBER", `${name}: member at ${p} runs past the end of the archive`);
      return;
    }
    const data = b.subarray(dataAt, dataEnd);
    const prefix = field(b, p + 345, 155);
    const path = longName ?? (prefix ? `${prefix}/${field(b, p, 100)}` : field(b, p, 100));
    longName = undefined;
    if (type === "L") longName = field(data, 0, data.length);
    else if (type === "x") longName = paxPath(data);
    else if (type === "0" || type === "7") {
      ctx.budget.takeFile();
      ctx.budget.take(n, n, n);
      yield { name: path, bytes: data };
    }
    p = dataAt + Math.ceil(n / BLOCK) * BLOCK;
  }
}
