import { createHash } from 'node:crypto';
import type pg from 'pg';
import { hasErrorCode } from '../../domain/index.js';
import type { PostgresDatabase } from './postgres-database.js';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5000;
/** PostgreSQL cuts identifiers (channel names) at 63 bytes. */
const MAX_CHANNEL_LENGTH = 63;

/** The channel on which the work queue of `schema` says that work may be claimable. */
export function workChannel(schema: string): string {
  const readable = `${schema}_work`;
  if (readable.length <= MAX_CHANNEL_LENGTH) return readable;
  return `gtx_work_${createHash('sha256').update(schema, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * LISTENs on one channel over a connection of its own, and calls every subscriber on each
 * notification. The connection is opened with the first subscriber and closed with the last.
 * When it fails (the server restarted, the connection was terminated), it is opened again with
 * a growing delay, and the subscribers are called once it is back: whatever was notified while
 * it was down is found by their next look, so nothing waits for the poll.
 */
export class PostgresChannelListener {
  private readonly subscribers = new Set<() => void>();
  private client: pg.Client | null = null;
  private running = false;
  /** Grows with every start and stop: a connection made for an older one is ended, not used. */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private connecting: Promise<void> | null = null;

  constructor(
    private readonly database: PostgresDatabase,
    readonly channel: string,
  ) {}

  subscribe(subscriber: () => void): () => void {
    const entry = (): void => {
      subscriber();
    };
    this.subscribers.add(entry);
    this.start();
    return () => {
      this.subscribers.delete(entry);
      if (this.subscribers.size === 0) void this.stop();
    };
  }

  /** Whether the LISTEN connection is up (for tests and diagnostics). */
  listening(): boolean {
    return this.client !== null;
  }

  async close(): Promise<void> {
    this.subscribers.clear();
    await this.stop();
  }

  private start(): void {
    if (this.running) return;
    this.running = true;
    this.generation += 1;
    this.connecting = this.connect(this.generation);
  }

  private async stop(): Promise<void> {
    this.running = false;
    this.generation += 1;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const { client, connecting } = this;
    this.client = null;
    this.connecting = null;
    await client?.end().catch(() => undefined);
    // A connection still being made sees that its generation is over and ends itself.
    await connecting;
  }

  private current(generation: number): boolean {
    return this.running && generation === this.generation;
  }

  private async connect(generation: number): Promise<void> {
    let client: pg.Client;
    try {
      client = await this.database.connectClient('listener');
    } catch (error) {
      this.retryAfter(generation, error);
      return;
    }
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.callSubscribers();
    });
    client.on('error', (error) => {
      this.lost(client, generation, error);
    });
    client.on('end', () => {
      this.lost(client, generation, null);
    });
    try {
      await client.query(`LISTEN "${this.channel.replace(/"/g, '""')}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.retryAfter(generation, error);
      return;
    }
    if (!this.current(generation)) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    const reconnected = this.failures > 0;
    this.failures = 0;
    if (reconnected) this.callSubscribers();
  }

  private lost(client: pg.Client, generation: number, error: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    void client.end().catch(() => undefined);
    this.retryAfter(generation, error ?? new Error('the listener connection ended'));
  }

  private retryAfter(generation: number, error: unknown): void {
    // A stopped listener, or a closed database (which will not come back), stops trying.
    if (!this.current(generation) || hasErrorCode(error, 'LEDGER_CLOSED')) return;
    this.failures += 1;
    const delayMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1));
    const failure = this.database.failure(error);
    this.database.warn('the work-queue listener lost PostgreSQL; reconnecting', {
      code: 'code' in failure ? String(failure.code) : null,
      reason: failure.message,
      retryInMs: delayMs,
    });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.current(generation)) this.connecting = this.connect(generation);
    }, delayMs);
    this.retryTimer.unref();
  }

  private callSubscribers(): void {
    for (const subscriber of [...this.subscribers]) {
      try {
        subscriber();
      } catch (error) {
        this.database.warn('a work-available subscriber threw', {
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}
