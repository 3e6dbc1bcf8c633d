import { RULES } from "@tgvx/linter";
import { BASE, bodyAt, corpusOf, matching, ruleTester, second } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "false-positive")!;
const infected = bodyAt(0x200, 0);
const record = matching(infected);

ruleTester(rule, {
  valid: [
    {
      name: "the record matches only the sample that expects it",
      yaml: record,
      corpus: corpusOf([{ path: "infected/a.com", detect: ["DOS.Sample.A"], bytes: infected }, { path: "clean/b.bin", detect: [], bytes: bodyAt(0x200, 0, 99) }]),
    },
  ],
  invalid: [
    {
      name: "the record matches a clean file",
      yaml: record,
      corpus: corpusOf([{ path: "infected/a.com", detect: ["DOS.Sample.A"], bytes: infected }, { path: "clean/host.bin", detect: [], bytes: infected.slice() }]),
      errors: [{ messageId: "cleanFile", line: 4, column: 11, endColumn: 23 }],
    },
    {
      name: "the record matches a sample of another record",
      yaml: record + second(BASE).replace("id: 0x1001", "id: 0x1002").replace("DOS.Sample.A", "DOS.Other.A").replace('"54 47"', '"00 00"'),
      corpus: corpusOf([{ path: "infected/a.com", detect: ["DOS.Sample.A"], bytes: infected }, { path: "infected/b.com", detect: ["DOS.Other.A"], bytes: infected.slice() }]),
      errors: [{ messageId: "otherSample", line: 4, column: 11, endColumn: 23 }],
    },
  ],
});
