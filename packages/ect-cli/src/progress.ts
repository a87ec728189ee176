import type { CliOutput } from "./cli-io.js";

/** A progress indicator for long audits and imports. */
export interface Progress {
  /** Adds `amount` (default 1) to the work done. */
  tick(amount?: number): void;
  /** Sets the total when it becomes known. */
  setTotal(total: number): void;
  /** Removes the bar (call before printing anything else on stderr). */
  done(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Where to draw: nothing is drawn unless it is a terminal (`isTTY`). */
  readonly stream: CliOutput;
  /** What is being done, e.g. `auditing`. */
  readonly label: string;
  /** Total amount of work, when known; else a counter is shown. */
  readonly total?: number | undefined;
  /** The unit of the counter, e.g. `entries`. */
  readonly unit: string;
  /** Milliseconds, for throttling (default `Date.now`). */
  readonly clock?: () => number;
  /** Nothing is drawn before this many ms have passed, so quick runs stay quiet (default 300). */
  readonly delayMs?: number;
}

const NO_PROGRESS: Progress = { tick() {}, setTotal() {}, done() {} };

/**
 * A one-line progress bar on stderr, redrawn at most ten times a second, and only when stderr is a
 * terminal: piped or redirected output (CI logs, files) gets no control characters.
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream, label, unit } = options;
  if (!stream.isTTY) return NO_PROGRESS;
  const clock = options.clock ?? Date.now;
  const started = clock();
  const delay = options.delayMs ?? 300;
  let total = options.total;
  let done = 0;
  let lastDraw = 0;
  let drawn = false;
  const draw = () => {
    const width = Math.max(40, Math.min(stream.columns ?? 80, 120));
    let line: string;
    if (total !== undefined && total > 0) {
      const fraction = Math.min(1, done / total);
      const counter = ` ${Math.floor(fraction * 100)
        .toString()
        .padStart(3)}% ${done}/${total} ${unit}`;
      const barWidth = Math.max(10, width - label.length - counter.length - 4);
      const filled = Math.round(fraction * barWidth);
      line = `${label} [${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]${counter}`;
    } else {
      line = `${label} ${done} ${unit}`;
    }
    stream.write(`\r${line.slice(0, width - 1)}\u001b[K`);
    drawn = true;
  };
  return {
    tick(amount = 1) {
      done += amount;
      const now = clock();
      if (now - started < delay || now - lastDraw < 100) return;
      lastDraw = now;
      draw();
    },
    setTotal(value) {
      total = value;
    },
    done() {
      if (drawn) stream.write("\r\u001b[K");
      drawn = false;
    },
  };
}
