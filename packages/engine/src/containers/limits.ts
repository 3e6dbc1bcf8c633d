/**
 * What a scan may spend on one top object, and how running out is reported. Defaults sit in
 * ClamAV's range (max-recursion 17, max-scansize 400 MB, max-filesize 100 MB, max-files 10,000,
 * max-scantime 120 s); the compression-ratio limit is tgvx's own answer to zip bombs.
 */

export interface ScanLimits {
  /** Containers nested deeper than this are not opened. */
  maxDepth: number;
  /** Bytes extracted from containers per top object, all levels together. */
  maxScanSize: number;
  /** Bytes extracted for one member. */
  maxFileSize: number;
  /** Members extracted per top object, all levels together. */
  maxFiles: number;
  /** Expanded / compressed size above which a member is a bomb, once it has expanded past `ratioFloor`. */
  maxRatio: number;
  /** Bytes a member may expand to before the ratio is judged (small files compress oddly). */
  ratioFloor: number;
  /** Milliseconds per top object. */
  maxScanTime: number;
  /** Milliseconds one module call (a type 1/2 record's detection, a processing module) may take. */
  maxModuleTime: number;
  /** Bytes one module call may read of its object (copies included). */
  maxModuleBytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = {
  maxDepth: 17,
  maxScanSize: 400 * 1024 * 1024,
  maxFileSize: 100 * 1024 * 1024,
  maxFiles: 10_000,
  maxRatio: 500,
  ratioFloor: 4 * 1024 * 1024,
  maxScanTime: 120_000,
  maxModuleTime: 1_000,
  maxModuleBytes: 64 * 1024 * 1024,
};

export type LimitKind = "depth" | "scan-size" | "file-size" | "files" | "ratio" | "overlap" | "time";

/** The name a limit is reported under: a branch that hit one is never called clean. */
export const LIMIT_NAMES: Record<LimitKind, string> = {
  depth: "Heuristics.Limits.Exceeded.MaxRecursion",
  "scan-size": "Heuristics.Limits.Exceeded.MaxScanSize",
  "file-size": "Heuristics.Limits.Exceeded.MaxFileSize",
  files: "Heuristics.Limits.Exceeded.MaxFiles",
  ratio: "Suspicious.ArchiveBomb",
  overlap: "Suspicious.ArchiveBomb",
  time: "Heuristics.Limits.Exceeded.MaxScanTime",
};

/** Thrown inside an extractor to stop it; the recursion turns it into a reported limit. */
export class LimitReached extends Error {
  override readonly name = "LimitReached";
  constructor(
    readonly kind: LimitKind,
    message: string,
  ) {
    super(message);
  }
}

/** The running account of one top object's scan. */
export class Budget {
  extracted = 0;
  files = 0;
  private readonly deadline: number;

  constructor(
    readonly limits: ScanLimits,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.deadline = now() + limits.maxScanTime;
  }

  checkTime(): void {
    if (this.now() > this.deadline) throw new LimitReached("time", `scan time over ${this.limits.maxScanTime} ms`);
  }

  /** Account for one more member about to be extracted. */
  takeFile(): void {
    this.checkTime();
    if (++this.files > this.limits.maxFiles) throw new LimitReached("files", `more than ${this.limits.maxFiles} members`);
  }

  /** Room left for one member's output. */
  room(): number {
    return Math.min(this.limits.maxFileSize, this.limits.maxScanSize - this.extracted);
  }

  /** Account for extracted bytes; `compressed` judges the ratio. */
  take(bytes: number, memberTotal: number, compressed: number): void {
    this.extracted += bytes;
    if (this.extracted > this.limits.maxScanSize)
      throw new LimitReached("scan-size", `more than ${this.limits.maxScanSize} bytes extracted`);
    if (memberTotal > this.limits.maxFileSize) throw new LimitReached("file-size", `member larger than ${this.limits.maxFileSize} bytes`);
    if (memberTotal > this.limits.ratioFloor && compressed > 0 && memberTotal / compressed > this.limits.maxRatio)
      throw new LimitReached("ratio", `member expands more than ${this.limits.maxRatio}:1 (${compressed} bytes to over ${memberTotal})`);
  }
}
