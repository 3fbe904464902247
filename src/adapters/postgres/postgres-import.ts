import { LedgerImportRefusedError } from '../../application/errors.js';
import { ChainVerifier } from '../../application/ledger/hash-chain.js';
import { decodeStoredRow, type StoredRow } from '../../application/ledger/ledger-rows.js';
import { hasErrorCode } from '../../domain/index.js';
import type { LedgerHead, RecordedEvent } from '../../application/ports/event-store.port.js';
import type { PostgresSession } from './postgres-session.js';
import type { EventStatements } from './postgres-statements.js';

/** Reads rows offered for import as events; one that cannot be read refuses the import. */
export function decodeImportedRows(rows: readonly StoredRow[]): readonly RecordedEvent[] {
  return rows.map((row) => {
    try {
      return decodeStoredRow(row);
    } catch (error) {
      if (!hasErrorCode(error, 'LEDGER_CORRUPT')) throw error;
      throw new LedgerImportRefusedError(row.position, error.message);
    }
  });
}

/**
 * Checks rows to be stored exactly as given against the ledger they are imported into, under
 * its chain lock: they must continue its head (next position, previous hash), every hash must
 * recompute, and each stream must continue at the version after the one already stored.
 * Throws `LedgerImportRefusedError` naming the first row that does not.
 */
export async function verifyImport(
  tx: PostgresSession,
  statements: EventStatements,
  head: LedgerHead,
  events: readonly RecordedEvent[],
): Promise<void> {
  const first = events[0];
  if (first === undefined) return;
  if (first.position !== head.position + 1 || first.prevHash !== head.hash) {
    throw new LedgerImportRefusedError(
      first.position,
      `the rows do not continue this ledger, whose head is position ${head.position} with hash ${head.hash}`,
    );
  }
  const verifier = new ChainVerifier(head);
  for (const event of events) {
    const broken = verifier.push(event);
    if (broken !== null) {
      throw new LedgerImportRefusedError(broken.position, `${broken.reason}: ${broken.detail}`);
    }
  }
  await checkStreamVersions(tx, statements, events);
}

async function checkStreamVersions(
  tx: PostgresSession,
  statements: EventStatements,
  events: readonly RecordedEvent[],
): Promise<void> {
  const streamIds = [...new Set(events.map((event) => event.streamId))];
  const stored = await tx.query<{ streamId: string; version: number }>(statements.streamVersions, [
    streamIds,
  ]);
  const versions = new Map(stored.rows.map((row) => [row.streamId, row.version]));
  for (const event of events) {
    const expected = (versions.get(event.streamId) ?? 0) + 1;
    if (event.streamVersion !== expected) {
      throw new LedgerImportRefusedError(
        event.position,
        `stream ${event.streamId}: expected version ${expected}, found ${event.streamVersion}`,
      );
    }
    versions.set(event.streamId, event.streamVersion);
  }
}
