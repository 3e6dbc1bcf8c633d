/** GZIP: one member, the stored name (FNAME) when present, else the archive's name less `.gz`. */
import { innerName, type ExtractContext, type Member } from "./container.js";
import { CorruptData, gunzip } from "./inflate.js";

export function* gzipMembers(b: Uint8Array, name: string, ctx: ExtractContext): Iterable<Member> {
  let inner = innerName(name, [".gz", ".tgz", ".z"], "content");
  if (name.toLowerCase().endsWith(".tgz")) inner += ".tar";
  const flags = b[3];
  if (flags & 8) {
    // FNAME follows the fixed header and the optional FEXTRA field.
    let p = 10;
    if (flags & 4) p += 2 + (b[10] | (b[11] << 8));
    const end = b.indexOf(0, p);
    if (end > p && end - p < 1024) inner = new TextDecoder().decode(b.subarray(p, end)).split(/[\\/]/).pop() || inner;
  }
  ctx.budget.takeFile();
  let data: Uint8Array;
  try {
    data = gunzip(b, ctx.budget);
  } catch (err) {
    if (!(err instanceof CorruptData)) throw err;
    ctx.warn("CORRUPT_GZIP", `${name}: ${err.message}`);
    return;
  }
  yield { name: inner, bytes: data };
}
