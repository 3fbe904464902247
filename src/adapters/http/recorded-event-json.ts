import type { RecordedEvent } from '../../application/ports/index.js';

/** A ledger event as the read API answers it (see RECORDED_EVENT_SCHEMA). */
export function eventJson(event: RecordedEvent): Record<string, unknown> {
  return {
    position: event.position,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
    hash: event.hash,
  };
}
