import { RULES } from "@tgvx/linter";
import { BASE, bodyAt, corpusOf, filler, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "coverage")!;
const infected = bodyAt(0x200, 0);
const clean = filler(0x200);
const M = "samples/manifest.yaml";

ruleTester(rule, {
  valid: [
    { name: "a record with a sample, and a clean file", yaml: BASE, corpus: corpusOf([{ path: "infected/a.com", detect: ["DOS.Sample.A"], bytes: infected }, { path: "clean/b.com", detect: [], bytes: clean }]) },
    { name: "a deprecated record needs no sample", yaml: BASE.replace("status: stable", "status: deprecated"), corpus: corpusOf([{ path: "clean/b.com", detect: [], bytes: clean }]) },
  ],
  invalid: [
    { name: "a record no sample expects", yaml: BASE, corpus: corpusOf([{ path: "clean/b.com", detect: [], bytes: clean }]), errors: [{ messageId: "noSample", line: 4, column: 11, endColumn: 23 }] },
    {
      name: "a name no record has, once for all the samples that expect it",
      yaml: BASE,
      corpus: corpusOf([
        { path: "infected/a.com", detect: ["DOS.Sample.A"], bytes: infected },
        { path: "infected/b.com", detect: ["DOS.Sample.B"], bytes: infected },
        { path: "infected/c.com", detect: ["DOS.Sample.B"], bytes: infected },
      ]),
      errors: [{ messageId: "unknownName", line: 5, column: 14, endColumn: 26, file: M }],
    },
    {
      name: "a name of a deprecated record",
      yaml: BASE.replace("status: stable", "status: deprecated"),
      corpus: corpusOf([{ path: "infected/a.com", detect: ["DOS.Sample.A"], bytes: infected }]),
      errors: [{ messageId: "deprecatedName", line: 3, column: 14, endColumn: 26, file: M }],
    },
    {
      name: "a listed sample that is not there",
      yaml: BASE,
      corpus: corpusOf([{ path: "infected/a.com", detect: ["DOS.Sample.A"], bytes: infected }, { path: "infected/gone.com", detect: [] }]),
      errors: [{ messageId: "missingFile", line: 4, column: 11, endColumn: 28, file: M }],
    },
  ],
});
