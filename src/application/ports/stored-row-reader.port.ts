import type { ServiceIdentifier } from 'inversify';
import type { EventStore, ReadAllOptions } from './event-store.port.js';

/**
 * The storage form of an event, the same for every adapter: data and metadata as canonical
 * JSON text, so what is stored, what is hashed and what is read back are one and the same.
 */
export interface StoredRow {
  readonly position: number;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly dataJson: string;
  readonly metadataJson: string;
  readonly recordedAt: string;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * Rows as stored, without parsing them: what the audit verifies (the chain hashes the stored
 * text) and what an export writes. `readAll` decodes every row; a reader of a million rows that
 * only needs their text should not pay for that. Columns of the wrong type are still refused
 * (LEDGER_CORRUPT with the position); text that does not parse is the caller's to check.
 */
export interface StoredRowReader {
  /** As `EventStore.readAll`, same filters and page cap, rows undecoded. */
  readStoredRows(options: ReadAllOptions): Promise<readonly StoredRow[]>;
  /**
   * For each of `streamIds`, the highest stream version among its rows before `position` (0
   * when it has none): what a verifier that does not keep every stream in memory asks for the
   * streams it forgot. Answered from the stream index, not by reading the rows.
   */
  streamVersionsBefore(
    streamIds: readonly string[],
    position: number,
  ): Promise<ReadonlyMap<string, number>>;
}

export const STORED_ROW_READER: ServiceIdentifier<StoredRowReader> =
  Symbol.for('gtx.StoredRowReader');

/** Whether an event store also reads its rows as stored (every adapter here does). */
export function readsStoredRows(store: EventStore): store is EventStore & StoredRowReader {
  const reader = store as Partial<StoredRowReader>;
  return (
    typeof reader.readStoredRows === 'function' && typeof reader.streamVersionsBefore === 'function'
  );
}
