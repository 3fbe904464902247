import { Observable, Subscriber, timer, type Subscription } from 'rxjs';
import type { BrokerDelivery, Clock, CommandSource } from '../../application/ports/index.js';

export interface InMemoryCommandSourceOptions {
  readonly clock: Clock;
  /** Unanswered deliveries at once (the broker's prefetch). Default 16. */
  readonly prefetch?: number;
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
  deadline: Subscription | null;
  answered: boolean;
}

/**
 * A broker twin for unit tests of the intake: a queue with prefetch, acks, delayed naks,
 * terminations (kept as dead letters), redelivery deadlines and `working()`, all on the
 * injected clock, and every answer recorded. It passes the CommandSource contract suite.
 */
export class InMemoryCommandSource implements CommandSource {
  readonly scheme = 'memory';
  readonly description: string;
  readonly ackDeadlineMs: number | null;
  readonly answers: RecordedAnswer[] = [];
  private readonly ready: StoredMessage[] = [];
  private readonly outstanding = new Set<Outstanding>();
  private readonly terminated: StoredMessage[] = [];
  private readonly prefetch: number;
  private subscriber: Subscriber<BrokerDelivery> | null = null;
  private sequence = 0;
  private failNextOpen: Error | null = null;
  private failingAnswers = 0;
  private opened = false;
  private workingCalls = 0;

  constructor(private readonly options: InMemoryCommandSourceOptions) {
    this.prefetch = Math.max(1, options.prefetch ?? 16);
    this.ackDeadlineMs = options.ackDeadlineMs ?? null;
    this.description = `memory queue ${options.name ?? 'commands'}`;
  }

  /** Puts a message at the tail of the queue. */
  publish(body: Uint8Array | string, messageId?: string): void {
    this.sequence += 1;
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const id =
      messageId ??
      ((this.options.messageIds ?? 'sequence') === 'sequence'
        ? `${this.options.name ?? 'commands'}:${String(this.sequence)}`
        : null);
    this.ready.push({ sequence: this.sequence, body: bytes, messageId: id, deliveries: 0 });
    this.pump();
  }

  /** The next `open()` rejects with this error. */
  refuseNextOpen(error: Error): void {
    this.failNextOpen = error;
  }

  /** The next `count` answers (ack, nak, term) reject as a lost channel would; nothing changes. */
  failNextAnswers(count: number): void {
    this.failingAnswers = count;
  }

  /** The stream went away: `deliveries()` errors. */
  fail(error: Error): void {
    this.subscriber?.error(error);
    this.subscriber = null;
  }

  /** Messages waiting, delivered and unanswered, and terminated. */
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

  open(): Promise<void> {
    const refusal = this.failNextOpen;
    this.failNextOpen = null;
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
      this.pump();
      return () => {
        if (this.subscriber === subscriber) this.subscriber = null;
      };
    });
  }

  stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    subscriber?.complete();
    return Promise.resolve();
  }

  /** Unanswered deliveries go back to the head of the queue, as a closed channel's do. */
  close(): Promise<void> {
    void this.stop();
    const returned = [...this.outstanding].map((entry) => {
      entry.answered = true;
      entry.deadline?.unsubscribe();
      return entry.message;
    });
    this.outstanding.clear();
    for (const message of returned) this.requeue(message);
    this.opened = false;
    return Promise.resolve();
  }

  private pump(): void {
    while (this.subscriber !== null && this.outstanding.size < this.prefetch) {
      const message = this.ready.shift();
      if (message === undefined) return;
      this.deliver(message, this.subscriber);
    }
  }

  private deliver(message: StoredMessage, subscriber: Subscriber<BrokerDelivery>): void {
    const entry: Outstanding = { message, deadline: null, answered: false };
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
    subscriber.next({
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
    if (this.ackDeadlineMs === null) return;
    entry.deadline = timer(this.ackDeadlineMs, this.options.clock.scheduler).subscribe(() => {
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
