import type {
  AppendResult,
  EventStore,
  NewEvent,
} from '../../application/ports/event-store.port.js';
import { epochMsToIso, transmissionStreamId, type TransmissionEvent } from '../../domain/index.js';

/*
 * Transmission streams as the contract suites (and tests of the layers above) append them: the
 * events of each step of a transmission's life, with fixed times.
 */

export const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
export const at = (offsetMs: number): string => epochMsToIso(T0 + offsetMs);

export function toNewEvent(event: TransmissionEvent, commandId?: string): NewEvent {
  return {
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: commandId === undefined ? {} : { commandId },
  };
}

export const transmission = {
  requested(commandId: string, conversationRef: string): TransmissionEvent {
    return {
      type: 'TransmissionRequested',
      schemaVersion: 1,
      data: {
        commandId,
        kind: 'message',
        guestId: `guest-${conversationRef}`,
        conversationRef,
        contentSha256: 'a'.repeat(64),
        content: {
          kind: 'message',
          guest: { id: `guest-${conversationRef}`, idType: 'Opaque' },
          text: `hello from ${commandId}`,
          attachments: [],
          metadata: {},
        },
        requestedAt: at(0),
      },
    };
  },
  rejected(commandId: string, conversationRef: string): TransmissionEvent {
    return {
      type: 'TransmissionRejected',
      schemaVersion: 1,
      data: {
        commandId,
        kind: 'typing',
        guestId: `guest-${conversationRef}`,
        conversationRef,
        contentSha256: 'b'.repeat(64),
        content: { kind: 'typing', guest: { id: `guest-${conversationRef}`, idType: 'Opaque' } },
        violations: [{ code: 'TEXT_TOO_MANY_BYTES', field: '/text', message: 'too long' }],
        rejectedAt: at(0),
      },
    };
  },
  started(attempt: number): TransmissionEvent {
    return {
      type: 'TransmissionAttemptStarted',
      schemaVersion: 1,
      data: { attempt, startedAt: at(attempt * 1000) },
    };
  },
  failed(attempt: number, retryAtMs: number | null): TransmissionEvent {
    return {
      type: 'TransmissionAttemptFailed',
      schemaVersion: 1,
      data: {
        attempt,
        failureKind: retryAtMs === null ? 'permanent' : 'transient',
        retryable: retryAtMs !== null,
        status: retryAtMs === null ? 400 : 503,
        code: null,
        message: 'the far side said no',
        correlationId: null,
        retryAfterMs: null,
        retryAt: retryAtMs === null ? null : epochMsToIso(retryAtMs),
        failedAt: at(attempt * 1000 + 10),
      },
    };
  },
  delivered(attempts: number): TransmissionEvent {
    return {
      type: 'TransmissionDelivered',
      schemaVersion: 1,
      data: {
        genesysMessageId: `gm-${attempts}`,
        genesysConversationId: null,
        correlationId: null,
        attempts,
        latencyMs: 42,
        deliveredAt: at(attempts * 1000 + 20),
      },
    };
  },
  deadLettered(attempts: number): TransmissionEvent {
    return {
      type: 'TransmissionDeadLettered',
      schemaVersion: 1,
      data: {
        reason: 'permanentFailure',
        detail: '400',
        attempts,
        deadLetteredAt: at(attempts * 1000 + 30),
      },
    };
  },
  redriven(redriveId: string, attemptsBefore: number): TransmissionEvent {
    return {
      type: 'TransmissionRedriven',
      schemaVersion: 1,
      data: {
        redriveId,
        reason: 'the far side is fixed',
        operator: 'operator-1',
        previousReason: 'permanentFailure',
        attemptsBefore,
        redrivenAt: at(attemptsBefore * 1000 + 40),
      },
    };
  },
};

/** Appends a whole transmission stream in one request. */
export function appendTransmission(
  store: EventStore,
  commandId: string,
  events: readonly TransmissionEvent[],
): Promise<AppendResult> {
  return store.append({
    streamId: transmissionStreamId(commandId),
    expectedVersion: 'noStream',
    events: events.map((event) => toNewEvent(event, commandId)),
  });
}

export function note(n: number, extra: Record<string, unknown> = {}): NewEvent {
  return {
    type: 'NoteTaken',
    schemaVersion: 1,
    data: { n, ...extra },
    metadata: { correlationId: `c-${n}` },
  };
}

export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const code: unknown = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : `not a coded error: ${String(error)}`;
  }
  return 'resolved';
}
