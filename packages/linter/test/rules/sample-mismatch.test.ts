import { RULES } from "@tgvx/linter";
import { bodyAt, corpusOf, matching, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "sample-mismatch")!;
const infected = bodyAt(0x200, 0);
const record = matching(infected);
const corpus = (...files: Uint8Array[]) => corpusOf(files.map((bytes, i) => ({ path: `infected/s${i}.bin`, detect: ["DOS.Sample.A"], bytes })));
const wrongCrc = record.replace(/crc: 0x[0-9A-F]{8} }\n    clean/, "crc: 0x0BADC0DE }\n    clean");

ruleTester(rule, {
  valid: [
    { name: "the record matches its sample", yaml: record, corpus: corpus(infected) },
    { name: "a deprecated record is not held to its samples", yaml: wrongCrc.replace("status: stable", "status: deprecated"), corpus: corpus(infected) },
  ],
  invalid: [
    { name: "window 2's CRC differs: the CRC is marked", yaml: wrongCrc, corpus: corpus(infected), errors: [{ messageId: "windowCrc", line: 14, column: 46, endColumn: 56 }] },
    { name: "several samples with the same wrong window make one finding", yaml: wrongCrc, corpus: corpus(infected, bodyAt(0x300, 0)), errors: [{ messageId: "windowCrc", line: 14, column: 46 }] },
    { name: "another first word", yaml: record.replace('"54 47"', '"54 48"'), corpus: corpus(infected), errors: [{ messageId: "firstWord", line: 11, column: 14, endColumn: 21 }] },
    { name: "a sample too short for window 2", yaml: record, corpus: corpus(infected.slice(0, 0x60)), errors: [{ messageId: "windowOutside", line: 14, column: 11, endColumn: 58 }] },
    {
      name: "a sample of another file type",
      yaml: record.replace("type: 3", "type: 4").replace('      first: "54 47"\n', '      first: "54 47"\n      filetypes: [mz]\n'),
      corpus: corpus(infected),
      errors: [{ messageId: "fileType", line: 12, column: 18, endColumn: 22 }],
    },
    { name: "no such anchor in the sample", yaml: record.replace("anchor: start", "anchor: jump"), corpus: corpus(infected), errors: [{ messageId: "noAnchor", line: 10, column: 15, endColumn: 19 }] },
  ],
});

