import { RULES } from "@tgvx/linter";
import { BASE, ruleTester } from "../support.js";

const rule = RULES.find((r) => r.meta.id === "attribute-consistency")!;
const dropper = BASE.replace("category: virus", "category: trojan").replace("attributes: [infector]", "attributes: [trojan, dropper]");

ruleTester(rule, {
  valid: [
    { name: "an infector with a cleaning script", yaml: BASE },
    { name: "a dropper removed", yaml: dropper.replace("- truncate-tail: 0x80", "- remove") },
    { name: "an infector that destroys its host, removed", yaml: BASE.replace("[infector]", "[infector, destructive]").replace("- truncate-tail: 0x80", "- remove") },
    { name: "a test file: category and attribute", yaml: BASE.replace("category: virus", "category: test").replace("[infector]", "[test]").replace("- truncate-tail: 0x80", "- remove") },
    { name: "no cleaning at all", yaml: dropper.replace("    clean:\n      - truncate-tail: 0x80\n", "") },
  ],
  invalid: [
    { name: "an infector removed", yaml: BASE.replace("- truncate-tail: 0x80", "- remove"), errors: [{ messageId: "removeInfector", line: 16, column: 9, endColumn: 15 }] },
    { name: "a dropper with a script", yaml: dropper, errors: [{ messageId: "scriptWithoutHost", line: 16, column: 9 }] },
    { name: "a worm that infects nothing, with a script", yaml: BASE.replace("category: virus", "category: worm").replace("[infector]", "[mailer]"), errors: [{ messageId: "scriptWithoutHost", line: 16, column: 9 }] },
    { name: "category test without the test attribute", yaml: BASE.replace("category: virus", "category: test"), errors: [{ messageId: "testMismatch", line: 7, column: 15, endColumn: 19 }] },
    { name: "the test attribute in another category", yaml: BASE.replace("[infector]", "[infector, test]"), errors: [{ messageId: "testMismatch", line: 8, column: 17 }] },
  ],
});
