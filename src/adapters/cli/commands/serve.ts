import type { Command } from 'commander';
import { asError, GtxError } from '../../../domain/index.js';
import { resolveLedgerPath } from '../cli-ledger.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import type { CommandRegistrar } from '../run-cli.js';
import { watchSignals } from '../until-signalled.js';
import { addConsumeOptions, consumeOptionsOf, summaryLine, type ConsumeFlags } from './consume.js';

interface ServeOptions extends ConsumeFlags {
  port?: string;
  host?: string;
  sandbox?: boolean;
  ledger?: string;
  /** commander's negation of `--no-auth`: false when given. */
  auth: boolean;
  consume?: string;
}

function parsePort(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new GtxError('USAGE', `--port must be an integer from 0 to 65535 (got "${text}")`);
  }
  return value;
}

async function serve(io: CliIo, services: CliServices, options: ServeOptions): Promise<void> {
  const service = await services.startService(io, {
    sandbox: options.sandbox === true,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: parsePort(options.port) }),
    ledgerPath: resolveLedgerPath(io, options.ledger),
    noAuth: !options.auth,
    ...(options.consume === undefined
      ? {}
      : { consume: consumeOptionsOf(options.consume, options) }),
  });
  writeLine(io.stdout, `gtx serve: listening on ${service.url}`);
  if (service.feedRunning) writeLine(io.stdout, 'gtx serve: analytics feed running');
  if (service.intake !== null) {
    writeLine(io.stdout, `gtx serve: consuming ${service.intake.description}`);
  }
  // A broker source that fails stops the service too: it was asked to consume.
  const signals = watchSignals(io, 'serve');
  let failure: unknown = null;
  try {
    await Promise.race([
      signals.signalled,
      service.intake?.finished ?? new Promise(() => undefined),
    ]);
  } catch (error) {
    failure = error;
  }
  const summary = await service.intake?.stop();
  if (summary !== undefined)
    writeLine(io.stdout, `gtx serve: intake stopped; ${summaryLine(summary)}`);
  await service.close();
  writeLine(io.stderr, 'gtx serve: stopped');
  signals.dispose();
  await service.stopFeed();
  if (failure !== null) throw asError(failure);
  // Everything is closed; a handle some library forgot must not keep the process up.
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
}

export const registerServe: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  const command = program
    .command('serve')
    .description(
      'run the HTTP service: intake, status, audit events, metrics, health (docs/service.md)',
    )
    .option('--port <n>', 'port to listen on (GTX_HTTP_PORT, default 8080; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (GTX_HTTP_HOST, default 127.0.0.1)')
    .option('--sandbox', 'run against an in-process sandbox Genesys instead of the real cloud')
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option(
      '--no-auth',
      'serve without API keys (loopback hosts only); by default GTX_API_KEYS is required',
    )
    .option(
      '--consume <url>',
      'also record commands from this broker (nats:// or amqp://, see gtx consume --help)',
    )
    .addHelpText(
      'after',
      `
Traces: set OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://127.0.0.1:4318) to export OpenTelemetry
traces over OTLP/HTTP, one per command from a request's traceparent header to its outcome;
OTEL_SERVICE_NAME (default genesys-transmitter) and the other OTEL_* variables apply. Unset,
nothing is started. Span names and attributes: docs/observability.md.`,
    );
  command.addHelpText(
    'after',
    [
      '',
      "Agent replies: set GENESYS_OUTBOUND_WEBHOOK_SECRET to the Open Messaging integration's",
      'outbound webhook signature secret (more than 15 characters) and point the integration at',
      'https://YOUR-HOST/v1/genesys/outbound (GTX_OUTBOUND_WEBHOOK_PATH). Each signed message is',
      'recorded in its guest conversation and acknowledged with a Delivered receipt',
      '(GTX_AGENT_RECEIPTS=off for none). See docs/agent-replies.md.',
      '',
      'Transcripts: GET /v1/conversations/REF/transcript, hashes only; ?reveal=true needs',
      'GTX_TRANSCRIPT_REVEAL=allow. See docs/transcripts.md.',
    ].join('\n'),
  );
  addConsumeOptions(command).action(async (options: ServeOptions) => {
    await serve(io, services, options);
  });
};
