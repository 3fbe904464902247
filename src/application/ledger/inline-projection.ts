import type { AppendRequest, RecordedEvent } from '../ports/event-store.port.js';

/**
 * A read model the event store keeps in the same transaction as its events (the work queue's
 * projection of transmissions). `project` sees one append request's events, already positioned
 * and hashed, before anything is stored: it validates and throws to refuse the whole request,
 * or returns the write that the store runs after the events, still inside the transaction.
 */
export interface InlineProjection {
  /**
   * Whether appends to this stream concern the projection at all: the store hands the events
   * (parsed back from the text just written) only to projections that read them.
   */
  handles(streamId: string): boolean;
  project(events: readonly RecordedEvent[], request: AppendRequest): () => void;
}
