import { LedgerCorruptError } from '../../application/errors.js';
import type { StoredRow } from '../../application/ledger/ledger-rows.js';
import { canonicalJson } from '../../application/ledger/canonical-json.js';
import {
  storedState,
  type TransmissionProjection,
} from '../../application/ledger/transmission-projection.js';
import type { ClaimHold } from '../../application/ledger/work-claims.js';
import type {
  DeadLetteredTransmission,
  OpenTransmission,
} from '../../application/ports/work-queue.port.js';
import type { TransmissionState } from '../../domain/index.js';

/*
 * SQLite columns are loosely typed: a row written by another tool can hold anything. Rows are
 * checked here, at the edge, so a wrong type is reported as corruption at its position instead
 * of surfacing later as a strange value.
 */

type RawRow = Readonly<Record<string, unknown>>;

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function text(row: RawRow, column: string, position: number): string {
  const value = row[column];
  if (typeof value !== 'string') throw new LedgerCorruptError(position, `${column} is not text`);
  return value;
}

function integer(row: RawRow, column: string, position: number): number {
  const value = row[column];
  if (!isInteger(value)) throw new LedgerCorruptError(position, `${column} is not an integer`);
  return value;
}

export function toStoredRow(raw: unknown): StoredRow {
  const row = raw as RawRow;
  const position = isInteger(row.position) ? row.position : 0;
  if (position < 1)
    throw new LedgerCorruptError(position, 'global_position is not a positive integer');
  return {
    position,
    streamId: text(row, 'streamId', position),
    streamVersion: integer(row, 'streamVersion', position),
    type: text(row, 'type', position),
    schemaVersion: integer(row, 'schemaVersion', position),
    dataJson: text(row, 'dataJson', position),
    metadataJson: text(row, 'metadataJson', position),
    recordedAt: text(row, 'recordedAt', position),
    prevHash: text(row, 'prevHash', position),
    hash: text(row, 'hash', position),
  };
}

/** The column order of EVENT_COLUMNS (sqlite-statements.ts), for rows read as arrays. */
const STORED_COLUMNS = [
  'global_position',
  'streamId',
  'streamVersion',
  'type',
  'schemaVersion',
  'dataJson',
  'metadataJson',
  'recordedAt',
  'prevHash',
  'hash',
] as const;

function textAt(values: readonly unknown[], index: number, position: number): string {
  const value = values[index];
  if (typeof value !== 'string') {
    throw new LedgerCorruptError(position, `${STORED_COLUMNS[index] ?? '?'} is not text`);
  }
  return value;
}

function integerAt(values: readonly unknown[], index: number, position: number): number {
  const value = values[index];
  if (!isInteger(value)) {
    throw new LedgerCorruptError(position, `${STORED_COLUMNS[index] ?? '?'} is not an integer`);
  }
  return value;
}

/**
 * `toStoredRow` for a row read as an array (a raw statement): better-sqlite3 builds an array
 * faster than an object with named keys, and the audit reads every row of the ledger.
 */
export function toStoredRowFromColumns(raw: unknown): StoredRow {
  const values = raw as readonly unknown[];
  const first = values[0];
  const position = isInteger(first) ? first : 0;
  if (position < 1)
    throw new LedgerCorruptError(position, 'global_position is not a positive integer');
  return {
    position,
    streamId: textAt(values, 1, position),
    streamVersion: integerAt(values, 2, position),
    type: textAt(values, 3, position),
    schemaVersion: integerAt(values, 4, position),
    dataJson: textAt(values, 5, position),
    metadataJson: textAt(values, 6, position),
    recordedAt: textAt(values, 7, position),
    prevHash: textAt(values, 8, position),
    hash: textAt(values, 9, position),
  };
}

export function toOpenTransmissionRow(raw: unknown): OpenTransmission {
  const row = raw as RawRow;
  const sequence = isInteger(row.sequence) ? row.sequence : 0;
  const status = row.status;
  if (status !== 'pending' && status !== 'inFlight') {
    throw new LedgerCorruptError(sequence, `open transmission has status ${String(status)}`);
  }
  const retryAtMs = row.retryAtMs;
  if (retryAtMs !== null && !isInteger(retryAtMs)) {
    throw new LedgerCorruptError(sequence, 'open transmission retry_at_ms is not an integer');
  }
  return {
    streamId: text(row, 'streamId', sequence),
    commandId: text(row, 'commandId', sequence),
    conversationRef: text(row, 'conversationRef', sequence),
    status,
    retryAtMs,
    sequence,
  };
}

function nullableInteger(row: RawRow, column: string, position: number): number | null {
  const value = row[column];
  if (value === null) return null;
  if (!isInteger(value)) throw new LedgerCorruptError(position, `${column} is not an integer`);
  return value;
}

/** An open row's holder: `owner`, `fence` and `leaseUntilMs` columns. */
export function toClaimHold(raw: unknown): ClaimHold {
  const row = raw as RawRow;
  const owner = row.owner;
  if (owner !== null && typeof owner !== 'string') {
    throw new LedgerCorruptError(0, 'open transmission claim_owner is not text');
  }
  return {
    owner,
    fence: integer(row, 'fence', 0),
    leaseUntilMs: nullableInteger(row, 'leaseUntilMs', 0),
  };
}

/** The projection row as stored; its `state` column carries the folded domain state. */
export function toProjection(raw: unknown): TransmissionProjection {
  const row = raw as RawRow;
  const lastPosition = integer(row, 'lastPosition', 0);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text(row, 'state', lastPosition));
  } catch (error) {
    throw new LedgerCorruptError(
      lastPosition,
      'the projected state is not JSON; rebuild projections',
      error,
    );
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    (parsed as TransmissionState).status !== row.status
  ) {
    throw new LedgerCorruptError(
      lastPosition,
      'the projected state disagrees with its row; rebuild projections',
    );
  }
  // Written by this adapter from a folded domain state, and its status checked above.
  const state = storedState(parsed);
  return {
    streamId: text(row, 'streamId', lastPosition),
    commandId: text(row, 'commandId', lastPosition),
    conversationRef: text(row, 'conversationRef', lastPosition),
    status: state.status as TransmissionProjection['status'],
    retryAtMs: state.retryAtMs,
    sequence: integer(row, 'sequence', lastPosition),
    attempts: state.attempts,
    lastPosition,
    lastVersion: integer(row, 'lastVersion', lastPosition),
    state,
  };
}

export function fromProjection(projection: TransmissionProjection): Record<string, unknown> {
  return {
    streamId: projection.streamId,
    commandId: projection.commandId,
    conversationRef: projection.conversationRef,
    status: projection.status,
    retryAtMs: projection.retryAtMs,
    sequence: projection.sequence,
    attempts: projection.attempts,
    lastPosition: projection.lastPosition,
    lastVersion: projection.lastVersion,
    state: canonicalJson(projection.state),
  };
}

/** One row of a dead-letter listing. */
export function toDeadLettered(raw: unknown): DeadLetteredTransmission {
  const row = raw as RawRow;
  const position = integer(row, 'position', 0);
  return {
    streamId: text(row, 'streamId', position),
    commandId: text(row, 'commandId', position),
    conversationRef: text(row, 'conversationRef', position),
    position,
  };
}
