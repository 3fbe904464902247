import cliProgress from 'cli-progress';
import type { CliIo } from './cli-io.js';

export interface Progress {
  /** Moves the bar to `value`; `total` may grow as work is discovered. */
  update(value: number, total?: number): void;
  stop(): void;
}

const SILENT: Progress = {
  update: () => undefined,
  stop: () => undefined,
};

/**
 * A progress bar on standard error when it is a terminal; nothing otherwise, so pipes and CI
 * logs get only the summary.
 */
export function startProgress(io: CliIo, label: string, total: number): Progress {
  if (io.stderr.isTTY !== true) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: `${label} [{bar}] {value}/{total} {percentage}% | {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop() {
      bar.stop();
    },
  };
}
