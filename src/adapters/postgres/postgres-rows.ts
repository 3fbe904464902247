import { LedgerCorruptError, LedgerUnavailableError } from '../../application/errors.js';
import type { LedgerHead } from '../../application/ports/event-store.port.js';
import { canonicalJson } from '../../application/ledger/canonical-json.js';
import type { StoredRow } from '../../application/ledger/ledger-rows.js';
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
 * pg returns BIGINT columns as strings (a JavaScript number cannot hold every BIGINT). Every
 * value the ledger stores fits a safe integer; one that does not, or a column of the wrong type,
 * is reported as corruption at its position rather than surfacing later as a strange value.
 */

type RawRow = Readonly<Record<string, unknown>>;

function asInteger(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) ? parsed : null;
  }
  return null;
}

function text(row: RawRow, column: string, position: number): string {
  const value = row[column];
  if (typeof value !== 'string') throw new LedgerCorruptError(position, `${column} is not text`);
  return value;
}

function integer(row: RawRow, column: string, position: number): number {
  const value = asInteger(row[column]);
  if (value === null) throw new LedgerCorruptError(position, `${column} is not a safe integer`);
  return value;
}

function nullableInteger(row: RawRow, column: string, position: number): number | null {
  return row[column] === null ? null : integer(row, column, position);
}

/** A row of `events`, selected with the StoredRow names as aliases. */
export function toStoredRow(raw: RawRow): StoredRow {
  const position = asInteger(raw.position) ?? 0;
  if (position < 1) {
    throw new LedgerCorruptError(position, 'global_position is not a positive integer');
  }
  return {
    position,
    streamId: text(raw, 'streamId', position),
    streamVersion: integer(raw, 'streamVersion', position),
    type: text(raw, 'type', position),
    schemaVersion: integer(raw, 'schemaVersion', position),
    dataJson: text(raw, 'dataJson', position),
    metadataJson: text(raw, 'metadataJson', position),
    recordedAt: text(raw, 'recordedAt', position),
    prevHash: text(raw, 'prevHash', position),
    hash: text(raw, 'hash', position),
  };
}

/** The values of one event row, in the column order of `EVENT_INSERT_COLUMNS`. */
export function storedRowValues(row: StoredRow): unknown[] {
  return [
    row.position,
    row.streamId,
    row.streamVersion,
    row.type,
    row.schemaVersion,
    row.dataJson,
    row.metadataJson,
    row.recordedAt,
    row.prevHash,
    row.hash,
  ];
}

export function toOpenTransmission(raw: RawRow): OpenTransmission {
  const sequence = asInteger(raw.sequence) ?? 0;
  const status = raw.status;
  if (status !== 'pending' && status !== 'inFlight') {
    throw new LedgerCorruptError(sequence, `open transmission has status ${String(status)}`);
  }
  return {
    streamId: text(raw, 'streamId', sequence),
    commandId: text(raw, 'commandId', sequence),
    conversationRef: text(raw, 'conversationRef', sequence),
    status,
    retryAtMs: nullableInteger(raw, 'retryAtMs', sequence),
    sequence,
  };
}

/** The fence a claim just took, from the claim's RETURNING row. */
export function fenceOf(raw: RawRow): number {
  return integer(raw, 'fence', asInteger(raw.sequence) ?? 0);
}

/** An open row's holder: `owner`, `fence` and `leaseUntilMs` columns. */
export function toClaimHold(raw: RawRow): ClaimHold {
  const owner = raw.owner;
  if (owner !== null && typeof owner !== 'string') {
    throw new LedgerCorruptError(0, 'open transmission claim_owner is not text');
  }
  return {
    owner,
    fence: integer(raw, 'fence', 0),
    leaseUntilMs: nullableInteger(raw, 'leaseUntilMs', 0),
  };
}

/** The projection row as stored; its `state` column carries the folded domain state. */
export function toProjection(raw: RawRow): TransmissionProjection {
  const lastPosition = integer(raw, 'lastPosition', 0);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text(raw, 'state', lastPosition));
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
    (parsed as TransmissionState).status !== raw.status
  ) {
    throw new LedgerCorruptError(
      lastPosition,
      'the projected state disagrees with its row; rebuild projections',
    );
  }
  // Written by this adapter from a folded domain state, and its status checked above.
  const state = storedState(parsed);
  return {
    streamId: text(raw, 'streamId', lastPosition),
    commandId: text(raw, 'commandId', lastPosition),
    conversationRef: text(raw, 'conversationRef', lastPosition),
    status: state.status as TransmissionProjection['status'],
    retryAtMs: state.retryAtMs,
    sequence: integer(raw, 'sequence', lastPosition),
    attempts: state.attempts,
    lastPosition,
    lastVersion: integer(raw, 'lastVersion', lastPosition),
    state,
  };
}

/** The values of a `transmissions` row, in the order of the upsert's parameters. */
export function projectionValues(projection: TransmissionProjection): unknown[] {
  return [
    projection.streamId,
    projection.commandId,
    projection.conversationRef,
    projection.status,
    projection.retryAtMs,
    projection.sequence,
    projection.attempts,
    projection.lastPosition,
    projection.lastVersion,
    canonicalJson(projection.state),
  ];
}

/** One row of a dead-letter listing. */
export function toDeadLettered(row: RawRow): DeadLetteredTransmission {
  const position = integer(row, 'position', 0);
  return {
    streamId: text(row, 'streamId', position),
    commandId: text(row, 'commandId', position),
    conversationRef: text(row, 'conversationRef', position),
    position,
  };
}

/** The `ledger_head` row (or the last event) as a head; anything else is a damaged schema. */
export function headOf(row: Readonly<Record<string, unknown>>): LedgerHead {
  const position = Number(row.position);
  if (!Number.isSafeInteger(position) || typeof row.hash !== 'string') {
    throw new LedgerUnavailableError(
      'the ledger head is not a position and a hash; the schema is damaged',
    );
  }
  return { position, hash: row.hash };
}
