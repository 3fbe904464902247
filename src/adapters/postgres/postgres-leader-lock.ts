import type pg from 'pg';
import type { LeaderLock, Leadership } from '../../application/ports/leader-lock.port.js';
import { LedgerClosedError } from '../../application/errors.js';
import { advisoryLockKey } from './postgres-advisory-keys.js';
import type { PostgresDatabase } from './postgres-database.js';

/**
 * Leadership as a PostgreSQL session advisory lock, held on a connection of its own for as long
 * as the leadership lasts. The lock lives exactly as long as that session: when the connection
 * fails or ends, `lost` fires here (so a feed stops when it lost the database) and the server has
 * dropped the lock, so another process's `tryAcquire` succeeds; a killed process's connection
 * closes and frees it the same way.
 */
export class PostgresLeaderLock implements LeaderLock {
  private readonly held = new Set<Leadership>();
  private closing: Promise<void> | null = null;

  /** Retains `database` until closed. */
  constructor(private readonly database: PostgresDatabase) {
    database.retain();
  }

  async tryAcquire(name: string): Promise<Leadership | null> {
    if (this.closing !== null) throw new LedgerClosedError();
    const key = advisoryLockKey('leader', this.database.settings.schema, name);
    const client = await this.database.connectClient(`leader ${name}`);
    const controller = new AbortController();
    const lose = (reason: string): void => {
      if (!controller.signal.aborted) controller.abort(new Error(reason));
    };
    client.on('error', (error) => {
      lose(`the leader connection failed: ${error.message}`);
    });
    client.on('end', () => {
      lose('the leader connection ended');
    });
    let locked: boolean;
    try {
      const result = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS locked',
        [key],
      );
      locked = result.rows[0]?.locked === true;
    } catch (error) {
      await endQuietly(client);
      throw this.database.failure(error);
    }
    if (!locked) {
      await endQuietly(client);
      return null;
    }
    return this.lead(client, key, controller, name);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.held].map((leadership) => leadership.release()));
      await this.database.release();
    })();
    return this.closing;
  }

  private lead(
    client: pg.Client,
    key: string,
    controller: AbortController,
    name: string,
  ): Leadership {
    let released: Promise<void> | null = null;
    const leadership: Leadership = {
      lost: controller.signal,
      release: () => {
        released ??= (async () => {
          this.held.delete(leadership);
          if (!controller.signal.aborted) {
            controller.abort(new Error(`the leadership of ${name} was released`));
            // Ending the session frees the lock anyway; unlocking first frees it at once.
            await client
              .query('SELECT pg_advisory_unlock($1::bigint)', [key])
              .catch(() => undefined);
          }
          await endQuietly(client);
        })();
        return released;
      },
    };
    this.held.add(leadership);
    controller.signal.addEventListener('abort', () => this.held.delete(leadership), { once: true });
    return leadership;
  }
}

/** The lock dies with its session: once we give a connection up, how it ends changes nothing. */
async function endQuietly(client: pg.Client): Promise<void> {
  await client.end().catch(() => undefined);
}
