import type { ServiceIdentifier } from 'inversify';
import type { EventStore } from './event-store.port.js';
import type { TransmissionWorkQueue } from './work-queue.port.js';

/**
 * The event store and the work queue a transmitter runs on, opened together on one database so
 * the queue's projection is written in the same transaction as the events.
 */
export interface Ledger {
  readonly events: EventStore;
  readonly work: TransmissionWorkQueue;
  /**
   * Resolves once the ledger can be used; adapters that connect and migrate asynchronously
   * (PostgreSQL) reject here with the coded reason they cannot, so a program fails at start.
   */
  ready?(): Promise<void>;
  /** Closes both, the queue first. */
  close(): Promise<void>;
}

export const LEDGER: ServiceIdentifier<Ledger> = Symbol.for('gtx.Ledger');
