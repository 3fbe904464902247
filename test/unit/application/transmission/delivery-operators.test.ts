import { asyncScheduler, map, NEVER, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { SequentialIdGenerator } from '../../../../src/adapters/ids/uuid-id-generator.js';
import { InMemoryLogger } from '../../../../src/adapters/memory/in-memory-logger.js';
import { parseMessageInput } from '../../../../src/application/commands/command-input.js';
import type { TransportOutcome, WorkClaim } from '../../../../src/application/ports/index.js';
import type {
  DeliveryStep,
  RecordCommand,
} from '../../../../src/application/transmission/operators/delivery-steps.js';
import { exhaustLatest } from '../../../../src/application/transmission/operators/exhaust-latest.js';
import { prepareDelivery } from '../../../../src/application/transmission/operators/prepare-delivery.operator.js';
import { recordOutcome } from '../../../../src/application/transmission/operators/record-outcome.operator.js';
import { scheduleRetry } from '../../../../src/application/transmission/operators/schedule-retry.operator.js';
import {
  requestFor,
  transmit,
  type TransmitContext,
} from '../../../../src/application/transmission/operators/transmit.operator.js';
import {
  decideRequests,
  validateCommands,
} from '../../../../src/application/transmission/operators/validate.operator.js';
import type { LoadedTransmission } from '../../../../src/application/transmission/transmission-stream.js';
import {
  decide,
  evolve,
  fold,
  initialState,
  type TransmissionCommand,
  type TransportFailure,
} from '../../../../src/domain/index.js';
import { compilePolicy } from '../../../../src/domain/policies/index.js';

/*
 * Marble tests of the delivery operators in virtual time (RxJS TestScheduler): each operator
 * alone, with the ledger, the rate limiter and the transport replaced by cold observables that
 * answer after a given number of frames.
 */

const RETRY = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, deadlineMs: 10_000 };

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
}

const ids = new SequentialIdGenerator('m');
const command = parseMessageInput({ id: 'm-1', guest: { id: 'g-1' }, text: 'hello' }, ids);

function requested(): LoadedTransmission {
  const events = decide(
    {
      type: 'RequestTransmission',
      command,
      violations: [],
      contentSha256: 'c'.repeat(64),
      nowMs: 0,
    },
    initialState,
  );
  return { events, state: fold(events), version: events.length };
}

function advance(loaded: LoadedTransmission, next: TransmissionCommand): LoadedTransmission {
  const events = decide(next, loaded.state);
  return {
    events: [...loaded.events, ...events],
    state: events.reduce(evolve, loaded.state),
    version: loaded.version + events.length,
  };
}

const claim: WorkClaim = {
  streamId: 'transmission-m-1',
  commandId: 'm-1',
  conversationRef: 'g-1',
  status: 'pending',
  retryAtMs: null,
  sequence: 1,
  owner: 'w1',
  fence: 1,
  leaseUntilMs: 60_000,
};

const ready = (loaded: LoadedTransmission): DeliveryStep => ({ kind: 'ready', claim, loaded });

const failure = (overrides: Partial<TransportFailure> = {}): TransportFailure => ({
  kind: 'transient',
  status: 503,
  code: null,
  message: 'unavailable',
  retryAfterMs: null,
  correlationId: null,
  ...overrides,
});

/** A ledger whose appends take `frames` frames; `now` is the virtual clock. */
function recorder(
  cold: TestScheduler['createColdObservable'],
  frames: string,
  recorded: string[],
): RecordCommand {
  return (_claim, loaded, next) => {
    recorded.push(next.type);
    return cold(`${frames}(r|)`, { r: advance(loaded, next) });
  };
}

const failureCommand =
  (nowMs: () => number) =>
  (value: TransportFailure): TransmissionCommand => ({
    type: 'RecordFailure',
    failure: value,
    nowMs: nowMs(),
    jitter: 0.5,
    retryPolicy: RETRY,
  });

describe('exhaustLatest', () => {
  it('runs the first value at once and the latest of those that came meanwhile once after it', () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      const source = hot('a-b-c------d');
      const result = source.pipe(
        exhaustLatest((v: string) => cold('---(x|)', { x: v.toUpperCase() })),
      );
      expectObservable(result).toBe('---A--B--C----D', { A: 'A', B: 'B', C: 'C', D: 'D' });
    });
  });

  it('collapses a burst of wake-ups during one run into exactly one more run', () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      const runs: string[] = [];
      const result = hot('abc').pipe(
        exhaustLatest((v: string) => {
          runs.push(v);
          return cold('---(x|)', { x: v });
        }),
      );
      expectObservable(result).toBe('---a--c', { a: 'a', c: 'c' });
    });
  });
});

describe('validateCommands and decideRequests', () => {
  it('turn a valid command into a request and one that breaks a policy into a rejection', () => {
    const long = parseMessageInput({ id: 'm-2', guest: { id: 'g-1' }, text: 'x'.repeat(50) }, ids);
    scheduler().run(({ cold, expectObservable }) => {
      const decided = cold('a-b|', { a: command, b: long }).pipe(
        validateCommands(compilePolicy({ maxTextChars: 10 })),
        decideRequests(() => 0),
        map((d) => ({
          id: d.command.commandId,
          codes: d.violations.map((v) => v.code),
          events: d.events.map((e) => e.type),
        })),
      );
      expectObservable(decided).toBe('a-b|', {
        a: { id: 'm-1', codes: [], events: ['TransmissionRequested'] },
        b: { id: 'm-2', codes: ['TEXT_TOO_MANY_CHARS'], events: ['TransmissionRejected'] },
      });
    });
  });
});

describe('prepareDelivery', () => {
  it('passes a due transmission on at once and settles one that is final', () => {
    const recorded: string[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const record = recorder(cold, '--', recorded);
      const pending = requested();
      const final = advance(advance(pending, { type: 'StartAttempt', nowMs: 0 }), {
        type: 'RecordDelivery',
        genesysMessageId: 'g',
        genesysConversationId: null,
        correlationId: null,
        nowMs: 5,
      });
      const steps = cold('a-b|', { a: ready(pending), b: ready(final) }).pipe(
        prepareDelivery({ record, failure: failureCommand(() => 0), nowMs: () => 0 }),
        map((step) => (step.kind === 'settled' ? step.reason : step.kind)),
      );
      expectObservable(steps).toBe('a-b|', { a: 'ready', b: 'final' });
    });
    expect(recorded).toEqual([]);
  });

  it('records an attempt left in flight as interrupted, then waits for its retry time', () => {
    const recorded: string[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const record = recorder(cold, '--', recorded);
      const inFlight = advance(requested(), { type: 'StartAttempt', nowMs: 0 });
      const steps = cold('a|', { a: ready(inFlight) }).pipe(
        prepareDelivery({ record, failure: failureCommand(() => 0), nowMs: () => 0 }),
        map((step) => [
          step.kind === 'settled' ? step.reason : step.kind,
          step.loaded.state.status,
        ]),
      );
      // The interruption is a transient failure: a retry after the backoff, not now.
      expectObservable(steps).toBe('--(a|)', { a: ['retryLater', 'pending'] });
    });
    expect(recorded).toEqual(['RecordFailure']);
  });
});

describe('transmit', () => {
  const delivered: TransportOutcome = {
    ok: true,
    genesysMessageId: 'gm-1',
    genesysConversationId: 'gc-1',
    correlationId: 'corr',
  };

  /** transmit with a slot free at once, an instant ledger, the clock at 0 and these overrides. */
  const transmitWith = (
    cold: TestScheduler['createColdObservable'],
    overrides: Partial<TransmitContext> & Pick<TransmitContext, 'send' | 'attemptTimeoutMs'>,
  ) =>
    transmit({
      acquireSlot: () => cold('(s|)', { s: undefined }),
      record: recorder(cold, '', []),
      nowMs: () => 0,
      closeSignal: new AbortController().signal,
      scheduler: asyncScheduler,
      logger: new InMemoryLogger(),
      ...overrides,
    });

  /** The failure code of an attempted step ('?' for anything else). */
  const failureCode = map((step: DeliveryStep) =>
    step.kind === 'attempted' && !step.outcome.ok ? step.outcome.failure.code : '?',
  );

  it('waits for the rate limiter, records the start, then sends', () => {
    const recorded: string[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const steps = cold('a|', { a: ready(requested()) }).pipe(
        transmitWith(cold, {
          acquireSlot: () => cold('--(s|)', { s: undefined }),
          record: recorder(cold, '-', recorded),
          send: () => cold('----(o|)', { o: delivered }),
          attemptTimeoutMs: 1_000,
        }),
        map((step) => (step.kind === 'attempted' ? step.outcome : step.kind)),
      );
      expectObservable(steps).toBe('-------(a|)', { a: delivered });
    });
    expect(recorded).toEqual(['StartAttempt']);
  });

  it('answers ATTEMPT_TIMEOUT when the transport says nothing within the timeout', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const steps = cold('a|', { a: ready(requested()) }).pipe(
        transmitWith(cold, { send: () => NEVER, attemptTimeoutMs: 5 }),
        failureCode,
      );
      expectObservable(steps).toBe('-----(a|)', { a: 'ATTEMPT_TIMEOUT' });
    });
  });

  it('turns a transport that throws into a TRANSPORT_ERROR outcome, not an error', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const steps = cold('a|', { a: ready(requested()) }).pipe(
        transmitWith(cold, {
          send: () => cold('--#', {}, new Error('boom')),
          attemptTimeoutMs: 50,
        }),
        failureCode,
      );
      expectObservable(steps).toBe('--(a|)', { a: 'TRANSPORT_ERROR' });
    });
  });
});

describe('recordOutcome and scheduleRetry', () => {
  const started = (): LoadedTransmission =>
    advance(requested(), { type: 'StartAttempt', nowMs: 0 });

  function run(outcome: TransportOutcome, nowMs = 100) {
    const recorded: string[] = [];
    const pauses: number[] = [];
    const results: { wakeAtMs: number | null; final: boolean }[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const loaded = started();
      const attempted: DeliveryStep = {
        kind: 'attempted',
        claim,
        loaded,
        request: requestFor(loaded),
        outcome,
      };
      const schedules = cold('a|', { a: attempted }).pipe(
        recordOutcome({
          record: recorder(cold, '-', recorded),
          failure: failureCommand(() => nowMs),
          nowMs: () => nowMs,
          applyHint: () => undefined,
          pauseUntil: (until) => pauses.push(until),
          defaultRateLimitWaitMs: 250,
        }),
        scheduleRetry(),
        tap((schedule) => results.push(schedule)),
      );
      expectObservable(schedules).toBe('-(a|)', {
        a: expect.objectContaining({ streamId: claim.streamId }) as never,
      });
    });
    const [result] = results;
    if (result === undefined || results.length !== 1) throw new Error('expected one schedule');
    return { recorded, pauses, result };
  }

  it('records a delivery: final, nothing to wake for', () => {
    const { recorded, result } = run({
      ok: true,
      genesysMessageId: 'gm',
      genesysConversationId: null,
      correlationId: null,
    });
    expect(recorded).toEqual(['RecordDelivery']);
    expect(result).toMatchObject({ wakeAtMs: null, final: true });
  });

  it('records a transient failure and wakes at its retry time', () => {
    const { recorded, result, pauses } = run({ ok: false, failure: failure() });
    expect(recorded).toEqual(['RecordFailure']);
    // Full jitter 0.5 of base 10 ms for the first retry.
    expect(result).toMatchObject({ wakeAtMs: 105, final: false });
    expect(pauses).toEqual([]);
  });

  it('pauses every conversation on a client-wide 429, but not on one scoped to the conversation', () => {
    const limited = failure({ kind: 'rateLimited', status: 429, retryAfterMs: 2_000 });
    expect(run({ ok: false, failure: limited }).pauses).toEqual([2_100]);
    expect(run({ ok: false, failure: limited, rateLimitScope: 'conversation' }).pauses).toEqual([]);
  });

  it('dead-letters a permanent failure: final, nothing to wake for', () => {
    const { recorded, result } = run({
      ok: false,
      failure: failure({ kind: 'permanent', status: 400 }),
    });
    expect(recorded).toEqual(['RecordFailure']);
    expect(result.wakeAtMs).toBeNull();
  });
});
