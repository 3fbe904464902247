import type { Command } from 'commander';
import { loadTransmission } from '../../../application/transmission/transmission-stream.js';
import { readTransmissionEvent } from '../../../application/ledger/transmission-projection.js';
import { outcomeFromEvents } from '../../../application/transmission/transmission-outcome.js';
import { transmissionStreamId, GtxError } from '../../../domain/index.js';
import type { RecordedEvent } from '../../../application/ports/index.js';
import { openCliLedger } from '../cli-ledger.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { describeOutcome } from '../outcome-format.js';
import type { CommandRegistrar } from '../run-cli.js';

/** The non-personal facts of one event, for a person reading the history. */
function summarise(recorded: RecordedEvent): string {
  const event = readTransmissionEvent(recorded);
  switch (event.type) {
    case 'TransmissionRequested':
      return `${event.data.kind} for conversation ${event.data.conversationRef}, content sha256 ${event.data.contentSha256.slice(0, 16)}…`;
    case 'TransmissionRejected':
      return `violations: ${event.data.violations.map((v) => v.code).join(', ')}`;
    case 'TransmissionAttemptStarted':
      return `attempt ${event.data.attempt}`;
    case 'TransmissionAttemptFailed': {
      const { attempt, failureKind, status, code, retryAt } = event.data;
      return [
        `attempt ${attempt} ${failureKind}`,
        status === null ? null : `HTTP ${status}`,
        code,
        retryAt === null ? 'final' : `retry at ${retryAt}`,
      ]
        .filter((part) => part !== null)
        .join(', ');
    }
    case 'TransmissionDelivered':
      return `Genesys message ${event.data.genesysMessageId}, conversation ${event.data.genesysConversationId ?? '-'}, ${event.data.latencyMs} ms`;
    case 'TransmissionDeadLettered':
      return `${event.data.reason}: ${event.data.detail}`;
    case 'TransmissionRedriven':
      return `re-driven by ${event.data.operator} (${event.data.redriveId}, was ${event.data.previousReason}): ${event.data.reason}`;
  }
}

async function status(
  io: CliIo,
  services: CliServices,
  commandId: string,
  options: { ledger?: string; json?: boolean },
): Promise<void> {
  const ledger = openCliLedger(services, io, options.ledger);
  try {
    const events = await ledger.events.readStream(transmissionStreamId(commandId));
    if (events.length === 0) {
      throw new GtxError('COMMAND_NOT_FOUND', `no command ${commandId} in the ledger`);
    }
    const loaded = loadTransmission(events);
    const outcome = outcomeFromEvents(loaded.events, false);
    if (options.json === true) {
      writeLine(
        io.stdout,
        JSON.stringify({ commandId, status: loaded.state.status, outcome, events }),
      );
      return;
    }
    writeLine(io.stdout, `${commandId}: ${loaded.state.status}`);
    for (const event of events) {
      writeLine(
        io.stdout,
        `  #${event.position}  ${event.recordedAt}  ${event.type}  ${summarise(event)}`,
      );
    }
    if (outcome !== null) for (const line of describeOutcome(outcome)) writeLine(io.stdout, line);
  } finally {
    await ledger.close();
  }
}

export const registerStatus: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  program
    .command('status')
    .description('print the recorded events and outcome of one command')
    .argument('<commandId>', 'the command id (idempotency key)')
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--json', 'machine-readable output')
    .action(async (commandId: string, options: { ledger?: string; json?: boolean }) => {
      await status(io, services, commandId, options);
    });
};
