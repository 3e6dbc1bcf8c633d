/**
 * A progress bar on stderr for long runs, shown only to a person at a terminal: never when stdout
 * or stderr is redirected, and never in CI (`$CI` set), where it would only fill the log.
 */

export interface Progress {
  update(done: number, total: number): void;
  /** Erase the bar (call before printing the report). */
  end(): void;
}

export function wantProgress(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!process.stdout.isTTY && !!process.stderr.isTTY && !env.CI;
}

export function progressBar(label: string): Progress | undefined {
  if (!wantProgress()) return undefined;
  const t0 = performance.now();
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = performance.now();
      if (now - last < 80 && done < total) return;
      last = now;
      const cols = process.stderr.columns || 80;
      const secs = (now - t0) / 1000;
      const eta = done > 0 && done < total ? ` ETA ${Math.ceil((secs * (total - done)) / done)}s` : "";
      const tail = ` ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} ${Math.floor((100 * done) / Math.max(1, total))}% ${secs.toFixed(1)}s${eta}`;
      const width = Math.max(10, Math.min(40, cols - label.length - tail.length - 4));
      const fill = Math.round((width * done) / Math.max(1, total));
      process.stderr.write(`\r${label} [${"#".repeat(fill)}${".".repeat(width - fill)}]${tail}\x1b[K`);
      shown = true;
    },
    end() {
      if (shown) process.stderr.write("\r\x1b[K");
      shown = false;
    },
  };
}
