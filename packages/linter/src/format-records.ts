/**
 * `tgvx fmt`: one canonical YAML form for record files, made with the `yaml` Document API so
 * comments and blank lines survive. Keys in the order of the fields of the record schema (zod),
 * ids as 0x + at least 4 hex digits, offsets, lengths and `at` as 0x + at least 2 (negative as
 * -0x40), CRCs as 0x + 8, all upper case; `first` as "55 8B"; attributes and file types as flow
 * lists, windows one per line as flow maps. Formatting formatted text changes nothing.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, visit, type Node, type Pair, type ScalarTag, type YAMLMap } from "yaml";
import { DetectSchema, RecordSchema, signedHex, WindowSchema, type Diagnostic } from "@tgvx/records";

export interface FormatResult {
  /** The canonical text; undefined when the file does not parse. */
  text?: string;
  changed: boolean;
  diagnostics: Diagnostic[];
}

const RECORD_KEYS = Object.keys(RecordSchema.shape);
const DETECT_KEYS = Object.keys(DetectSchema.shape);
const WINDOW_KEYS = Object.keys(WindowSchema.shape);
const SUPPRESS_KEYS = Object.keys(RecordSchema.shape.suppress.unwrap().element.shape);

/** Writes integers as upper-case hex of at least `width` digits, sign in front; never used to parse. */
const hexOut = (width: number): ScalarTag => ({
  tag: "tag:yaml.org,2002:int",
  format: `HEX${width}`,
  default: true,
  identify: (v) => Number.isInteger(v),
  test: /^(?!)/,
  resolve: (s) => Number(s),
  stringify: ({ value }) => {
    const n = Number(value);
    return `${n < 0 ? "-" : ""}0x${Math.abs(n).toString(16).toUpperCase().padStart(width, "0")}`;
  },
});
const TAGS = [signedHex, hexOut(2), hexOut(4), hexOut(8)];

const keyOf = (p: Pair): string => (isScalar(p.key) ? String(p.key.value) : "");

/** Stable: known keys in schema order, the others after them as they were. */
function orderKeys(map: YAMLMap, order: readonly string[]): void {
  const rank = (p: Pair) => {
    const i = order.indexOf(keyOf(p));
    return i < 0 ? order.length : i;
  };
  map.items = map.items.map((p, i) => [p, i] as const).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([p]) => p);
}

function hexValue(node: unknown, width: number): void {
  if (isScalar(node) && Number.isInteger(node.value)) {
    node.format = `HEX${width}`;
    node.tag = undefined;
  }
}

function decimalValue(node: unknown): void {
  if (isScalar(node) && Number.isInteger(node.value)) node.format = undefined;
}

function flowList(node: unknown): void {
  if (isSeq(node) && node.items.every((i) => isScalar(i))) node.flow = true;
}

function formatWindow(w: unknown): void {
  if (!isMap(w)) return;
  orderKeys(w, WINDOW_KEYS);
  w.flow = true;
  // A window stays one line: comments written inside it move behind it.
  const inner: string[] = [];
  for (const p of w.items)
    for (const n of [p.key, p.value] as unknown[])
      if (isScalar(n)) {
        for (const c of [n.commentBefore, n.comment]) if (c) inner.push(c.trim());
        n.commentBefore = n.comment = undefined;
        n.spaceBefore = false;
      }
  if (inner.length) w.comment = ` ${[w.comment?.trim(), ...inner].filter(Boolean).join("; ")}`;
  hexValue(w.get("offset", true), 2);
  hexValue(w.get("length", true), 2);
  hexValue(w.get("crc", true), 8);
}

function formatDetect(d: unknown): void {
  if (!isMap(d)) return;
  orderKeys(d, DETECT_KEYS);
  hexValue(d.get("at", true), 2);
  const first = d.get("first", true);
  if (isScalar(first) && typeof first.value === "string" && /^[0-9A-Fa-f]{2} ?[0-9A-Fa-f]{2}$/.test(first.value)) {
    const h = first.value.replace(" ", "").toUpperCase();
    first.value = `${h.slice(0, 2)} ${h.slice(2)}`;
    first.type = Scalar.QUOTE_DOUBLE;
  }
  flowList(d.get("filetypes", true));
  const windows = d.get("windows", true);
  if (isSeq(windows)) {
    windows.flow = false;
    windows.items.forEach(formatWindow);
  }
}

function formatRecord(r: unknown): void {
  if (!isMap(r)) return;
  orderKeys(r, RECORD_KEYS);
  hexValue(r.get("id", true), 4);
  decimalValue(r.get("rev", true));
  decimalValue(r.get("type", true));
  flowList(r.get("attributes", true));
  formatDetect(r.get("detect", true));
  const suppress = r.get("suppress", true);
  if (isSeq(suppress)) {
    suppress.flow = false;
    for (const s of suppress.items)
      if (isMap(s)) {
        orderKeys(s, SUPPRESS_KEYS);
        s.flow = false;
      }
  }
}

/**
 * Trailing comments keep the column they were written at when the formatted line still fits
 * before it (the yaml library writes them one space after the value).
 */
function keepCommentColumns(source: string, out: string, comments: readonly string[]): string {
  const columns = new Map<string, number[]>();
  for (const c of new Set(comments)) {
    const tail = `#${c}`;
    for (const line of source.split("\n")) {
      const t = line.replace(/\r$/, "").trimEnd();
      if (t.endsWith(tail) && t.length > tail.length && /\s/.test(t[t.length - tail.length - 1]))
        (columns.get(c) ?? columns.set(c, []).get(c)!).push(t.length - tail.length);
    }
  }
  const seen = new Map<string, number>();
  return out
    .split("\n")
    .map((line) => {
      for (const [c, cols] of columns) {
        const tail = ` #${c}`;
        if (!line.endsWith(tail)) continue;
        const k = seen.get(c) ?? 0;
        seen.set(c, k + 1);
        const code = line.slice(0, line.length - tail.length).trimEnd();
        const col = cols[Math.min(k, cols.length - 1)];
        return col > code.length ? `${code.padEnd(col)}#${c}` : line;
      }
      return line;
    })
    .join("\n");
}

/** Format one record file's text. */
export function formatRecordText(text: string, path: string): FormatResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, customTags: TAGS, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length)
    return {
      changed: false,
      diagnostics: doc.errors.map((e) => ({
        file: path,
        severity: "error",
        code: e.code === "DUPLICATE_KEY" ? "DUPLICATE_KEY" : "YAML_SYNTAX",
        message: `${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}; fix it before formatting`,
        start: lines.linePos(e.pos[0]),
        end: lines.linePos(e.pos[1]),
      })),
    };
  // Hex written elsewhere (cleaning steps, args) stays hex, in upper case.
  visit(doc, {
    Scalar(_, s) {
      if (Number.isInteger(s.value) && s.format === "HEX") s.format = "HEX2";
    },
  });
  const root = doc.contents;
  if (isMap(root)) {
    orderKeys(root, ["records"]);
    const records = root.get("records", true);
    if (isSeq(records)) records.items.forEach(formatRecord);
  }
  const comments: string[] = [];
  visit(doc, {
    Node(_, n: Node) {
      if (n.comment && !n.comment.includes("\n")) comments.push(n.comment);
    },
  });
  let out = doc.toString({ lineWidth: 0, flowCollectionPadding: true });
  // Flow lists of plain words read best without inner padding: [infector, boot]; maps keep it: { offset: 0x00 }.
  out = out.replace(/^(\s*(?:- )?(?:attributes|filetypes): )\[ ([A-Za-z0-9_-]+(?:, [A-Za-z0-9_-]+)*) \]/gm, "$1[$2]");
  out = keepCommentColumns(text, out, comments);
  return { text: out, changed: out !== text, diagnostics: [] };
}
