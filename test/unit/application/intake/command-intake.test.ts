/**
 * The intake loop in virtual time, over the broker twin, a real transmitter on the in-memory
 * ledger and the scripted transport: acknowledgement only after the append, nak with a delay
 * while the ledger cannot record, poison recorded and terminated, redeliveries recorded once,
 * order per conversation, working() while an append is slow, drain, and outcome notices.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { tutorialPolicySettings } from '../../../support/tutorial-policy.js';
import {
  InMemoryBrokerQueue,
  type InMemoryCommandSource,
} from '../../../../src/adapters/memory/in-memory-command-source.js';
import { InMemoryLogger } from '../../../../src/adapters/memory/in-memory-logger.js';
import { InMemoryOutcomePublisher } from '../../../../src/adapters/memory/in-memory-outcome-publisher.js';
import type { InMemoryLedger } from '../../../../src/adapters/memory/in-memory-work-queue.js';
import { createInMemoryLedger } from '../../../../src/adapters/memory/in-memory-work-queue.js';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { LedgerUnavailableError } from '../../../../src/application/errors.js';
import { CommandIntake } from '../../../../src/application/intake/command-intake.js';
import {
  DEFAULT_INTAKE_SETTINGS,
  type IntakeSettings,
} from '../../../../src/application/intake/intake-settings.js';
import type {
  AppendRequest,
  AppendResult,
  EventStore,
  RecordedEvent,
} from '../../../../src/application/ports/index.js';
import { createTestTransmitter } from '../../../../src/testing/test-transmitter.js';

/** The in-memory event store, with appends that can be held, or refused as an outage. */
class ControlledEventStore implements EventStore {
  down = false;
  /** Streams whose next append is refused once. */
  readonly refuseOnce = new Set<string>();
  private held: (() => void)[] | null = null;

  constructor(private readonly inner: EventStore) {}

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const resume of held) resume();
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    if (this.held !== null) {
      const queue = this.held;
      await new Promise<void>((resolve) => queue.push(resolve));
    }
    if (this.down) throw new LedgerUnavailableError('disk I/O error');
    if (this.refuseOnce.delete(request.streamId)) throw new LedgerUnavailableError('busy');
    return this.inner.append(request);
  }

  readStream(streamId: string): Promise<readonly RecordedEvent[]> {
    return this.inner.readStream(streamId);
  }

  readAll(options: Parameters<EventStore['readAll']>[0]): Promise<readonly RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  head(): ReturnType<EventStore['head']> {
    return this.inner.head();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

interface Setup {
  readonly clock: VirtualClock;
  readonly queue: InMemoryBrokerQueue;
  readonly source: InMemoryCommandSource;
  readonly events: ControlledEventStore;
  readonly ledger: InMemoryLedger;
  readonly intake: CommandIntake;
  readonly publisher: InMemoryOutcomePublisher;
  /** Moves virtual time until the condition holds (fails the test otherwise). */
  until(condition: () => boolean, maxMs?: number): Promise<void>;
  recorded(type: string): Promise<RecordedEvent[]>;
}

async function setUp(
  options: {
    ackDeadlineMs?: number | null;
    messageIds?: 'sequence' | 'publisher';
    settings?: Partial<IntakeSettings>;
    prefetch?: number;
  } = {},
): Promise<Setup> {
  const clock = new VirtualClock();
  const ledger = createInMemoryLedger(clock);
  const events = new ControlledEventStore(ledger.events);
  const test = createTestTransmitter({
    clock,
    ledger: { ...ledger, events },
    pipeline: { pollIntervalMs: 50 },
    // The tutorial's policy blocks `blocked_keyword`; the defaults block nothing.
    policy: tutorialPolicySettings,
  });
  const queue = new InMemoryBrokerQueue({
    clock,
    ackDeadlineMs: options.ackDeadlineMs ?? null,
    messageIds: options.messageIds ?? 'sequence',
    name: 'orders',
  });
  const source = queue.consumer({ prefetch: options.prefetch ?? 8 });
  const publisher = new InMemoryOutcomePublisher();
  const intake = new CommandIntake(
    { source, transmitter: test.transmitter, clock, logger: test.logger, publisher },
    { ...DEFAULT_INTAKE_SETTINGS, ...options.settings },
  );
  await intake.start();
  onTestFinished(async () => {
    events.down = false;
    events.release();
    await clock.runUntilSettled(intake.stop());
    await test.close();
  });
  return {
    clock,
    queue,
    source,
    events,
    ledger,
    intake,
    publisher,
    until: async (condition, maxMs = 120_000) => {
      expect(await clock.advanceUntil(condition, maxMs)).toBe(true);
    },
    recorded: async (type) =>
      (await ledger.events.readAll({ afterPosition: 0, limit: 10_000 })).filter(
        (event) => event.type === type,
      ),
  };
}

const message = (id: string | undefined, conversation: string, text = `hello ${id ?? ''}`) =>
  JSON.stringify({ ...(id === undefined ? {} : { id }), guest: { id: conversation }, text });

describe('CommandIntake', () => {
  it('acknowledges a command only once its append is in the ledger', async () => {
    const s = await setUp();
    s.events.hold();
    s.queue.publish(message('cmd-a', 'guest-1'));
    await s.clock.advanceBy(1_000);
    expect(s.queue.answers).toEqual([]);
    expect(await s.recorded('TransmissionRequested')).toEqual([]);

    s.events.release();
    await s.until(() => s.queue.answers.length === 1);
    expect(s.queue.answers.map((a) => a.kind)).toEqual(['ack']);
    const requested = await s.recorded('TransmissionRequested');
    expect(requested.map((e) => e.metadata.commandId)).toEqual(['cmd-a']);
    expect(s.intake.snapshot()).toMatchObject({ received: 1, recorded: 1, duplicates: 0 });
  });

  it('derives the command id of a body without one from the broker message id', async () => {
    const s = await setUp();
    s.queue.publish(message(undefined, 'guest-1'));
    await s.until(() => s.queue.answers.length === 1);
    const requested = await s.recorded('TransmissionRequested');
    expect(requested.map((e) => e.metadata.commandId)).toEqual(['memory:orders:1']);
  });

  it('records a redelivered command once and acknowledges every delivery', async () => {
    const s = await setUp();
    s.queue.failNextAnswers(1);
    s.queue.publish(message(undefined, 'guest-1'));
    // The ack was lost: the message is still unanswered at the broker.
    await s.until(() => s.intake.snapshot().answerFailures === 1);
    await s.clock.runUntilSettled(s.intake.stop());
    expect(s.queue.depth().ready).toBe(1);

    const restarted = createTestTransmitter({ clock: s.clock, ledger: s.ledger, start: false });
    const again = new CommandIntake({
      source: s.queue.consumer(),
      transmitter: restarted.transmitter,
      clock: s.clock,
      logger: new InMemoryLogger(),
    });
    await again.start();
    await s.until(() => s.queue.answers.length === 1);
    await s.clock.runUntilSettled(again.stop());
    expect(again.snapshot()).toMatchObject({ received: 1, recorded: 0, duplicates: 1 });
    expect(s.queue.answers.map((a) => a.kind)).toEqual(['ack']);
    expect(await s.recorded('TransmissionRequested')).toHaveLength(1);
  });

  it('records a command the policies refuse as rejected, and acknowledges it', async () => {
    const s = await setUp();
    s.queue.publish(message('cmd-bad', 'guest-1', 'buy blocked_keyword now'));
    await s.until(() => s.queue.answers.length === 1);
    expect(s.queue.answers.map((a) => a.kind)).toEqual(['ack']);
    expect((await s.recorded('TransmissionRejected')).map((e) => e.metadata.commandId)).toEqual([
      'cmd-bad',
    ]);
    expect(s.intake.snapshot()).toMatchObject({ recorded: 1, rejected: 1 });
    await s.until(() => s.publisher.notices.length === 1);
    expect(s.publisher.notices[0]).toMatchObject({ commandId: 'cmd-bad', status: 'rejected' });
  });

  it('records a body that is not a command as an intake failure, without its content, and terminates it', async () => {
    const s = await setUp({ settings: { maxBodyBytes: 4096 } });
    const bodies = [
      'not json at all: secret-text',
      JSON.stringify({ guest: { id: 42 }, text: 'secret-text' }),
      JSON.stringify(['an', 'array']),
      JSON.stringify({ guest: { id: 'g' }, text: 'x'.repeat(5000) }),
    ];
    for (const body of bodies) s.queue.publish(body);
    s.queue.publish(new Uint8Array([0xff, 0xfe, 0x00]));
    await s.until(() => s.queue.answers.length === 5);
    expect(s.queue.answers.map((a) => a.kind)).toEqual(['term', 'term', 'term', 'term', 'term']);
    expect(s.queue.depth().terminated).toBe(5);
    const failures = await s.recorded('CommandIntakeFailed');
    expect(failures.map((e) => (e.data as { brokerMessageId: string }).brokerMessageId)).toEqual([
      'orders:1',
      'orders:2',
      'orders:3',
      'orders:4',
      'orders:5',
    ]);
    const all = JSON.stringify(failures);
    expect(all).not.toContain('secret-text');
    expect(failures[0]?.data).toMatchObject({
      source: 'memory',
      sizeBytes: Buffer.byteLength(bodies[0] ?? ''),
      problems: [{ field: '', message: expect.stringMatching(/^is not JSON/) as string }],
    });
    expect(failures[1]?.data).toMatchObject({
      problems: [{ field: '/guest/id', message: 'must be string' }],
    });
    expect(failures[3]?.data).toMatchObject({
      problems: [
        {
          field: '',
          message: `is ${String(Buffer.byteLength(bodies[3] ?? ''))} bytes, over the limit of 4096`,
        },
      ],
    });
    expect(failures[4]?.data).toMatchObject({ problems: [{ message: 'is not UTF-8 text' }] });
    expect(await s.recorded('TransmissionRequested')).toEqual([]);
    expect(s.intake.snapshot()).toMatchObject({ intakeFailures: 5, recorded: 0 });
    await s.until(() => s.publisher.notices.length === 5);
    expect(s.publisher.notices.every((n) => n.status === 'intakeFailed')).toBe(true);
  });

  it('replaces field names that came from the body in the recorded problems', async () => {
    const s = await setUp();
    s.queue.publish(
      JSON.stringify({ guest: { id: 'g' }, 'ada@example.com': 1, metadata: { 'ada-secret': 2 } }),
    );
    await s.until(() => s.queue.answers.length === 1);
    const [failure] = await s.recorded('CommandIntakeFailed');
    expect(JSON.stringify(failure?.data)).not.toMatch(/ada@example|ada-secret/);
    expect(
      (failure?.data as { problems: { field: string }[] }).problems.map((p) => p.field),
    ).toEqual(expect.arrayContaining(['/*', '/metadata/*']));
  });

  it('records a terminated message whose termination was lost only once', async () => {
    const s = await setUp({ ackDeadlineMs: 3_000 });
    s.queue.failNextAnswers(1);
    s.queue.publish('{{{');
    // The term did not reach the broker: after the deadline the message comes back.
    await s.until(() => s.queue.answers.some((a) => a.kind === 'term'));
    expect(s.queue.answers.map((a) => a.kind)).toEqual(['expired', 'term']);
    expect(await s.recorded('CommandIntakeFailed')).toHaveLength(1);
    expect(s.intake.snapshot().intakeFailures).toBe(1);
  });

  it('refuses a body that reuses a recorded command id for other content, and terminates it', async () => {
    const s = await setUp();
    s.queue.publish(message('cmd-1', 'guest-1', 'the first text'));
    s.queue.publish(message('cmd-1', 'guest-1', 'another text under the same id'));
    await s.until(() => s.queue.answers.length === 2);
    expect(s.queue.answers.map((a) => a.kind)).toEqual(['ack', 'term']);
    expect(await s.recorded('TransmissionRequested')).toHaveLength(1);
    const [failure] = await s.recorded('CommandIntakeFailed');
    expect(failure?.data).toMatchObject({
      problems: [{ message: expect.stringContaining('COMMAND_ID_REUSED') as string }],
    });
  });

  it('refuses to guess a command id when the broker gives no message id', async () => {
    const s = await setUp({ messageIds: 'publisher' });
    s.queue.publish(message(undefined, 'guest-1'));
    s.queue.publish(message('cmd-with-id', 'guest-1'));
    await s.until(() => s.queue.answers.length === 2);
    expect(s.queue.answers.map((a) => a.kind)).toEqual(['term', 'ack']);
    const [failure] = await s.recorded('CommandIntakeFailed');
    expect(failure?.streamId).toMatch(/^intake-failure-memory:unidentified:/);
    expect(failure?.data).toMatchObject({
      brokerMessageId: null,
      problems: [{ field: '/id', message: expect.stringMatching(/^is required/) as string }],
    });
  });

  it('hands deliveries back with a growing delay while the ledger cannot record, and records them once it can', async () => {
    const s = await setUp();
    s.events.down = true;
    s.queue.publish(message('cmd-1', 'guest-1'));
    await s.until(() => s.queue.answers.length >= 3, 60_000);
    expect(s.queue.answers.slice(0, 3).map((a) => [a.kind, a.delayMs])).toEqual([
      ['nak', 1_000],
      ['nak', 2_000],
      ['nak', 4_000],
    ]);
    expect(await s.recorded('TransmissionRequested')).toEqual([]);

    s.events.down = false;
    await s.until(() => s.queue.answers.some((a) => a.kind === 'ack'), 60_000);
    expect(s.queue.answers.filter((a) => a.kind === 'ack')).toHaveLength(1);
    expect(await s.recorded('TransmissionRequested')).toHaveLength(1);
  });

  it('keeps the order of a conversation when one of its commands goes back to the broker', async () => {
    const s = await setUp();
    s.events.refuseOnce.add('transmission-c1-m1');
    s.queue.publish(message('c1-m1', 'guest-1'));
    s.queue.publish(message('c1-m2', 'guest-1'));
    s.queue.publish(message('c2-m1', 'guest-2'));
    await s.until(() => s.queue.answers.filter((a) => a.kind === 'ack').length === 3, 60_000);
    const order = (await s.recorded('TransmissionRequested')).map((e) => e.metadata.commandId);
    expect(order.indexOf('c1-m1')).toBeLessThan(order.indexOf('c1-m2'));
    expect(order[0]).toBe('c2-m1');
    expect(s.queue.answers.filter((a) => a.kind === 'nak').length).toBeGreaterThanOrEqual(2);
  });

  it('records the commands of one conversation in delivery order while others run beside them', async () => {
    const s = await setUp({ prefetch: 32 });
    for (let i = 0; i < 10; i++) {
      for (const guest of ['guest-a', 'guest-b', 'guest-c']) {
        s.queue.publish(message(`${guest}-${String(i)}`, guest));
      }
    }
    await s.until(() => s.queue.answers.length === 30);
    const ids = (await s.recorded('TransmissionRequested')).map((e) => e.metadata.commandId ?? '');
    for (const guest of ['guest-a', 'guest-b', 'guest-c']) {
      const mine = ids.filter((id) => id.startsWith(`${guest}-`));
      expect(mine).toEqual(Array.from({ length: 10 }, (_, i) => `${guest}-${String(i)}`));
    }
  });

  it('pushes the ack deadline back while an append is slow', async () => {
    const s = await setUp({ ackDeadlineMs: 3_000 });
    s.events.hold();
    s.queue.publish(message('slow-1', 'guest-1'));
    await s.clock.advanceBy(10_000);
    expect(s.queue.working()).toBeGreaterThanOrEqual(9);
    s.events.release();
    await s.until(() => s.queue.answers.length === 1);
    expect(s.queue.answers.map((a) => a.kind)).toEqual(['ack']);
  });

  it('holds at most the prefetch unanswered', async () => {
    const s = await setUp({ prefetch: 3 });
    s.events.hold();
    for (let i = 0; i < 10; i++) s.queue.publish(message(`p-${String(i)}`, `guest-${String(i)}`));
    await s.clock.advanceBy(100);
    expect(s.queue.depth()).toMatchObject({ unanswered: 3, ready: 7 });
    expect(s.intake.unanswered()).toBe(3);
    s.events.release();
    await s.until(() => s.queue.answers.length === 10);
  });

  it('drains on stop: no new deliveries, those in flight are answered', async () => {
    const s = await setUp({ prefetch: 2 });
    s.events.hold();
    for (let i = 0; i < 5; i++) s.queue.publish(message(`d-${String(i)}`, `guest-${String(i)}`));
    await s.clock.advanceBy(10);
    const stopping = s.intake.stop();
    await s.clock.advanceBy(10);
    s.events.release();
    const summary = await s.clock.runUntilSettled(stopping);
    expect(summary).toMatchObject({ received: 2, recorded: 2, unansweredAtStop: 0 });
    expect(s.queue.depth()).toMatchObject({ ready: 3, unanswered: 0 });
    await expect(s.intake.finished).resolves.toBeUndefined();
  });

  it('ends with the source error when the source cannot go on', async () => {
    const s = await setUp();
    const failure = new Error('stream deleted');
    s.source.fail(failure);
    await expect(s.clock.runUntilSettled(s.intake.finished)).rejects.toBe(failure);
  });

  it('publishes the delivered outcome once the pipeline delivered it', async () => {
    const s = await setUp();
    s.queue.publish(message('cmd-out', 'guest-1'));
    await s.until(() => s.publisher.notices.length === 1);
    expect(s.publisher.notices[0]).toMatchObject({
      commandId: 'cmd-out',
      status: 'delivered',
      json: { commandId: 'cmd-out', status: 'delivered', brokerMessageId: 'orders:1', attempts: 1 },
    });
    expect(JSON.stringify(s.publisher.notices[0]?.json)).not.toContain('hello');
  });
});
