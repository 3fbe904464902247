import { Observable, Subscriber, timer, type Subscription } from 'rxjs';
import type { BrokerDelivery, Clock, CommandSource } from '../../application/ports/index.js';

export interface InMemoryBrokerQueueOptions {
  readonly clock: Clock;
  /**
   * Redelivery deadline of an unanswered delivery, pushed back by `working()`; null (default):
   * none, like AMQP.
   */
  readonly ackDeadlineMs?: number | null;
  /** `sequence` (default): `<name>:<n>` like JetStream; `publisher`: only what `publish` names. */
  readonly messageIds?: 'sequence' | 'publisher';
  readonly name?: string;
}

export type AnswerKind = 'ack' | 'nak' | 'term' | 'expired';

export interface RecordedAnswer {
  readonly messageId: string | null;
  readonly sequence: number;
  readonly kind: AnswerKind;
  readonly at: number;
  readonly delayMs?: number;
}

interface StoredMessage {
  readonly sequence: number;
  readonly body: Uint8Array;
  readonly messageId: string | null;
  deliveries: number;
}

interface Outstanding {
  readonly message: StoredMessage;
  readonly consumer: InMemoryCommandSource;
  deadline: Subscription | null;
  answered: boolean;
}

/**
 * A broker queue twin for unit tests of the intake: messages in order, consumers with a
 * prefetch, acks, delayed naks that requeue at the message's place, terminations (kept as dead
 * letters), redelivery deadlines and `working()`, all on the injected clock, and every answer
 * recorded. Its consumers pass the CommandSource contract suite.
 */
export class InMemoryBrokerQueue {
  readonly answers: RecordedAnswer[] = [];
  readonly name: string;
  private readonly ready: StoredMessage[] = [];
  private readonly outstanding = new Set<Outstanding>();
  private readonly terminated: StoredMessage[] = [];
  private readonly consumers = new Set<InMemoryCommandSource>();
  private sequence = 0;
  private failingAnswers = 0;
  private workingCalls = 0;

  constructor(readonly options: InMemoryBrokerQueueOptions) {
    this.name = options.name ?? 'commands';
  }

  /** A consumer of this queue holding at most `prefetch` unanswered (default 16). */
  consumer(options: { readonly prefetch?: number } = {}): InMemoryCommandSource {
    return new InMemoryCommandSource(this, Math.max(1, options.prefetch ?? 16));
  }

  /** Puts a message at the tail of the queue. */
  publish(body: Uint8Array | string, messageId?: string): void {
    this.sequence += 1;
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const id =
      messageId ??
      ((this.options.messageIds ?? 'sequence') === 'sequence'
        ? `${this.name}:${String(this.sequence)}`
        : null);
    this.ready.push({ sequence: this.sequence, body: bytes, messageId: id, deliveries: 0 });
    this.pump();
  }

  /** The next `count` answers (ack, nak, term) reject as a lost channel would; nothing changes. */
  failNextAnswers(count: number): void {
    this.failingAnswers = count;
  }

  depth(): { ready: number; unanswered: number; terminated: number } {
    return {
      ready: this.ready.length,
      unanswered: this.outstanding.size,
      terminated: this.terminated.length,
    };
  }

  deadLetters(): readonly Uint8Array[] {
    return this.terminated.map((message) => message.body);
  }

  working(): number {
    return this.workingCalls;
  }

  /** @internal a consumer started or stopped taking deliveries. */
  attach(consumer: InMemoryCommandSource, attached: boolean): void {
    if (attached) this.consumers.add(consumer);
    else this.consumers.delete(consumer);
    this.pump();
  }

  /** @internal what a closing consumer held goes back to the queue. */
  returnAll(consumer: InMemoryCommandSource): void {
    for (const entry of [...this.outstanding]) {
      if (entry.consumer !== consumer) continue;
      entry.answered = true;
      entry.deadline?.unsubscribe();
      this.outstanding.delete(entry);
      this.requeue(entry.message);
    }
    this.pump();
  }

  unansweredBy(consumer: InMemoryCommandSource): number {
    let count = 0;
    for (const entry of this.outstanding) if (entry.consumer === consumer) count += 1;
    return count;
  }

  private pump(): void {
    for (const consumer of this.consumers) {
      while (consumer.wants() && this.unansweredBy(consumer) < consumer.prefetch) {
        const message = this.ready.shift();
        if (message === undefined) return;
        this.deliver(message, consumer);
      }
    }
  }

  private deliver(message: StoredMessage, consumer: InMemoryCommandSource): void {
    const entry: Outstanding = { message, consumer, deadline: null, answered: false };
    const redeliveryCount = message.deliveries;
    message.deliveries += 1;
    this.outstanding.add(entry);
    this.armDeadline(entry);
    const answer = (kind: Exclude<AnswerKind, 'expired'>, delayMs?: number): Promise<void> => {
      if (this.failingAnswers > 0) {
        this.failingAnswers -= 1;
        return Promise.reject(new Error('channel closed'));
      }
      this.settle(entry, kind, delayMs);
      return Promise.resolve();
    };
    consumer.emit({
      body: message.body,
      messageId: message.messageId,
      redeliveryCount,
      ack: () => answer('ack'),
      nak: (delayMs) => answer('nak', delayMs),
      term: () => answer('term'),
      working: () => {
        this.workingCalls += 1;
        if (!entry.answered) this.armDeadline(entry);
        return Promise.resolve();
      },
    });
  }

  private armDeadline(entry: Outstanding): void {
    entry.deadline?.unsubscribe();
    const deadline = this.options.ackDeadlineMs ?? null;
    if (deadline === null) return;
    entry.deadline = timer(deadline, this.options.clock.scheduler).subscribe(() => {
      this.settle(entry, 'expired');
    });
  }

  /** A late answer of a delivery that expired or went back at close changes nothing. */
  private settle(entry: Outstanding, kind: AnswerKind, delayMs?: number): void {
    if (entry.answered) return;
    entry.answered = true;
    entry.deadline?.unsubscribe();
    this.outstanding.delete(entry);
    const { message } = entry;
    this.answers.push({
      messageId: message.messageId,
      sequence: message.sequence,
      kind,
      at: this.options.clock.now(),
      ...(delayMs === undefined ? {} : { delayMs }),
    });
    if (kind === 'term') this.terminated.push(message);
    if (kind === 'expired') this.requeue(message);
    if (kind === 'nak') {
      timer(Math.max(0, delayMs ?? 0), this.options.clock.scheduler).subscribe(() => {
        this.requeue(message);
        this.pump();
      });
    }
    this.pump();
  }

  /** Back at its original place in the queue, as RabbitMQ requeues. */
  private requeue(message: StoredMessage): void {
    const index = this.ready.findIndex((waiting) => waiting.sequence > message.sequence);
    if (index < 0) this.ready.push(message);
    else this.ready.splice(index, 0, message);
  }
}

/** One consumer of an InMemoryBrokerQueue, as the intake sees a broker. */
export class InMemoryCommandSource implements CommandSource {
  readonly scheme = 'memory';
  readonly description: string;
  readonly ackDeadlineMs: number | null;
  private subscriber: Subscriber<BrokerDelivery> | null = null;
  private opened = false;
  private refusal: Error | null = null;

  constructor(
    private readonly queue: InMemoryBrokerQueue,
    readonly prefetch: number,
  ) {
    this.description = `memory queue ${queue.name}`;
    this.ackDeadlineMs = queue.options.ackDeadlineMs ?? null;
  }

  /** The next `open()` rejects with this error. */
  refuseNextOpen(error: Error): void {
    this.refusal = error;
  }

  /** The queue went away: `deliveries()` errors. */
  fail(error: Error): void {
    const subscriber = this.subscriber;
    this.subscriber = null;
    this.queue.attach(this, false);
    subscriber?.error(error);
  }

  open(): Promise<void> {
    const refusal = this.refusal;
    this.refusal = null;
    if (refusal !== null) return Promise.reject(refusal);
    this.opened = true;
    return Promise.resolve();
  }

  deliveries(): Observable<BrokerDelivery> {
    return new Observable<BrokerDelivery>((subscriber) => {
      if (!this.opened) {
        subscriber.error(new Error('deliveries() before open()'));
        return undefined;
      }
      this.subscriber = subscriber;
      this.queue.attach(this, true);
      return () => {
        if (this.subscriber !== subscriber) return;
        this.subscriber = null;
        this.queue.attach(this, false);
      };
    });
  }

  stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    this.queue.attach(this, false);
    subscriber?.complete();
    return Promise.resolve();
  }

  /** Unanswered deliveries go back to their places in the queue, as a closed channel's do. */
  async close(): Promise<void> {
    await this.stop();
    this.queue.returnAll(this);
    this.opened = false;
  }

  /** @internal */
  wants(): boolean {
    return this.subscriber !== null;
  }

  /** @internal */
  emit(delivery: BrokerDelivery): void {
    this.subscriber?.next(delivery);
  }
}
