import { describe, expect, it } from 'vitest';
import {
  decide,
  DEFAULT_RETRY_POLICY,
  fold,
  isGtxError,
  type RetryPolicyConfig,
  type TransmissionCommand,
  type TransmissionEvent,
  type TransmissionState,
  type TransportFailure,
} from '../../../src/domain/index.js';

const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
const POLICY: RetryPolicyConfig = { ...DEFAULT_RETRY_POLICY, maxAttempts: 2, deadlineMs: 60_000 };

const transient: TransportFailure = {
  kind: 'transient',
  status: 503,
  code: null,
  message: null,
  retryAfterMs: null,
  correlationId: null,
};
const permanent: TransportFailure = { ...transient, kind: 'permanent', status: 400 };

function redrive(overrides: Partial<Extract<TransmissionCommand, { type: 'Redrive' }>> = {}) {
  return {
    type: 'Redrive',
    redriveId: null,
    reason: 'the integration was fixed',
    operator: 'ops-anna',
    contentErased: false,
    nowMs: T0 + 100_000,
    ...overrides,
  } satisfies TransmissionCommand;
}

/** Runs each command against the state the events so far fold to, keeping every event. */
function run(commands: readonly TransmissionCommand[]): TransmissionEvent[] {
  const events: TransmissionEvent[] = [];
  for (const command of commands) events.push(...decide(command, fold(events)));
  return events;
}

const request: TransmissionCommand = {
  type: 'RequestTransmission',
  command: {
    kind: 'message',
    commandId: 'cmd-1',
    guest: { id: 'guest-1', idType: 'Opaque' },
    conversationRef: 'conv-1',
    text: 'hello',
    attachments: [],
    metadata: {},
  },
  violations: [],
  contentSha256: 'a'.repeat(64),
  nowMs: T0,
};
const fail = (failure: TransportFailure, nowMs: number): TransmissionCommand => ({
  type: 'RecordFailure',
  failure,
  nowMs,
  jitter: 0,
  retryPolicy: POLICY,
});
const start = (nowMs: number): TransmissionCommand => ({ type: 'StartAttempt', nowMs });

const deadLettered = run([request, start(T0 + 10), fail(permanent, T0 + 20)]);

function refusal(events: readonly TransmissionEvent[], command: TransmissionCommand): unknown {
  try {
    decide(command, fold(events));
  } catch (error) {
    return isGtxError(error) ? { code: error.code, details: error.details } : error;
  }
  throw new Error('expected the redrive to be refused');
}

describe('Transmission decider: redrive', () => {
  it('given a permanent dead letter, when re-driven, then TransmissionRedriven naming it', () => {
    const events = decide(redrive(), fold(deadLettered));
    expect(events).toEqual([
      {
        type: 'TransmissionRedriven',
        schemaVersion: 1,
        data: {
          redriveId: 'dead-letter-1',
          reason: 'the integration was fixed',
          operator: 'ops-anna',
          previousReason: 'permanentFailure',
          attemptsBefore: 1,
          redrivenAt: '2026-11-28T09:01:40.000Z',
        },
      },
    ]);
  });

  it('re-opens as pending and due at once, with a fresh budget and attempt numbers going on', () => {
    const state = fold([...deadLettered, ...decide(redrive(), fold(deadLettered))]);
    expect(state).toMatchObject<Partial<TransmissionState>>({
      status: 'pending',
      attempts: 1,
      countedFailures: 0,
      firstAttemptAtMs: null,
      retryAtMs: null,
      deadLetters: 1,
      deadLetterReason: null,
      redriveIds: ['dead-letter-1'],
    });
    expect(decide(start(T0 + 200_000), state)).toMatchObject([{ data: { attempt: 2 } }]);
  });

  it('counts the deadline and maxAttempts afresh from the first attempt after the redrive', () => {
    const events = run([
      request,
      start(T0),
      fail(transient, T0 + 10),
      start(T0 + 20),
      fail(transient, T0 + 30),
      // Two counted failures exhaust maxAttempts 2: dead-lettered.
      redrive({ nowMs: T0 + 10 * 60_000 }),
      start(T0 + 20 * 60_000),
      // Twenty minutes after the first attempt ever, but within 60 s of the first after the
      // redrive, and the first counted failure since it: a retry, not a dead letter.
      fail(transient, T0 + 20 * 60_000 + 10),
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'TransmissionRequested',
      'TransmissionAttemptStarted',
      'TransmissionAttemptFailed',
      'TransmissionAttemptStarted',
      'TransmissionAttemptFailed',
      'TransmissionDeadLettered',
      'TransmissionRedriven',
      'TransmissionAttemptStarted',
      'TransmissionAttemptFailed',
    ]);
    expect(events[5]).toMatchObject({ data: { reason: 'attemptsExhausted' } });
    expect(events[6]).toMatchObject({ data: { previousReason: 'attemptsExhausted' } });
    expect(events.at(-1)).toMatchObject({ data: { attempt: 3, retryable: true } });
  });

  it('measures the latency of a delivery after a redrive from the first attempt after it', () => {
    const events = run([
      ...[request, start(T0 + 10), fail(permanent, T0 + 20)],
      redrive({ nowMs: T0 + 100_000 }),
      start(T0 + 100_500),
      {
        type: 'RecordDelivery',
        genesysMessageId: 'g-1',
        genesysConversationId: null,
        correlationId: null,
        nowMs: T0 + 100_700,
      },
    ]);
    expect(events.at(-1)).toMatchObject({ data: { attempts: 2, latencyMs: 200 } });
  });

  it('repeating a redrive with the same id, or the default one for the same dead letter, is a no-op', () => {
    const once = [...deadLettered, ...decide(redrive(), fold(deadLettered))];
    expect(decide(redrive(), fold(once))).toEqual([]);
    const named = [
      ...deadLettered,
      ...decide(redrive({ redriveId: 'ticket-7' }), fold(deadLettered)),
    ];
    expect(decide(redrive({ redriveId: 'ticket-7' }), fold(named))).toEqual([]);
    // After it is delivered, the same redrive still changes nothing.
    const delivered = run([
      ...[request, start(T0 + 10), fail(permanent, T0 + 20)],
      redrive({ redriveId: 'ticket-7' }),
      start(T0 + 200_000),
      {
        type: 'RecordDelivery',
        genesysMessageId: 'g',
        genesysConversationId: null,
        correlationId: null,
        nowMs: T0 + 200_010,
      },
    ]);
    expect(decide(redrive({ redriveId: 'ticket-7' }), fold(delivered))).toEqual([]);
  });

  it('a new redrive of an open or delivered transmission is refused as not dead-lettered', () => {
    const open = [...deadLettered, ...decide(redrive(), fold(deadLettered))];
    expect(refusal(open, redrive({ redriveId: 'another' }))).toEqual({
      code: 'REDRIVE_NOT_ALLOWED',
      details: { why: 'notDeadLettered', status: 'pending' },
    });
    const requested = run([request]);
    const inFlight = run([request, start(T0)]);
    const delivered = run([
      request,
      start(T0),
      {
        type: 'RecordDelivery',
        genesysMessageId: 'g',
        genesysConversationId: null,
        correlationId: null,
        nowMs: T0 + 1,
      },
    ]);
    for (const [events, status] of [
      [[], 'none'],
      [requested, 'pending'],
      [inFlight, 'inFlight'],
      [delivered, 'delivered'],
    ] as const) {
      expect(refusal(events, redrive())).toEqual({
        code: 'REDRIVE_NOT_ALLOWED',
        details: { why: 'notDeadLettered', status },
      });
    }
  });

  it('a command the policies rejected cannot be re-driven', () => {
    const rejected = run([
      { ...request, violations: [{ code: 'MESSAGE_EMPTY', field: '/text', message: 'empty' }] },
    ]);
    expect(refusal(rejected, redrive())).toEqual({
      code: 'REDRIVE_NOT_ALLOWED',
      details: { why: 'rejected', status: 'rejected' },
    });
  });

  it('erased content cannot be re-driven: abandoned as erased, or forgotten since the dead letter', () => {
    const abandoned = run([request, { type: 'AbandonErased', nowMs: T0 + 5 }]);
    expect(refusal(abandoned, redrive())).toEqual({
      code: 'REDRIVE_NOT_ALLOWED',
      details: { why: 'contentErased', status: 'deadLettered' },
    });
    expect(refusal(deadLettered, redrive({ contentErased: true }))).toEqual({
      code: 'REDRIVE_NOT_ALLOWED',
      details: { why: 'contentErased', status: 'deadLettered' },
    });
  });

  it('a second dead letter gets its own default redrive id', () => {
    const twice = run([
      ...[request, start(T0 + 10), fail(permanent, T0 + 20)],
      redrive(),
      start(T0 + 200_000),
      fail(permanent, T0 + 200_010),
    ]);
    expect(fold(twice)).toMatchObject({ status: 'deadLettered', deadLetters: 2 });
    expect(decide(redrive(), fold(twice))).toMatchObject([
      { data: { redriveId: 'dead-letter-2', attemptsBefore: 2 } },
    ]);
  });
});
