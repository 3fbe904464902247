import { context, type Context } from '@opentelemetry/api';
import { firstValueFrom, of } from 'rxjs';
import {
  GtxError,
  hasErrorCode,
  transmissionStreamId,
  type TransmissionStatus,
} from '../../domain/index.js';
import type { ParsedCommand } from '../commands/parsed-command.js';
import type {
  Clock,
  EventStore,
  GuestPseudonymiser,
  Logger,
  PersonalDataVault,
  RecordedEvent,
} from '../ports/index.js';
import type { PolicySource } from '../policy/policy-source.js';
import { sealEventData } from '../privacy/seal-event-data.js';
import { ATTRIBUTE, SPAN } from '../tracing/gtx-tracer.js';
import { inSpan } from '../tracing/span-scope.js';
import { traceMetadata } from '../tracing/trace-metadata.js';
import {
  CommandIdReusedError,
  differencesOf,
  fingerprintOf,
  recordedFingerprint,
  storedFingerprintOf,
  type CommandFingerprint,
} from './command-fingerprint.js';
import { decideRequests, validateCommands } from './operators/validate.operator.js';
import type { OutcomeRegistry } from './outcome-registry.js';
import { outcomeFromEvents, type TransmissionOutcome } from './transmission-outcome.js';
import { loadTransmission } from './transmission-stream.js';

export interface ServiceDependencies {
  readonly events: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly outcomes: OutcomeRegistry;
  readonly policy: PolicySource;
  /** Seals each request's personal content before it is appended. */
  readonly vault: PersonalDataVault;
  /** How the ledger stores guest ids and conversation refs (clear, or keyed hashes). */
  readonly pseudonymiser: GuestPseudonymiser;
  /** Called after a new transmission is in the ledger, so the pipeline fetches it at once. */
  readonly onAccepted: () => void;
}

export type AcceptedCommand =
  | { readonly commandId: string; readonly status: 'accepted'; readonly duplicate: boolean }
  | { readonly commandId: string; readonly status: 'final'; readonly outcome: TransmissionOutcome };

export interface TransmissionStatusReport {
  readonly commandId: string;
  readonly status: TransmissionStatus | 'unknown';
  readonly outcome: TransmissionOutcome | null;
  readonly events: readonly RecordedEvent[];
}

/** An outcome was asked for a command the ledger does not hold. */
export class UnknownCommandError extends GtxError {
  constructor(commandId: string) {
    super('COMMAND_UNKNOWN', `no command ${commandId} in the ledger`, { details: { commandId } });
  }
}

export class TransmitterClosedError extends GtxError {
  constructor() {
    super(
      'TRANSMITTER_CLOSED',
      'the transmitter closed before this transmission became final; it is in the ledger and resumes at the next start',
    );
  }
}

/**
 * The write side of a transmission: validation, the decision, and the append that puts the
 * command in the ledger (the outbox) before anything is sent. The same commandId is accepted
 * once; later submissions get the recorded outcome.
 */
export class TransmissionService {
  constructor(private readonly deps: ServiceDependencies) {}

  /**
   * Puts the command in the ledger and returns without waiting for delivery. Traced as one
   * `gtx.intake` span, child of the active context (an HTTP request's `traceparent`, a broker
   * message's, an embedding application's own span); the request event's metadata keeps that
   * span's context, so each later delivery attempt continues the trace.
   */
  accept(command: ParsedCommand): Promise<AcceptedCommand> {
    return inSpan(
      SPAN.intake,
      { attributes: { [ATTRIBUTE.commandId]: command.commandId, [ATTRIBUTE.kind]: command.kind } },
      context.active(),
      async (span, intake) => {
        const accepted = await this.acceptTraced(command, intake);
        span.setAttribute(ATTRIBUTE.outcome, intakeOutcome(accepted));
        return accepted;
      },
    );
  }

  private async acceptTraced(command: ParsedCommand, intake: Context): Promise<AcceptedCommand> {
    const { commandId } = command;
    const existing = await this.existing(command);
    if (existing !== null) return existing;
    const {
      events,
      violations,
      contentSha256: hash,
    } = await firstValueFrom(
      of(command).pipe(
        validateCommands(this.deps.policy.current()),
        decideRequests(() => this.deps.clock.now()),
      ),
    );
    const sealed = await Promise.all(
      events.map((event) => sealEventData(event, this.deps.vault, this.deps.pseudonymiser)),
    );
    const trace = traceMetadata(intake);
    try {
      await inSpan(
        SPAN.ledgerAppend,
        { attributes: { [ATTRIBUTE.commandId]: commandId } },
        intake,
        (span) => {
          if (span.isRecording()) span.setAttribute(ATTRIBUTE.eventTypes, typesOf(events));
          return this.deps.events.append({
            streamId: transmissionStreamId(commandId),
            expectedVersion: 'noStream',
            events: events.map((event, index) => ({
              type: event.type,
              schemaVersion: event.schemaVersion,
              data: sealed[index],
              metadata: { commandId, correlationId: commandId, ...trace },
            })),
          });
        },
      );
    } catch (error) {
      if (!hasErrorCode(error, 'LEDGER_VERSION_CONFLICT')) throw error;
      // A concurrent submission of the same commandId won the race; its record stands.
      const raced = await this.existing(command);
      if (raced !== null) return raced;
      throw error;
    }
    this.deps.logger.info('transmission accepted', {
      commandId,
      kind: command.kind,
      contentSha256: hash,
      violations: violations.length,
    });
    const outcome = outcomeFromEvents(events, false);
    if (outcome !== null) return { commandId, status: 'final', outcome };
    this.deps.onAccepted();
    return { commandId, status: 'accepted', duplicate: false };
  }

  /** Puts the command in the ledger and resolves when it is final. */
  async submit(command: ParsedCommand): Promise<TransmissionOutcome> {
    const pending = this.deps.outcomes.wait(command.commandId);
    try {
      const accepted = await this.accept(command);
      if (accepted.status === 'final') {
        pending.cancel();
        return accepted.outcome;
      }
      // The pipeline may have finished before we waited: look once more, then wait.
      const settled = await this.finalOutcome(command.commandId, accepted.duplicate);
      if (settled !== null) {
        pending.cancel();
        return settled;
      }
      const outcome = await pending.promise;
      return accepted.duplicate ? { ...outcome, duplicate: true } : outcome;
    } catch (error) {
      pending.cancel();
      throw error;
    }
  }

  /** Resolves with the final outcome of a command already in the ledger, once it has one. */
  async awaitOutcome(commandId: string): Promise<TransmissionOutcome> {
    const pending = this.deps.outcomes.wait(commandId);
    try {
      const recorded = await this.deps.events.readStream(transmissionStreamId(commandId));
      if (recorded.length === 0) throw new UnknownCommandError(commandId);
      const settled = outcomeFromEvents(loadTransmission(recorded).events, false);
      if (settled !== null) {
        pending.cancel();
        return settled;
      }
      return await pending.promise;
    } catch (error) {
      pending.cancel();
      throw error;
    }
  }

  async status(commandId: string): Promise<TransmissionStatusReport> {
    const recorded = await this.deps.events.readStream(transmissionStreamId(commandId));
    if (recorded.length === 0) return { commandId, status: 'unknown', outcome: null, events: [] };
    const loaded = loadTransmission(recorded);
    return {
      commandId,
      status: loaded.state.status,
      outcome: outcomeFromEvents(loaded.events, false),
      events: recorded,
    };
  }

  /**
   * Refuses, before anything is recorded, a command whose id the ledger (or an earlier command
   * of the same batch) holds for a different command (COMMAND_ID_REUSED).
   */
  async assertIdsNotReused(commands: readonly ParsedCommand[]): Promise<void> {
    const seen = new Map<string, CommandFingerprint>();
    for (const command of commands) {
      const fingerprint = fingerprintOf(command);
      const earlier = seen.get(command.commandId);
      if (earlier === undefined) {
        seen.set(command.commandId, fingerprint);
        await this.existing(command);
        continue;
      }
      const differences = differencesOf(earlier, fingerprint);
      if (differences.length > 0) throw new CommandIdReusedError(command.commandId, differences);
    }
  }

  /** The recorded answer to a repeated command; COMMAND_ID_REUSED when it is another command. */
  private async existing(command: ParsedCommand): Promise<AcceptedCommand | null> {
    const { commandId } = command;
    const recorded = await this.deps.events.readStream(transmissionStreamId(commandId));
    if (recorded.length === 0) return null;
    const { events } = loadTransmission(recorded);
    const before = recordedFingerprint(events);
    const differences =
      before === null
        ? []
        : differencesOf(before, await storedFingerprintOf(command, this.deps.pseudonymiser));
    if (differences.length > 0) {
      this.deps.logger.info('command id reused for a different command', {
        commandId,
        differences: differences.join(','),
      });
      throw new CommandIdReusedError(commandId, differences);
    }
    const outcome = outcomeFromEvents(events, true);
    this.deps.logger.info('duplicate command', { commandId, final: outcome !== null });
    if (outcome !== null) return { commandId, status: 'final', outcome };
    return { commandId, status: 'accepted', duplicate: true };
  }

  private async finalOutcome(
    commandId: string,
    duplicate: boolean,
  ): Promise<TransmissionOutcome | null> {
    const recorded = await this.deps.events.readStream(transmissionStreamId(commandId));
    return outcomeFromEvents(loadTransmission(recorded).events, duplicate);
  }
}

/** The intake span's `gtx.outcome`: what the caller is told. */
function intakeOutcome(accepted: AcceptedCommand): string {
  if (accepted.status === 'accepted') return accepted.duplicate ? 'duplicate' : 'accepted';
  return accepted.outcome.duplicate ? 'duplicate' : accepted.outcome.status;
}

function typesOf(events: readonly { readonly type: string }[]): string {
  return events.map((event) => event.type).join(',');
}
