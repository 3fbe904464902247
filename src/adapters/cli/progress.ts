import cliProgress from 'cli-progress';
import { interval, type Subscription } from 'rxjs';
import type { Clock } from '../../application/ports/index.js';
import type { CliIo } from './cli-io.js';

export interface Progress {
  /** Moves the bar to `value`; `total` may grow as work is discovered. */
  update(value: number, total?: number): void;
  /** A line for the reader: above the bar on a terminal, on a line of its own otherwise. */
  note(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  readonly label: string;
  /** What `value` counts up to; 0 when not known (standard input). */
  readonly total: number;
  readonly clock: Clock;
  /** How often a progress line is written when standard error is not a terminal. */
  readonly lineEveryMs?: number;
}

export const PROGRESS_LINE_EVERY_MS = 5000;

/**
 * A progress bar with an ETA on standard error when it is a terminal; otherwise (a pipe, a CI
 * log) a progress line every few seconds, so a long run never looks stuck. Notes written meanwhile
 * never land on the bar.
 */
export function startProgress(io: CliIo, options: ProgressOptions): Progress {
  return io.stderr.isTTY === true ? barProgress(io, options) : lineProgress(io, options);
}

function barProgress(io: CliIo, options: ProgressOptions): Progress {
  const bars = new cliProgress.MultiBar(
    {
      stream: io.stderr,
      format: `${options.label} [{bar}] {value}/{total} {percentage}% | {rate} | ETA {eta_formatted} | {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const startedAt = options.clock.now();
  const bar = bars.create(options.total, 0, { rate: ratePerSecond(0, 0) });
  return {
    update(value, total) {
      if (total !== undefined) bar.setTotal(total);
      bar.update(value, { rate: ratePerSecond(value, options.clock.now() - startedAt) });
    },
    note(line) {
      bars.log(`${line}\n`);
    },
    stop() {
      // The bar writes buffered notes only when it redraws: once more before it stops.
      bars.update();
      bars.stop();
    },
  };
}

function lineProgress(io: CliIo, options: ProgressOptions): Progress {
  const startedAt = options.clock.now();
  let value = 0;
  let total = options.total;
  let reported = -1;
  const report = (): void => {
    if (value === reported) return;
    reported = value;
    io.stderr.write(
      `${progressLine(options.label, value, total, options.clock.now() - startedAt)}\n`,
    );
  };
  const ticks: Subscription = interval(
    options.lineEveryMs ?? PROGRESS_LINE_EVERY_MS,
    options.clock.scheduler,
  ).subscribe(report);
  return {
    update(next, nextTotal) {
      value = next;
      if (nextTotal !== undefined) total = nextTotal;
    },
    note(line) {
      io.stderr.write(`${line}\n`);
    },
    stop() {
      ticks.unsubscribe();
    },
  };
}

/**
 * Whether a long command (`gtx audit verify`, `audit export`, `replay`, `ledger copy`) shows its
 * progress: only to a person at a terminal. A pipe, a CI log or `--json` output gets nothing, so
 * what those commands write can be read by a program as it is.
 */
export function showsTerminalProgress(io: CliIo, options: { readonly json?: boolean }): boolean {
  return io.stderr.isTTY === true && options.json !== true;
}

/**
 * A progress bar (events done, rate, time left) when `showsTerminalProgress`, else null. Unlike
 * `startProgress` (`gtx send --file`), it writes no periodic line to a pipe.
 */
export function startTerminalProgress(
  io: CliIo,
  options: ProgressOptions & { readonly json?: boolean },
): Progress | null {
  return showsTerminalProgress(io, options) ? barProgress(io, options) : null;
}

/** `sending: 1200/5000 (24%), 40/s, ETA 1m35s`; without a total, only the count and rate. */
export function progressLine(
  label: string,
  value: number,
  total: number,
  elapsedMs: number,
): string {
  const perSecond = elapsedMs > 0 ? (value * 1000) / elapsedMs : 0;
  const rate = ratePerSecond(value, elapsedMs);
  if (total <= 0) return `${label}: ${value} done, ${rate}`;
  const percent = Math.floor((Math.min(value, total) * 100) / total);
  const eta = perSecond > 0 ? formatDuration(((total - value) / perSecond) * 1000) : '?';
  return `${label}: ${value}/${total} (${percent}%), ${rate}, ETA ${eta}`;
}

/** `40/s`, `2.5/s`: whole numbers from 10 a second up. */
function ratePerSecond(value: number, elapsedMs: number): string {
  const perSecond = elapsedMs > 0 ? (value * 1000) / elapsedMs : 0;
  return `${perSecond >= 10 ? Math.round(perSecond) : perSecond.toFixed(1)}/s`;
}

function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${seconds}s` : `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
}
