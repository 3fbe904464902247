import type { Command } from 'commander';
import { GtxError } from '../../../domain/index.js';
import { resolveLedgerPath } from '../cli-ledger.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliService, CliServices } from '../cli-services.js';
import type { CommandRegistrar } from '../run-cli.js';

interface ServeOptions {
  port?: string;
  host?: string;
  sandbox?: boolean;
  ledger?: string;
  /** commander's negation of `--no-auth`: false when given. */
  auth: boolean;
}

const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

function parsePort(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new GtxError('USAGE', `--port must be an integer from 0 to 65535 (got "${text}")`);
  }
  return value;
}

/**
 * Waits for SIGTERM or SIGINT, then stops gracefully. A second signal while draining exits at
 * once (128 + signal number): whatever was in flight is in the ledger and resumes at next start.
 */
function untilSignalled(io: CliIo, service: CliService): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        writeLine(io.stderr, `gtx serve: ${signal} again: exiting now`);
        process.exit(SIGNAL_EXIT[signal] ?? 1);
      }
      stopping = true;
      writeLine(io.stderr, `gtx serve: ${signal}: draining, then stopping`);
      service.close().then(() => {
        writeLine(io.stderr, 'gtx serve: stopped');
        resolve();
      }, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function serve(io: CliIo, services: CliServices, options: ServeOptions): Promise<void> {
  const service = await services.startService(io, {
    sandbox: options.sandbox === true,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: parsePort(options.port) }),
    ledgerPath: resolveLedgerPath(io, options.ledger),
    noAuth: !options.auth,
  });
  writeLine(io.stdout, `gtx serve: listening on ${service.url}`);
  if (service.feedRunning) writeLine(io.stdout, 'gtx serve: analytics feed running');
  await untilSignalled(io, service);
  await service.stopFeed();
  // Everything is closed; a handle some library forgot must not keep the process up.
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
}

export const registerServe: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  program
    .command('serve')
    .description(
      'run the HTTP service: intake, status, audit events, metrics, health (docs/service.md)',
    )
    .option('--port <n>', 'port to listen on (GTX_HTTP_PORT, default 8080; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (GTX_HTTP_HOST, default 127.0.0.1)')
    .option('--sandbox', 'run against an in-process sandbox Genesys instead of the real cloud')
    .option('--ledger <path>', 'the SQLite ledger (GTX_LEDGER, default ./gtx-ledger.db)')
    .option(
      '--no-auth',
      'serve without API keys (loopback hosts only); by default GTX_API_KEYS is required',
    )
    .action(async (options: ServeOptions) => {
      await serve(io, services, options);
    });
};
