import { RULES } from "@tgvx/linter";
import { BASE, corpusOf, filler, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "cost")!;
/** A clean text where "TG" (54 47) is every other byte pair. */
const tgText = new TextEncoder().encode("TG".repeat(0x800));
const clean = (bytes: Uint8Array) => corpusOf([{ path: "clean/x.bin", detect: [], bytes }]);

ruleTester(rule, {
  valid: [
    { name: "a first word rare in the clean files", yaml: BASE, corpus: clean(filler(0x10000)) },
    { name: "within a raised budget", yaml: BASE, corpus: clean(tgText), options: { budget: 600_000 } },
  ],
  invalid: [{ name: "a first word the clean files are full of", yaml: BASE, corpus: clean(tgText), errors: [{ messageId: "commonWord", line: 11, column: 14, endColumn: 21 }] }],
});
