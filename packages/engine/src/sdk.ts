/**
 * The embedding API, modelled on the original engine's SDK:
 *
 *   AVLF_SDK_SetReciver(IReportReciver*)            ->  sdk.setReceiver(receiver)
 *   AVLF_SDK_Scan({pBuffer, ulSize, pDescription,   ->  sdk.scan({ buffer, description, unpack, kill })
 *                  bUnpack, bKill, bKilled}) -> 0|1       -> { infected: 0 | 1, killed, detections, actions, buffer? }
 *
 * Options and parameters are validated at this boundary (zod): a wrong type or an unknown field is
 * a `SdkError` that says which field and why, never a crash deeper in. The policy (stencil, INI
 * text, debug switch) is resolved once, when the SDK object is made.
 */
import { z } from "zod";
import type { Detection, Engine } from "./engine.js";
import { formatIniDiagnostic, iniScanOptions, parseIni, type IniConfig } from "./ini.js";
import type { ActionReport, Fate, ProcessReceiver } from "./process-object.js";
import { parseDebugSwitch, PolicyError, type Policy, type PolicyWarning } from "./resolve-action.js";

export type SdkErrorCode = "BAD_OPTIONS" | "BAD_PARAMS" | "BAD_RECEIVER" | "BAD_CONFIG" | "UNKNOWN_STENCIL";

/** Misuse of the SDK or a configuration it cannot use; `issues` has one line per problem. */
export class SdkError extends Error {
  override readonly name = "SdkError";
  constructor(
    readonly code: SdkErrorCode,
    readonly issues: string[],
  ) {
    super(`${code}: ${issues.join("; ")}`);
  }
}

const positive = z.number().int().positive();

export const SdkOptionsSchema = z
  .object({
    stencil: z.string().regex(/^[a-z][a-z0-9-]*$/, "a stencil name such as mail-gateway").optional().describe("The environment's stencil (default: the INI's Stencil, else none)."),
    ini: z.string().optional().describe("INI text: the user's layer (InfectedAction, [Categories], [Override], [Ignore], [Trusted], [Limits], ...)."),
    iniName: z.string().min(1).default("tgvx.ini").describe("How diagnostics and traces name the INI."),
    debug: z.string().optional().describe("Debug switch: report-only, trace, NAME=action (comma-separated)."),
    medium: z.enum(["file", "stream"]).default("stream").describe("stream: data passing through (block applies); file: data at rest."),
    codeAnalyzer: z.boolean().optional().describe("Heuristics (default: the INI's CodeAnalyzer): findings are reported as suspicious, never acted on."),
    limits: z
      .object({ maxDepth: positive, maxScanSize: positive, maxFileSize: positive, maxFiles: positive, maxRatio: positive, ratioFloor: positive, maxScanTime: positive, maxModuleTime: positive, maxModuleBytes: positive })
      .partial()
      .strict()
      .optional()
      .describe("Scan limits per object (the INI's [Limits] take these places when both are given)."),
  })
  .strict();
export type SdkOptions = z.input<typeof SdkOptionsSchema>;

export const ScanParamsSchema = z
  .object({
    buffer: z.instanceof(Uint8Array, { message: "buffer must be the object's bytes (a Uint8Array or Buffer)" }),
    description: z.string().max(4096).optional().describe("Name or path of the object: used for type recognition (.com) and in reports."),
    unpack: z.boolean().default(true).describe("Look inside archives and e-mail."),
    kill: z.boolean().default(false).describe("Carry the decided actions out (clean, take members out, drop)."),
  })
  .strict();
export type ScanParams = z.input<typeof ScanParamsSchema>;

const callback = z.custom<(...args: never[]) => void>((v) => typeof v === "function", { message: "must be a function" });
const ReceiverSchema = z
  .object({ objectEntered: callback, objectLeft: callback, detection: callback, action: callback, warning: callback })
  .partial()
  .strict();

/** Typed callbacks for everything a scan meets: objects entered and left, detections with their decision, actions, warnings. */
export type SdkReceiver = ProcessReceiver;

export interface SdkScanResult {
  /** 1 when something not ignored was found (the original Scan's return value). */
  infected: 0 | 1;
  /** `kill` was set and the threat was dealt with (cleaned, removed, quarantined, discarded, blocked). */
  killed: boolean;
  /** Detections not ignored by the policy. */
  detections: Detection[];
  /** Every finding (ignored ones too) with its decision, trace and outcome. */
  actions: ActionReport[];
  /** keep: deliver the object as it was; replace: deliver `buffer`; drop: deliver nothing. */
  disposition: "keep" | "replace" | "drop";
  fate: Fate;
  /** The cleaned object, when `disposition` is "replace". */
  buffer?: Uint8Array;
  /** A quarantine was decided: keep a copy of the original before dropping or replacing it. */
  quarantine: boolean;
  /** A limit was hit (a bomb, too deep) or a heuristic fired. */
  suspicious: boolean;
  reason?: string;
}

function issues(err: z.ZodError, root: string): string[] {
  return err.issues.map((i) => `${[root, ...i.path.map(String)].join(".")}: ${i.message}`);
}

export class TgvxSdk {
  private receiver: SdkReceiver | undefined;
  /** Problems in the configuration against this database that are not errors (an override naming no record, a lapsed pin). */
  readonly warnings: readonly PolicyWarning[];

  private constructor(
    readonly engine: Engine,
    readonly policy: Policy,
    private readonly options: z.output<typeof SdkOptionsSchema>,
    readonly config: IniConfig | undefined,
  ) {
    this.warnings = policy.warnings;
  }

  /** Validate the options, parse the INI, resolve the layers. Throws `SdkError`. */
  static create(engine: Engine, options: SdkOptions = {}): TgvxSdk {
    const parsed = SdkOptionsSchema.safeParse(options);
    if (!parsed.success) throw new SdkError("BAD_OPTIONS", issues(parsed.error, "options"));
    const o = parsed.data;
    let config: IniConfig | undefined;
    if (o.ini !== undefined) {
      const r = parseIni(o.ini, o.iniName);
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      if (errors.length || !r.config) throw new SdkError("BAD_CONFIG", errors.map(formatIniDiagnostic));
      config = r.config;
    }
    let debug;
    if (o.debug !== undefined) {
      const d = parseDebugSwitch(o.debug, "debug option");
      if (d.errors.length) throw new SdkError("BAD_OPTIONS", d.errors);
      debug = d.debug;
    }
    const stencil = o.stencil ?? config?.scan.stencil?.value;
    try {
      const policy = engine.policy({
        stencil,
        stencilSource: o.stencil ? "options.stencil" : config?.scan.stencil?.source,
        ...(config ? { user: config.control } : {}),
        ...(debug ? { debug } : {}),
      });
      return new TgvxSdk(engine, policy, o, config);
    } catch (err) {
      if (err instanceof PolicyError) throw new SdkError("UNKNOWN_STENCIL", [err.message]);
      throw err;
    }
  }

  /** Register the receiver of scan events (null to stop); validated: every member must be a function. */
  setReceiver(receiver: SdkReceiver | null): void {
    if (receiver === null) {
      this.receiver = undefined;
      return;
    }
    const r = ReceiverSchema.safeParse(receiver);
    if (!r.success) throw new SdkError("BAD_RECEIVER", issues(r.error, "receiver"));
    this.receiver = receiver;
  }

  /** Scan one object. Never throws for malformed object bytes; throws `SdkError` for bad parameters. */
  scan(params: ScanParams): SdkScanResult {
    const p = ScanParamsSchema.safeParse(params);
    if (!p.success) throw new SdkError("BAD_PARAMS", issues(p.error, "params"));
    const { buffer, description, unpack, kill } = p.data;
    const fromIni = this.config ? iniScanOptions(this.config) : {};
    const limits = { ...this.options.limits, ...fromIni.limits };
    const r = this.engine.process(buffer, {
      ...(description !== undefined ? { name: description } : {}),
      policy: this.policy,
      kill,
      medium: this.options.medium,
      codeAnalyzer: this.options.codeAnalyzer ?? this.config?.scan.codeAnalyzer?.value ?? false,
      scan: {
        ...fromIni,
        ...(unpack ? {} : { archives: false, packed: false, mail: false, mailboxes: false }),
        ...(Object.keys(limits).length ? { limits } : {}),
      },
      ...(this.receiver ? { receiver: this.receiver } : {}),
    });
    const live = r.actions.filter((a) => a.kind === "detection" && a.decision.action !== "ignore");
    return {
      infected: r.infected ? 1 : 0,
      killed: r.killed,
      detections: live.map((a) => a.detection!),
      actions: r.actions,
      disposition: r.disposition,
      fate: r.fate,
      ...(r.output ? { buffer: r.output } : {}),
      quarantine: r.quarantine,
      suspicious: r.suspicious,
      ...(r.reason ? { reason: r.reason } : {}),
    };
  }
}

/** `TgvxSdk.create`: the SDK object for one engine and one configuration. */
export function createSdk(engine: Engine, options: SdkOptions = {}): TgvxSdk {
  return TgvxSdk.create(engine, options);
}
