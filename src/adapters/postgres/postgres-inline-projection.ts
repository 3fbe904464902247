import type { AppendRequest, RecordedEvent } from '../../application/ports/event-store.port.js';
import type { PostgresSession } from './postgres-session.js';

/**
 * A read model the PostgreSQL event store keeps in the same transaction as its events (the work
 * queue). The asynchronous twin of `InlineProjection`: a query to PostgreSQL cannot be made
 * synchronously, so validation and writing are one step, run inside the request's savepoint:
 * throwing refuses the request and rolls back whatever it wrote, and nothing else.
 */
export interface PostgresInlineProjection {
  /**
   * Whether appends to this stream concern the projection (as `InlineProjection.handles`): the
   * event store hands the events, and opens a savepoint around `project`, only for those.
   */
  handles(streamId: string): boolean;
  /** One append request's events, already positioned and hashed. */
  project(
    tx: PostgresSession,
    events: readonly RecordedEvent[],
    request: AppendRequest,
  ): Promise<void>;
  /**
   * Rows stored exactly as given (a copy of another ledger), in position order, inside the
   * import's transaction: they are history, so a lifecycle violation is corruption.
   */
  projectImported(tx: PostgresSession, events: readonly RecordedEvent[]): Promise<void>;
}
