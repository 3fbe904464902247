import type { Clock } from '../../application/ports/clock.port.js';
import type {
  AppendResult,
  EventLedger,
  NewEvent,
  RecordedEvent,
} from '../../application/ports/event-ledger.port.js';
import { chainHash, GENESIS_HASH, verifyChain } from '../../application/ledger/hash-chain.js';
import { epochMsToIso, transmissionStreamId, type TransmissionEvent } from '../../domain/index.js';
import type { ContractTestApi } from './contract-test-api.js';

export interface LedgerFixture {
  readonly ledger: EventLedger;
  /** The clock the ledger stamps events with; when given, `recordedAt` is checked against it. */
  readonly clock?: Clock;
  /** The adapter's `readAll` cap, when the fixture set one; the suite checks it is honoured. */
  readonly readPageSize?: number;
  readonly cleanup?: () => Promise<void>;
}

// ---- events the suite appends ----------------------------------------------------------------

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const at = (offsetMs: number): string => epochMsToIso(T0 + offsetMs);

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
};

/** Appends a whole transmission stream in one request. */
export function appendTransmission(
  ledger: EventLedger,
  commandId: string,
  events: readonly TransmissionEvent[],
): Promise<AppendResult> {
  return ledger.append({
    streamId: transmissionStreamId(commandId),
    expectedVersion: 'noStream',
    events: events.map((event) => toNewEvent(event, commandId)),
  });
}

function note(n: number, extra: Record<string, unknown> = {}): NewEvent {
  return {
    type: 'NoteTaken',
    schemaVersion: 1,
    data: { n, ...extra },
    metadata: { correlationId: `c-${n}` },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const code: unknown = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : `not a coded error: ${String(error)}`;
  }
  return 'resolved';
}

async function readEverything(ledger: EventLedger): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (;;) {
    const page = await ledger.readAll({ afterPosition: all.at(-1)?.position ?? 0, limit: 1000 });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/**
 * Every EventLedger adapter must pass this suite. Each test gets a fresh, empty ledger from
 * `makeLedger` and calls `cleanup` afterwards, so the suite needs no hooks from the runner.
 */
export function eventLedgerContract(
  name: string,
  makeLedger: () => Promise<LedgerFixture>,
  t: ContractTestApi,
): void {
  const { describe, expect } = t;
  const it = (title: string, body: (fixture: LedgerFixture) => Promise<void>): void => {
    t.it(title, async () => {
      const fixture = await makeLedger();
      try {
        await body(fixture);
      } finally {
        await fixture.ledger.close();
        await fixture.cleanup?.();
      }
    });
  };

  describe(`EventLedger contract: ${name}`, () => {
    describe('append and read', () => {
      it('round-trips events with their stream, versions, data, metadata and time', async ({
        ledger,
        clock,
      }) => {
        const result = await ledger.append({
          streamId: 'notes-1',
          expectedVersion: 'noStream',
          events: [note(1, { nested: { z: [1, 'two', null], a: true } }), note(2)],
        });
        expect(result).toEqual({
          streamId: 'notes-1',
          streamVersion: 2,
          firstPosition: 1,
          lastPosition: 2,
        });
        const events = await ledger.readStream('notes-1');
        expect(events.map((e) => [e.position, e.streamVersion, e.type, e.schemaVersion])).toEqual([
          [1, 1, 'NoteTaken', 1],
          [2, 2, 'NoteTaken', 1],
        ]);
        expect(events[0]?.data).toEqual({ n: 1, nested: { z: [1, 'two', null], a: true } });
        expect(events[1]?.metadata).toEqual({ correlationId: 'c-2' });
        if (clock !== undefined) expect(events[0]?.recordedAt).toBe(epochMsToIso(clock.now()));
        expect(/^[0-9a-f]{64}$/.test(events[0]?.hash ?? '')).toBe(true);
      });

      it('reads an unknown stream as empty', async ({ ledger }) => {
        expect(await ledger.readStream('nobody')).toEqual([]);
      });

      it('hands out copies: changing what was read or appended changes nothing stored', async ({
        ledger,
      }) => {
        const data = { n: 1, list: [1] };
        await ledger.append({
          streamId: 'notes-1',
          expectedVersion: 'any',
          events: [{ type: 'NoteTaken', schemaVersion: 1, data, metadata: {} }],
        });
        data.list.push(2);
        const [first] = await ledger.readStream('notes-1');
        (first?.data as { list: number[] }).list.push(3);
        expect((await ledger.readStream('notes-1'))[0]?.data).toEqual({ n: 1, list: [1] });
      });

      it('numbers positions 1, 2, 3… without gaps across streams, versions per stream', async ({
        ledger,
      }) => {
        for (let i = 0; i < 9; i += 1) {
          await ledger.append({
            streamId: `s-${i % 3}`,
            expectedVersion: 'any',
            events: [note(i)],
          });
        }
        const all = await readEverything(ledger);
        expect(all.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(all.map((e) => e.streamVersion)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
        expect((await ledger.readStream('s-1')).map((e) => e.position)).toEqual([2, 5, 8]);
      });

      it('refuses an empty append and events that are not JSON, writing nothing', async ({
        ledger,
      }) => {
        const empty = ledger.append({ streamId: 's', expectedVersion: 'any', events: [] });
        expect(await codeOf(empty)).toBe('LEDGER_INVALID_EVENT');
        const nan = ledger.append({
          streamId: 's',
          expectedVersion: 'any',
          events: [note(1), note(Number.NaN)],
        });
        expect(await codeOf(nan)).toBe('LEDGER_INVALID_EVENT');
        const hole = ledger.append({
          streamId: 's',
          expectedVersion: 'any',
          events: [{ type: 'NoteTaken', schemaVersion: 1, data: [1, undefined], metadata: {} }],
        });
        expect(await codeOf(hole)).toBe('LEDGER_INVALID_EVENT');
        expect((await ledger.head()).position).toBe(0);
      });
    });

    describe('expected version', () => {
      it('noStream succeeds once, then conflicts', async ({ ledger }) => {
        await ledger.append({ streamId: 's', expectedVersion: 'noStream', events: [note(1)] });
        const again = ledger.append({
          streamId: 's',
          expectedVersion: 'noStream',
          events: [note(2)],
        });
        expect(await codeOf(again)).toBe('LEDGER_VERSION_CONFLICT');
      });

      it('a number must equal the current version; 0 means no stream', async ({ ledger }) => {
        await ledger.append({ streamId: 's', expectedVersion: 0, events: [note(1)] });
        await ledger.append({ streamId: 's', expectedVersion: 1, events: [note(2), note(3)] });
        expect(
          await codeOf(ledger.append({ streamId: 's', expectedVersion: 2, events: [note(4)] })),
        ).toBe('LEDGER_VERSION_CONFLICT');
        const result = await ledger.append({
          streamId: 's',
          expectedVersion: 3,
          events: [note(4)],
        });
        expect(result.streamVersion).toBe(4);
      });

      it('any always appends', async ({ ledger }) => {
        await ledger.append({ streamId: 's', expectedVersion: 'any', events: [note(1)] });
        const result = await ledger.append({
          streamId: 's',
          expectedVersion: 'any',
          events: [note(2)],
        });
        expect(result).toEqual({
          streamId: 's',
          streamVersion: 2,
          firstPosition: 2,
          lastPosition: 2,
        });
      });

      it('a conflict carries the stream, the expected and the actual version', async ({
        ledger,
      }) => {
        await ledger.append({ streamId: 's', expectedVersion: 'noStream', events: [note(1)] });
        try {
          await ledger.append({ streamId: 's', expectedVersion: 5, events: [note(2)] });
          expect('resolved').toBe('rejected');
        } catch (error) {
          expect((error as { details?: unknown }).details).toEqual({
            streamId: 's',
            expected: 5,
            actual: 1,
          });
        }
      });

      it('of concurrent appends to one stream, exactly one wins', async ({ ledger }) => {
        const attempts = Array.from({ length: 8 }, (_, i) =>
          ledger.append({ streamId: 'race', expectedVersion: 'noStream', events: [note(i)] }),
        );
        const codes = await Promise.all(attempts.map(codeOf));
        expect(codes.filter((c) => c === 'resolved').length).toBe(1);
        expect(codes.filter((c) => c === 'LEDGER_VERSION_CONFLICT').length).toBe(7);
        expect((await ledger.readStream('race')).length).toBe(1);
        expect((await ledger.head()).position).toBe(1);
      });

      it('a refused request leaves nothing behind, and others go on', async ({ ledger }) => {
        await ledger.append({ streamId: 'a', expectedVersion: 'noStream', events: [note(1)] });
        const results = await Promise.all([
          codeOf(ledger.append({ streamId: 'a', expectedVersion: 0, events: [note(2), note(3)] })),
          codeOf(
            ledger.append({
              streamId: 'b',
              expectedVersion: 'noStream',
              events: [note(4), note(5)],
            }),
          ),
        ]);
        expect(results).toEqual(['LEDGER_VERSION_CONFLICT', 'resolved']);
        const all = await readEverything(ledger);
        expect(all.map((e) => [e.streamId, e.position])).toEqual([
          ['a', 1],
          ['b', 2],
          ['b', 3],
        ]);
      });
    });

    describe('readAll', () => {
      it('pages after a position, filtered by types and stream ids', async ({
        ledger,
        readPageSize,
      }) => {
        for (let i = 1; i <= 12; i += 1) {
          await ledger.append({
            streamId: `s-${i % 2}`,
            expectedVersion: 'any',
            events: [{ ...note(i), type: i % 3 === 0 ? 'Fizz' : 'NoteTaken' }],
          });
        }
        const page = await ledger.readAll({ afterPosition: 4, limit: 3 });
        expect(page.map((e) => e.position)).toEqual([5, 6, 7]);
        expect((await ledger.readAll({ afterPosition: 12, limit: 10 })).length).toBe(0);
        const fizz = await ledger.readAll({ afterPosition: 0, limit: 100, types: ['Fizz'] });
        expect(fizz.map((e) => e.position)).toEqual([3, 6, 9, 12]);
        const odd = await ledger.readAll({ afterPosition: 3, limit: 100, streamIds: ['s-1'] });
        expect(odd.map((e) => e.position)).toEqual([5, 7, 9, 11]);
        const both = await ledger.readAll({
          afterPosition: 0,
          limit: 100,
          types: ['Fizz'],
          streamIds: ['s-0'],
        });
        expect(both.map((e) => e.position)).toEqual([6, 12]);
        expect((await ledger.readAll({ afterPosition: 0, limit: 100, types: [] })).length).toBe(0);
        expect((await ledger.readAll({ afterPosition: 0, limit: 0 })).length).toBe(0);
        if (readPageSize !== undefined) {
          const capped = await ledger.readAll({ afterPosition: 0, limit: 1_000_000 });
          expect(capped.length).toBe(Math.min(12, readPageSize));
        }
      });
    });

    describe('hash chain and head', () => {
      it('the head of an empty ledger is position 0 and the genesis hash', async ({ ledger }) => {
        expect(await ledger.head()).toEqual({ position: 0, hash: GENESIS_HASH });
      });

      it('chains every row to the previous one, verifiably', async ({ ledger }) => {
        await ledger.append({ streamId: 'a', expectedVersion: 'any', events: [note(1), note(2)] });
        await appendTransmission(ledger, 'cmd-1', [transmission.requested('cmd-1', 'conv-1')]);
        await ledger.append({ streamId: 'a', expectedVersion: 'any', events: [note(3)] });
        const all = await readEverything(ledger);
        let prev = GENESIS_HASH;
        for (const row of all) {
          expect(row.hash).toBe(chainHash(prev, row));
          prev = row.hash;
        }
        const verified = verifyChain(all);
        expect(verified).toEqual({
          ok: true,
          count: 4,
          firstPosition: 1,
          lastPosition: 4,
          headHash: prev,
        });
        expect(await ledger.head()).toEqual({ position: 4, hash: prev });
      });
    });

    describe('transmission projection', () => {
      const seed = async (ledger: EventLedger): Promise<void> => {
        const later = T0 + 60_000;
        // conv-a: two pending, in order.
        await appendTransmission(ledger, 'a1', [transmission.requested('a1', 'conv-a')]);
        await appendTransmission(ledger, 'a2', [transmission.requested('a2', 'conv-a')]);
        // conv-b: a retry due only later.
        await appendTransmission(ledger, 'b1', [
          transmission.requested('b1', 'conv-b'),
          transmission.started(1),
          transmission.failed(1, later),
        ]);
        // conv-c: pending, but excluded by the caller.
        await appendTransmission(ledger, 'c1', [transmission.requested('c1', 'conv-c')]);
        // conv-d: the first is delivered (gone), so the second is the head.
        await appendTransmission(ledger, 'd1', [
          transmission.requested('d1', 'conv-d'),
          transmission.started(1),
          transmission.delivered(1),
        ]);
        await appendTransmission(ledger, 'd2', [transmission.requested('d2', 'conv-d')]);
        // conv-e: the head is in flight (interrupted), which blocks the one behind it.
        await appendTransmission(ledger, 'e1', [
          transmission.requested('e1', 'conv-e'),
          transmission.started(1),
        ]);
        await appendTransmission(ledger, 'e2', [transmission.requested('e2', 'conv-e')]);
        // Final ones: rejected and dead-lettered.
        await appendTransmission(ledger, 'f1', [transmission.rejected('f1', 'conv-f')]);
        await appendTransmission(ledger, 'g1', [
          transmission.requested('g1', 'conv-g'),
          transmission.started(1),
          transmission.failed(1, null),
          transmission.deadLettered(1),
        ]);
      };
      const now = { limit: 10, dueByMs: T0, excludeConversations: new Set(['conv-c']) };

      it('nextWork: the oldest open per conversation, due, not excluded, oldest first', async ({
        ledger,
      }) => {
        await seed(ledger);
        const work = await ledger.nextWork(now);
        expect(work.map((w) => w.commandId)).toEqual(['a1', 'd2']);
        expect(work[0]).toEqual({
          streamId: transmissionStreamId('a1'),
          commandId: 'a1',
          conversationRef: 'conv-a',
          status: 'pending',
          retryAtMs: null,
          sequence: 1,
        });
        const later = await ledger.nextWork({
          ...now,
          dueByMs: T0 + 60_000,
          excludeConversations: new Set(),
        });
        expect(later.map((w) => w.commandId)).toEqual(['a1', 'b1', 'c1', 'd2']);
        expect(later[1]?.retryAtMs).toBe(T0 + 60_000);
        expect((await ledger.nextWork({ ...now, limit: 1 })).map((w) => w.commandId)).toEqual([
          'a1',
        ]);
      });

      it('nextWork moves on as transmissions finish', async ({ ledger }) => {
        await seed(ledger);
        const a1 = transmissionStreamId('a1');
        await ledger.append({
          streamId: a1,
          expectedVersion: 1,
          events: [toNewEvent(transmission.started(1))],
        });
        expect((await ledger.nextWork(now)).map((w) => w.commandId)).toEqual(['d2']);
        await ledger.append({
          streamId: a1,
          expectedVersion: 2,
          events: [toNewEvent(transmission.delivered(1))],
        });
        expect((await ledger.nextWork(now)).map((w) => w.commandId)).toEqual(['a2', 'd2']);
      });

      it('interruptedWork: open transmissions whose attempt has no outcome', async ({ ledger }) => {
        await seed(ledger);
        const interrupted = await ledger.interruptedWork(10);
        expect(interrupted.map((w) => [w.commandId, w.status])).toEqual([['e1', 'inFlight']]);
        expect((await ledger.interruptedWork(0)).length).toBe(0);
      });

      it('transmissionCounts counts open and final transmissions', async ({ ledger }) => {
        await ledger.append({ streamId: 'notes', expectedVersion: 'any', events: [note(1)] });
        await seed(ledger);
        expect(await ledger.transmissionCounts()).toEqual({
          open: 7,
          rejected: 1,
          delivered: 1,
          deadLettered: 1,
        });
      });

      it('rebuildProjections gives the same answers', async ({ ledger }) => {
        await seed(ledger);
        const before = {
          work: await ledger.nextWork(now),
          interrupted: await ledger.interruptedWork(10),
          counts: await ledger.transmissionCounts(),
        };
        await ledger.rebuildProjections();
        expect({
          work: await ledger.nextWork(now),
          interrupted: await ledger.interruptedWork(10),
          counts: await ledger.transmissionCounts(),
        }).toEqual(before);
      });

      it('refuses transmission events that break the lifecycle, writing nothing', async ({
        ledger,
      }) => {
        const stream = transmissionStreamId('x1');
        const cases: NewEvent[][] = [
          [toNewEvent(transmission.started(1))],
          [toNewEvent(transmission.requested('other', 'conv-x'))],
          [
            toNewEvent(transmission.requested('x1', 'conv-x')),
            toNewEvent(transmission.requested('x1', 'conv-x')),
          ],
          [{ type: 'TransmissionTeleported', schemaVersion: 1, data: {}, metadata: {} }],
          [{ ...toNewEvent(transmission.requested('x1', 'conv-x')), schemaVersion: 9 }],
          [{ ...toNewEvent(transmission.requested('x1', 'conv-x')), data: { commandId: 'x1' } }],
        ];
        for (const events of cases) {
          expect(
            await codeOf(ledger.append({ streamId: stream, expectedVersion: 'any', events })),
          ).toBe('LEDGER_INVALID_EVENT');
        }
        await appendTransmission(ledger, 'x1', [transmission.rejected('x1', 'conv-x')]);
        const afterFinal = ledger.append({
          streamId: stream,
          expectedVersion: 1,
          events: [toNewEvent(transmission.started(1))],
        });
        expect(await codeOf(afterFinal)).toBe('LEDGER_INVALID_EVENT');
        expect((await ledger.head()).position).toBe(1);
        expect(await ledger.transmissionCounts()).toEqual({
          open: 0,
          rejected: 1,
          delivered: 0,
          deadLettered: 0,
        });
      });
    });

    describe('close', () => {
      it('finishes appends already made, then refuses everything with LEDGER_CLOSED', async ({
        ledger,
      }) => {
        const pending = ledger.append({ streamId: 's', expectedVersion: 'any', events: [note(1)] });
        await ledger.close();
        expect((await pending).lastPosition).toBe(1);
        expect(
          await codeOf(ledger.append({ streamId: 's', expectedVersion: 'any', events: [note(2)] })),
        ).toBe('LEDGER_CLOSED');
        expect(await codeOf(ledger.readStream('s'))).toBe('LEDGER_CLOSED');
        expect(await codeOf(ledger.readAll({ afterPosition: 0, limit: 1 }))).toBe('LEDGER_CLOSED');
        expect(await codeOf(ledger.head())).toBe('LEDGER_CLOSED');
        expect(
          await codeOf(ledger.nextWork({ limit: 1, dueByMs: 0, excludeConversations: new Set() })),
        ).toBe('LEDGER_CLOSED');
        expect(await codeOf(ledger.interruptedWork(1))).toBe('LEDGER_CLOSED');
        expect(await codeOf(ledger.transmissionCounts())).toBe('LEDGER_CLOSED');
        expect(await codeOf(ledger.rebuildProjections())).toBe('LEDGER_CLOSED');
        await ledger.close();
      });
    });
  });
}
