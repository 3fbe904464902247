import type { EventStore, NewEvent, Random } from '../../../src/application/ports/index.js';

export interface SeedTransmission {
  readonly commandId: string;
  readonly guestId?: string;
  readonly conversationRef?: string;
  /** What happens after the request; `requested` stops there. */
  readonly outcome?:
    'requested' | 'delivered' | 'retriedThenDelivered' | 'rejected' | 'deadLettered';
  readonly latencyMs?: number;
  readonly at?: string;
}

export const SECRET_TEXT = 'the secret message text';
export const NICKNAME = 'Ada Lovelace';

function requested(t: {
  commandId: string;
  guestId: string;
  conversationRef: string;
}): Record<string, unknown> {
  return {
    commandId: t.commandId,
    kind: 'message',
    guestId: t.guestId,
    conversationRef: t.conversationRef,
    contentSha256: 'a'.repeat(64),
    content: {
      kind: 'message',
      guest: { id: t.guestId, idType: 'Opaque', nickname: NICKNAME, firstName: 'Ada' },
      text: SECRET_TEXT,
      attachments: [],
      metadata: { orderId: 'order-42' },
    },
  };
}

function event(type: string, data: Record<string, unknown>, commandId: string): NewEvent {
  return { type, schemaVersion: 1, data, metadata: { commandId } };
}

/** Appends the events of one transmission, as the pipeline would have written them. */
export async function seedTransmission(ledger: EventStore, seed: SeedTransmission): Promise<void> {
  const at = seed.at ?? '2026-01-01T00:00:00.000Z';
  const t = {
    commandId: seed.commandId,
    guestId: seed.guestId ?? `guest-${seed.commandId}`,
    conversationRef: seed.conversationRef ?? `conv-${seed.commandId}`,
  };
  const base = requested(t);
  const outcome = seed.outcome ?? 'delivered';
  const id = t.commandId;
  const events: NewEvent[] = [];
  if (outcome === 'rejected') {
    events.push(
      event(
        'TransmissionRejected',
        {
          ...base,
          violations: [
            { code: 'TEXT_TOO_MANY_BYTES', field: '/text', message: 'too long' },
            { code: 'CONTENT_BLOCKED', field: '/text', message: 'blocked' },
            { code: 'CONTENT_BLOCKED', field: '/text', message: 'blocked again' },
          ],
          rejectedAt: at,
        },
        id,
      ),
    );
  } else {
    events.push(event('TransmissionRequested', { ...base, requestedAt: at }, id));
  }
  const started = (attempt: number) =>
    event('TransmissionAttemptStarted', { attempt, startedAt: at }, id);
  const failed = (attempt: number, final: boolean) =>
    event(
      'TransmissionAttemptFailed',
      {
        attempt,
        failureKind: final ? 'permanent' : 'transient',
        retryable: !final,
        status: final ? 400 : 503,
        code: final ? 'bad.request' : 'service.unavailable',
        message: final ? 'invalid request' : 'try later',
        correlationId: null,
        retryAfterMs: null,
        retryAt: final ? null : at,
        failedAt: at,
      },
      id,
    );
  const delivered = (attempts: number) =>
    event(
      'TransmissionDelivered',
      {
        genesysMessageId: `gm-${id}`,
        genesysConversationId: `gc-${t.conversationRef}`,
        correlationId: null,
        attempts,
        latencyMs: seed.latencyMs ?? 100,
        deliveredAt: at,
      },
      id,
    );
  switch (outcome) {
    case 'delivered':
      events.push(started(1), delivered(1));
      break;
    case 'retriedThenDelivered':
      events.push(started(1), failed(1, false), started(2), delivered(2));
      break;
    case 'deadLettered':
      events.push(
        started(1),
        failed(1, true),
        event(
          'TransmissionDeadLettered',
          { reason: 'permanentFailure', detail: 'HTTP 400', attempts: 1, deadLetteredAt: at },
          id,
        ),
      );
      break;
    case 'requested':
    case 'rejected':
      break;
  }
  await ledger.append({ streamId: `transmission-${id}`, expectedVersion: 'noStream', events });
}

/** Answers a fixed sequence, then repeats the last value: jitter a test can predict. */
export class ScriptedRandom implements Random {
  private index = 0;

  constructor(private readonly values: readonly number[]) {}

  next(): number {
    const value = this.values[Math.min(this.index, this.values.length - 1)] ?? 0;
    this.index += 1;
    return value;
  }
}
