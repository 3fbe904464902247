import type { Command } from 'commander';
import type { IntakeSummary } from '../../../application/intake/command-intake.js';
import { asError, GtxError } from '../../../domain/index.js';
import { writeLine, type CliIo } from '../cli-io.js';
import { resolveLedgerPath } from '../cli-ledger.js';
import type { CliServices, ConsumeOptions } from '../cli-services.js';
import type { CommandRegistrar } from '../run-cli.js';
import { watchSignals } from '../until-signalled.js';

export interface ConsumeFlags {
  from?: string;
  stream?: string;
  consumer?: string;
  subject?: string;
  queue?: string;
  prefetch?: string;
  ackWaitMs?: string;
  publishOutcomesTo?: string;
}

interface ConsumeCommandFlags extends ConsumeFlags {
  ledger?: string;
  sandbox?: boolean;
}

function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new GtxError('USAGE', `--${option} must be a whole number of at least 1 (got "${text}")`);
  }
  return value;
}

/** The flags `gtx consume` and `gtx serve --consume` share, as intake options. */
export function consumeOptionsOf(from: string, flags: ConsumeFlags): ConsumeOptions {
  const defined = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
    value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
  return {
    from,
    ...defined('stream', flags.stream),
    ...defined('consumer', flags.consumer),
    ...defined('subject', flags.subject),
    ...defined('queue', flags.queue),
    ...defined(
      'prefetch',
      flags.prefetch === undefined ? undefined : positiveInteger(flags.prefetch, 'prefetch'),
    ),
    ...defined(
      'ackWaitMs',
      flags.ackWaitMs === undefined ? undefined : positiveInteger(flags.ackWaitMs, 'ack-wait-ms'),
    ),
    ...defined('publishOutcomesTo', flags.publishOutcomesTo),
  };
}

/** The options of the broker intake, for `gtx consume` and for `gtx serve --consume`. */
export function addConsumeOptions(command: Command): Command {
  return command
    .option('--stream <name>', 'NATS: the JetStream stream')
    .option('--consumer <name>', 'NATS: the durable pull consumer (created when missing)')
    .option('--subject <subject>', 'NATS: the filter subject of a consumer it creates')
    .option('--ack-wait-ms <ms>', 'NATS: the ack wait of a consumer it creates (default 30000)')
    .option('--queue <name>', 'RabbitMQ: the queue')
    .option('--prefetch <n>', 'unacknowledged messages at once (default 64)')
    .option(
      '--publish-outcomes-to <subject|exchange>',
      'publish each outcome (header Gtx-Command-Id) to this NATS subject or RabbitMQ exchange',
    );
}

export function summaryLine(summary: IntakeSummary): string {
  return (
    `received ${String(summary.received)}: ${String(summary.recorded)} recorded ` +
    `(${String(summary.rejected)} rejected), ${String(summary.duplicates)} already recorded, ` +
    `${String(summary.intakeFailures)} not commands, ${String(summary.retried)} handed back` +
    (summary.unansweredAtStop > 0 ? `, ${String(summary.unansweredAtStop)} left to the broker` : '')
  );
}

async function consume(
  io: CliIo,
  services: CliServices,
  flags: ConsumeCommandFlags,
): Promise<void> {
  if (flags.from === undefined) throw new GtxError('USAGE', '--from URL is required');
  const prepared = services.prepareIntake(io, consumeOptionsOf(flags.from, flags));
  const runtime = await services.openRuntime(io, {
    sandbox: flags.sandbox === true,
    ledgerPath: resolveLedgerPath(io, flags.ledger),
  });
  let failure: unknown = null;
  try {
    const intake = await prepared.start(runtime.transmitter);
    writeLine(io.stdout, `gtx consume: consuming ${intake.description}`);
    const signals = watchSignals(io, 'consume');
    try {
      await Promise.race([signals.signalled, intake.finished]);
    } catch (error) {
      failure = error;
    } finally {
      signals.dispose();
    }
    const summary = await intake.stop();
    writeLine(io.stdout, `gtx consume: stopped; ${summaryLine(summary)}`);
  } finally {
    await runtime.close();
  }
  if (failure !== null) throw asError(failure);
  // Everything is closed; a handle some library forgot must not keep the process up.
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
}

export const registerConsume: CommandRegistrar = (program, io, services) => {
  addConsumeOptions(
    program
      .command('consume')
      .description('record commands from a NATS JetStream or RabbitMQ broker (docs/intake.md)')
      .requiredOption('--from <url>', 'nats://[user:pass@]host:4222 or amqp://user:pass@host:5672'),
  )
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--sandbox', 'send to an in-process sandbox Genesys instead of the real cloud')
    .addHelpText(
      'after',
      `
Each message body is one command, as an NDJSON line of gtx send --file. What it guarantees:
  - a message is acknowledged only after its command is committed to the ledger; a command
    the policies refuse is recorded as rejected and acknowledged;
  - a redelivery (same broker message id, or same command id) is not recorded twice; a body
    without "id" gets one from the broker: nats:<stream>:<sequence>, or amqp:<messageId>
    (an AMQP message with neither an "id" nor a messageId property is refused);
  - a body that is not a command is recorded as an intake failure (size, SHA-256, problems,
    never its content) and terminated (NATS) or rejected without requeue (AMQP: to the
    queue's dead-letter exchange): never redelivered for ever;
  - while the ledger cannot record, messages go back to the broker with a growing delay;
  - a conversation's commands are recorded in the order they were published;
  - SIGTERM or SIGINT drains: no new messages, those in flight are answered, then it exits.
Exit codes: 0 stopped by a signal, 1 usage or configuration, 4 Genesys authentication,
7 broker unreachable or its source stopped, 8 broker refused the credentials,
9 stream, consumer, queue or exchange missing.`,
    )
    .action(async (flags: ConsumeCommandFlags) => {
      await consume(io, services, flags);
    });
};
