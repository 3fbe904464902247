import { describe, expect, it } from 'vitest';
import {
  decide,
  DEFAULT_RETRY_POLICY,
  evolve,
  initialState,
  isGtxError,
  type TransmissionCommand,
  type TransmissionEvent,
  type TransmitMessage,
  type TransportFailure,
} from '../../../src/domain/index.js';

const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);

const command: TransmitMessage = {
  kind: 'message',
  commandId: 'cmd-1',
  guest: { id: 'guest-1', idType: 'Opaque' },
  conversationRef: 'conv-1',
  text: 'hello',
  attachments: [],
  metadata: {},
};

const request: TransmissionCommand = {
  type: 'RequestTransmission',
  command,
  violations: [],
  contentSha256: 'a'.repeat(64),
  nowMs: T0,
};

function failure(
  kind: TransportFailure['kind'],
  extra: Partial<TransportFailure> = {},
): TransportFailure {
  return {
    kind,
    status: null,
    code: null,
    message: null,
    retryAfterMs: null,
    correlationId: null,
    ...extra,
  };
}

function recordFailure(f: TransportFailure, nowMs: number, jitter = 0.5): TransmissionCommand {
  return { type: 'RecordFailure', failure: f, nowMs, jitter, retryPolicy: DEFAULT_RETRY_POLICY };
}

/** given events, when a command, then events (or an error code). */
function spec(given: readonly TransmissionEvent[], when: TransmissionCommand) {
  const state = given.reduce(evolve, initialState);
  return {
    then(expected: readonly Partial<TransmissionEvent>[]): void {
      const events = decide(when, state);
      expect(events).toHaveLength(expected.length);
      events.forEach((event, i) => {
        expect(event).toMatchObject(expected[i]!);
      });
    },
    thenThrows(code: string): void {
      try {
        decide(when, state);
      } catch (error) {
        expect(isGtxError(error) && error.code).toBe(code);
        return;
      }
      throw new Error('expected decide to throw');
    },
  };
}

const requested = decide(request, initialState);
const started = decide(
  { type: 'StartAttempt', nowMs: T0 + 10 },
  requested.reduce(evolve, initialState),
);
const inFlight = [...requested, ...started];

describe('Transmission decider', () => {
  it('given nothing, when requested with no violations, then TransmissionRequested', () => {
    spec([], request).then([
      {
        type: 'TransmissionRequested',
        schemaVersion: 1,
        data: expect.objectContaining({
          commandId: 'cmd-1',
          conversationRef: 'conv-1',
          guestId: 'guest-1',
          requestedAt: '2026-11-28T09:00:00.000Z',
        }) as never,
      },
    ]);
  });

  it('given nothing, when requested with violations, then TransmissionRejected with them all', () => {
    const violations = [
      { code: 'MESSAGE_EMPTY', field: '/text', message: 'empty' },
      { code: 'GUEST_ID_INVALID', field: '/guest/id', message: 'bad' },
    ] as const;
    spec([], { ...request, violations }).then([
      { type: 'TransmissionRejected', data: expect.objectContaining({ violations }) as never },
    ]);
  });

  it('given a requested transmission, when requested again, then an illegal transition', () => {
    spec(requested, request).thenThrows('ILLEGAL_TRANSITION');
  });

  it('given requested, when an attempt starts, then attempt 1', () => {
    spec(requested, { type: 'StartAttempt', nowMs: T0 + 10 }).then([
      {
        type: 'TransmissionAttemptStarted',
        data: { attempt: 1, startedAt: '2026-11-28T09:00:00.010Z' },
      },
    ]);
  });

  it('given an attempt in flight, when another attempt starts, then an illegal transition', () => {
    spec(inFlight, { type: 'StartAttempt', nowMs: T0 }).thenThrows('ILLEGAL_TRANSITION');
  });

  it('given nothing, when a delivery is recorded, then an illegal transition', () => {
    spec([], {
      type: 'RecordDelivery',
      genesysMessageId: 'g',
      genesysConversationId: null,
      correlationId: null,
      nowMs: T0,
    }).thenThrows('ILLEGAL_TRANSITION');
  });

  it('given in flight, when delivered, then latency is measured from the first attempt', () => {
    spec(inFlight, {
      type: 'RecordDelivery',
      genesysMessageId: 'genesys-1',
      genesysConversationId: 'conversation-1',
      correlationId: 'corr-1',
      nowMs: T0 + 260,
    }).then([
      {
        type: 'TransmissionDelivered',
        data: {
          genesysMessageId: 'genesys-1',
          genesysConversationId: 'conversation-1',
          correlationId: 'corr-1',
          attempts: 1,
          latencyMs: 250,
          deliveredAt: '2026-11-28T09:00:00.260Z',
        },
      },
    ]);
  });

  it('given in flight, when a transient failure, then a retryable failure with a retry time', () => {
    spec(inFlight, recordFailure(failure('transient', { status: 503 }), T0 + 20, 0.5)).then([
      {
        type: 'TransmissionAttemptFailed',
        data: expect.objectContaining({
          attempt: 1,
          failureKind: 'transient',
          retryable: true,
          status: 503,
          retryAt: '2026-11-28T09:00:00.145Z',
        }) as never,
      },
    ]);
  });

  it('given in flight, when a permanent failure, then failed and dead-lettered at once', () => {
    spec(
      inFlight,
      recordFailure(failure('permanent', { status: 400, code: 'bad.request' }), T0 + 20),
    ).then([
      {
        type: 'TransmissionAttemptFailed',
        data: expect.objectContaining({ retryable: false, retryAt: null }) as never,
      },
      {
        type: 'TransmissionDeadLettered',
        data: expect.objectContaining({ reason: 'permanentFailure', attempts: 1 }) as never,
      },
    ]);
  });

  it('given a failed attempt that is due, when the next attempt starts, then attempt 2', () => {
    const failed = decide(
      recordFailure(failure('transient'), T0 + 20),
      inFlight.reduce(evolve, initialState),
    );
    spec([...inFlight, ...failed], { type: 'StartAttempt', nowMs: T0 + 1_000 }).then([
      {
        type: 'TransmissionAttemptStarted',
        data: expect.objectContaining({ attempt: 2 }) as never,
      },
    ]);
  });

  it('given a delivered transmission, when a failure is recorded, then an illegal transition', () => {
    const delivered = decide(
      {
        type: 'RecordDelivery',
        genesysMessageId: 'g',
        genesysConversationId: null,
        correlationId: null,
        nowMs: T0,
      },
      inFlight.reduce(evolve, initialState),
    );
    spec([...inFlight, ...delivered], recordFailure(failure('transient'), T0)).thenThrows(
      'ILLEGAL_TRANSITION',
    );
  });

  it('evolves state through a whole life', () => {
    const state = inFlight.reduce(evolve, initialState);
    expect(state).toMatchObject({ status: 'inFlight', attempts: 1, firstAttemptAtMs: T0 + 10 });
    const failed = decide(
      recordFailure(failure('rateLimited', { retryAfterMs: 2_000 }), T0 + 20),
      state,
    );
    const after = failed.reduce(evolve, state);
    expect(after).toMatchObject({ status: 'pending', countedFailures: 0, retryAtMs: T0 + 2_020 });
  });
});
