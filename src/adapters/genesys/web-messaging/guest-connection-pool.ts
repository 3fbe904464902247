import { interval, type Subscription } from 'rxjs';
import type { Clock, Logger } from '../../../application/ports/index.js';
import { GuestConnection } from './guest-connection.js';
import { guestSessionKey, type GuestSessionStore } from './guest-session-store.js';
import type { ResolvedWebMessagingOptions } from './web-messaging-options.js';

export interface GuestConnectionPoolDeps {
  readonly options: ResolvedWebMessagingOptions;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: GuestSessionStore;
  /** Hears an agent's message on a guest's socket, with the guest it reached. */
  readonly onAgentFrame?: (
    guestId: string,
    id: string,
    body: Readonly<Record<string, unknown>>,
  ) => void;
}

/**
 * The open (or opening) guest connections, least recently used first: at most `maxOpenSessions`
 * (the least recently used idle one is closed to make room), idle ones closed after
 * `idleTimeoutMs`, the rest pinged, by a sweep that runs only while any connection exists.
 */
export class GuestConnectionPool {
  private readonly connections = new Map<string, GuestConnection>();
  private sweep: Subscription | null = null;

  constructor(private readonly deps: GuestConnectionPoolDeps) {}

  get size(): number {
    return this.connections.size;
  }

  /** The guest's connection, now the most recently used; opened lazily by its first use. */
  connectionFor(guestId: string): GuestConnection {
    const key = guestSessionKey(this.deps.options.deploymentId, guestId);
    let connection = this.connections.get(key);
    if (connection !== undefined) {
      this.connections.delete(key);
      this.connections.set(key, connection);
      return connection;
    }
    if (this.connections.size >= this.deps.options.maxOpenSessions) this.evictOne();
    const { onAgentFrame, ...deps } = this.deps;
    connection = new GuestConnection(key, {
      ...deps,
      ...(onAgentFrame === undefined
        ? {}
        : {
            onAgentFrame: (id, body) => {
              onAgentFrame(guestId, id, body);
            },
          }),
    });
    this.connections.set(key, connection);
    this.startSweep();
    return connection;
  }

  closeAll(): void {
    this.sweep?.unsubscribe();
    this.sweep = null;
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }

  private evictOne(): void {
    for (const [key, connection] of this.connections) {
      if (connection.active > 0) continue;
      connection.close();
      this.connections.delete(key);
      this.deps.logger.debug('closed the least recently used guest socket', { guestSession: key });
      return;
    }
    this.deps.logger.warn('every guest socket is busy; going over maxOpenSessions for now', {
      open: this.connections.size,
    });
  }

  /** Pings open sockets and closes idle ones; runs only while any connection exists. */
  private startSweep(): void {
    if (this.sweep !== null) return;
    const { options, clock, logger } = this.deps;
    const every = Math.min(options.pingIntervalMs, options.idleTimeoutMs);
    this.sweep = interval(every, clock.scheduler).subscribe(() => {
      const now = clock.now();
      for (const [key, connection] of this.connections) {
        if (connection.active === 0 && now - connection.lastUsedMs >= options.idleTimeoutMs) {
          connection.close();
          this.connections.delete(key);
          logger.debug('closed an idle guest socket', { guestSession: key });
        } else {
          connection.ping();
        }
      }
      if (this.connections.size === 0) {
        this.sweep?.unsubscribe();
        this.sweep = null;
      }
    });
  }
}
