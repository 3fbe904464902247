import {
  decide,
  defaultRedriveId,
  hasErrorCode,
  transmissionStreamId,
  type DeadLetterReason,
} from '../../domain/index.js';
import type { Clock, EventStore, Logger, PersonalDataVault } from '../ports/index.js';
import { UnknownCommandError } from '../transmission/transmission-service.js';
import {
  loadOpenedTransmission,
  type LoadedTransmission,
} from '../transmission/transmission-stream.js';
import type { RedriveRequest } from './redrive-request.js';

export interface RedriveDependencies {
  readonly events: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Tells whether the content can still be opened: a forgotten guest's cannot be sent. */
  readonly vault: PersonalDataVault;
  /** Called after a redrive is recorded, so a local pipeline claims it at once. */
  readonly onRedriven: () => void;
}

export interface RedriveResult {
  readonly commandId: string;
  readonly redriveId: string;
  /** `alreadyRedriven`: this redrive id was recorded before; nothing was re-opened again. */
  readonly status: 'redriven' | 'alreadyRedriven';
  /** The dead letter this redrive ended; null when it was already re-driven. */
  readonly previousReason: DeadLetterReason | null;
}

/** Appends that lost a race with another writer of the stream are decided again this often. */
const MAX_RACES = 3;

/**
 * Re-opens a dead-lettered transmission for new attempts. Whether it may is the decider's
 * call; this records its answer, once per redrive id, however often it is asked.
 */
export class RedriveService {
  constructor(private readonly deps: RedriveDependencies) {}

  async redrive(request: RedriveRequest): Promise<RedriveResult> {
    for (let race = 1; ; race++) {
      const loaded = await this.load(request.commandId);
      try {
        return await this.decideAndAppend(request, loaded);
      } catch (error) {
        // Another redrive of the same stream committed first: decide again on what it wrote.
        if (!hasErrorCode(error, 'LEDGER_VERSION_CONFLICT') || race >= MAX_RACES) throw error;
      }
    }
  }

  private async load(commandId: string): Promise<LoadedTransmission> {
    const recorded = await this.deps.events.readStream(transmissionStreamId(commandId));
    if (recorded.length === 0) throw new UnknownCommandError(commandId);
    return loadOpenedTransmission(recorded, this.deps.vault);
  }

  private async decideAndAppend(
    request: RedriveRequest,
    loaded: LoadedTransmission,
  ): Promise<RedriveResult> {
    const { commandId } = request;
    const redriveId = request.redriveId ?? defaultRedriveId(loaded.state);
    const events = decide(
      {
        type: 'Redrive',
        redriveId,
        reason: request.reason,
        operator: request.operator,
        contentErased: contentErased(loaded),
        nowMs: this.deps.clock.now(),
      },
      loaded.state,
    );
    const [redriven] = events;
    if (redriven?.type !== 'TransmissionRedriven') {
      this.deps.logger.info('redrive already recorded', { commandId, redriveId });
      return { commandId, redriveId, status: 'alreadyRedriven', previousReason: null };
    }
    await this.deps.events.append({
      streamId: transmissionStreamId(commandId),
      expectedVersion: loaded.version,
      events: [
        {
          type: redriven.type,
          schemaVersion: redriven.schemaVersion,
          data: redriven.data,
          metadata: { commandId, correlationId: commandId },
        },
      ],
    });
    this.deps.logger.info('transmission redriven', {
      commandId,
      redriveId,
      previousReason: redriven.data.previousReason,
      attemptsBefore: redriven.data.attemptsBefore,
    });
    this.deps.onRedriven();
    return {
      commandId,
      redriveId,
      status: 'redriven',
      previousReason: redriven.data.previousReason,
    };
  }
}

function contentErased(loaded: LoadedTransmission): boolean {
  const first = loaded.events[0];
  return first?.type === 'TransmissionRequested' && first.data.content.kind === 'erased';
}
