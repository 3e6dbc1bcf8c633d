/**
 * Names follow Platform.Family.Variant (CARO style, e.g. Win95.CIH.1003): a known platform (or a
 * threat category, for grey-area tools), a family starting with a capital letter, three parts. The platform list is an option, so a
 * project adds its own.
 */
import { z } from "zod";
import { closest } from "../did-you-mean.js";
import { createRule } from "../rule.js";

export const DEFAULT_PLATFORMS = [
  "DOS", "Boot", "MBR", "Win16", "Win32", "Win64", "Win95", "Win9x", "WinNT", "WinCE", "Multi", "Generic", "Test",
  "Linux", "Unix", "BSD", "MacOS", "OSX", "iOS", "Android", "Symbian", "Java", "JS", "VBS", "WSH", "HTML", "PHP",
  "Perl", "Python", "Ruby", "BAT", "Shell", "PowerShell", "WM", "XM", "W97M", "X97M", "O97M", "PP97M", "A97M", "PDF",
  "Email", "I-Worm", "IRC",
  // Threat categories, for platform-independent grey-area records (Riskware.RemoteRun.A).
  "Virus", "Worm", "Trojan", "Backdoor", "Adware", "Riskware",
];

export default createRule({
  meta: {
    id: "name-convention",
    severity: "warning",
    description: "the name is Platform.Family.Variant: a known platform, a capitalised family, three parts",
    options: z
      .object({ platforms: z.array(z.string().min(1)).default(DEFAULT_PLATFORMS).describe("Platforms a name may start with.") })
      .strict(),
    messages: {
      platform: {
        message: 'unknown platform "{{platform}}" in {{name}}{{suggestion}}',
        hint: "use a platform of the list (DOS, Win32, Boot, Generic, ...), or add a new one to name-convention.platforms in tgvx-lint.yaml",
      },
      family: {
        message: 'family "{{family}}" of {{name}} does not start with a capital letter',
        hint: "write the family capitalised, e.g. {{fixed}}",
      },
      parts: {
        message: "{{name}} has {{count}} parts; the convention is Platform.Family.Variant",
        hint: "fold the extra parts into the variant, e.g. {{fixed}}",
      },
    },
  },
  check(ctx) {
    const platforms = new Set(ctx.options.platforms);
    const nearest = new Map<string, string | undefined>(); // a wrong platform is usually wrong in many records
    for (const lr of ctx.records) {
      const name = lr.record.name;
      const [platform, family, ...rest] = name.split(".");
      if (!platforms.has(platform)) {
        if (!nearest.has(platform)) nearest.set(platform, closest(platform, platforms));
        const near = nearest.get(platform);
        ctx.report({
          messageId: "platform",
          record: lr,
          within: { offset: 0, length: platform.length },
          data: { platform, name, suggestion: near ? `; did you mean "${near}"?` : "" },
        });
      }
      if (!/^[A-Z]/.test(family))
        ctx.report({
          messageId: "family",
          record: lr,
          within: { offset: platform.length + 1, length: family.length },
          data: { family, name, fixed: [platform, family[0].toUpperCase() + family.slice(1), ...rest].join(".") },
        });
      if (rest.length > 1)
        ctx.report({ messageId: "parts", record: lr, data: { name, count: rest.length + 2, fixed: `${platform}.${family}.${rest.join("-")}` } });
    }
  },
});
