import { writeLine, type CliIo } from './cli-io.js';

const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface SignalWatch {
  /** Resolves on the first SIGTERM or SIGINT. */
  readonly signalled: Promise<NodeJS.Signals>;
  /** Stops listening (the command ended for another reason). */
  dispose(): void;
}

/**
 * Watches for SIGTERM and SIGINT: the first starts a graceful stop (the caller's), a second
 * one while stopping exits at once with 128 + the signal number: whatever was in flight is in
 * the ledger, or still at the broker, and resumes at the next start.
 */
export function watchSignals(io: CliIo, command: string): SignalWatch {
  let stopping = false;
  let resolveSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    resolveSignal = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      writeLine(io.stderr, `gtx ${command}: ${signal} again: exiting now`);
      process.exit(SIGNAL_EXIT[signal] ?? 1);
    }
    stopping = true;
    writeLine(io.stderr, `gtx ${command}: ${signal}: draining, then stopping`);
    resolveSignal(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    signalled,
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
