import {
  evolve,
  FINAL_STATUSES,
  initialState,
  transmissionStreamId,
  type TransmissionEvent,
  type TransmissionState,
  type TransmissionStatus,
} from '../../domain/index.js';
import type { RecordedEvent } from '../ports/event-store.port.js';
import type { OpenTransmission } from '../ports/work-queue.port.js';
import { LedgerCorruptError } from '../errors.js';
import { InvalidTransmissionEventError, LedgerInvalidEventError } from './ledger-errors.js';
import { upcast, UpcastError } from './transmission-upcasters.js';

const TRANSMISSION_STREAM_PREFIX = transmissionStreamId('');

/**
 * One row of the inline projection of a transmission stream: what finding work needs, plus the
 * folded domain state so the next append continues the fold without re-reading the stream.
 */
export interface TransmissionProjection {
  readonly streamId: string;
  readonly commandId: string;
  readonly conversationRef: string;
  readonly status: Exclude<TransmissionStatus, 'none'>;
  readonly retryAtMs: number | null;
  /**
   * The order within its conversation: the position of the stream's first event, or of the
   * redrive that re-opened it last.
   */
  readonly sequence: number;
  readonly attempts: number;
  readonly lastPosition: number;
  readonly lastVersion: number;
  readonly state: TransmissionState;
}

export type OpenTransmissionProjection = TransmissionProjection & {
  readonly status: OpenTransmission['status'];
};

export function isTransmissionStream(streamId: string): boolean {
  return streamId.startsWith(TRANSMISSION_STREAM_PREFIX);
}

export function isOpenProjection(
  projection: TransmissionProjection,
): projection is OpenTransmissionProjection {
  return !FINAL_STATUSES.has(projection.status);
}

export function toOpenTransmission(projection: OpenTransmissionProjection): OpenTransmission {
  return {
    streamId: projection.streamId,
    commandId: projection.commandId,
    conversationRef: projection.conversationRef,
    status: projection.status,
    retryAtMs: projection.retryAtMs,
    sequence: projection.sequence,
  };
}

/**
 * A folded state as a projection row stored it. Rows written before the redrive fields existed
 * lack them and get the initial values: decisions fold the stream's own events, and the row
 * only continues the fold, so no rebuild is needed after an upgrade.
 */
export function storedState(stored: Partial<TransmissionState>): TransmissionState {
  return { ...initialState, ...stored };
}

/** Reads a stored row as a domain event, or throws `InvalidTransmissionEventError`. */
export function toTransmissionEvent(row: RecordedEvent): TransmissionEvent {
  try {
    return upcast(row.type, row.schemaVersion, row.data);
  } catch (error) {
    if (!(error instanceof UpcastError)) throw error;
    throw new InvalidTransmissionEventError(row.streamId, row.position, error.reason, error);
  }
}

/**
 * Runs `read` and reports an invalid transmission event as `rename` says: corruption for rows
 * read back from storage, a refused append for rows being written.
 */
function renamingInvalid<T>(
  read: () => T,
  rename: (invalid: InvalidTransmissionEventError) => Error,
): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof InvalidTransmissionEventError)) throw error;
    throw rename(error);
  }
}

const asCorruption = (invalid: InvalidTransmissionEventError): Error =>
  new LedgerCorruptError(invalid.position, invalid.reason, invalid);

/** As `toTransmissionEvent`, for rows read back from storage: a failure there is corruption. */
export function readTransmissionEvent(row: RecordedEvent): TransmissionEvent {
  return renamingInvalid(() => toTransmissionEvent(row), asCorruption);
}

/**
 * Folds newly appended events of one stream into its projection. Returns null for streams that
 * are not transmissions (the projection ignores them); throws `InvalidTransmissionEventError`
 * when the events break the lifecycle the projection relies on.
 */
export function projectTransmission(
  current: TransmissionProjection | null,
  events: readonly RecordedEvent[],
): TransmissionProjection | null {
  let projection = current;
  for (const row of events) {
    if (!isTransmissionStream(row.streamId)) return null;
    projection = applyRow(projection, row);
  }
  return projection;
}

function applyRow(
  current: TransmissionProjection | null,
  row: RecordedEvent,
): TransmissionProjection {
  const event = toTransmissionEvent(row);
  const invalid = (reason: string): InvalidTransmissionEventError =>
    new InvalidTransmissionEventError(row.streamId, row.position, reason);
  if (current === null) return startProjection(row, event, invalid);
  if (event.type === 'TransmissionRedriven') return reopen(current, event, row, invalid);
  if (!isOpenProjection(current))
    throw invalid(`${event.type} after the transmission became ${current.status}`);
  if (event.type === 'TransmissionRequested' || event.type === 'TransmissionRejected') {
    throw invalid(`${event.type} on a transmission that was already requested`);
  }
  return withState(current, evolve(current.state, event), row);
}

/**
 * A redrive re-opens a dead letter as work. Its place in the conversation is the redrive's
 * position, not the request's: it waits behind whatever of its conversation is open already
 * (queued while it lay dead), instead of holding those up again behind a message that failed.
 */
function reopen(
  current: TransmissionProjection,
  event: TransmissionEvent,
  row: RecordedEvent,
  invalid: (reason: string) => InvalidTransmissionEventError,
): TransmissionProjection {
  if (current.status !== 'deadLettered') {
    throw invalid(`${event.type} of a transmission that is ${current.status}, not dead-lettered`);
  }
  return { ...withState(current, evolve(current.state, event), row), sequence: row.position };
}

function startProjection(
  row: RecordedEvent,
  event: TransmissionEvent,
  invalid: (reason: string) => InvalidTransmissionEventError,
): TransmissionProjection {
  if (event.type !== 'TransmissionRequested' && event.type !== 'TransmissionRejected') {
    throw invalid(`a transmission stream must start with a request, not ${event.type}`);
  }
  // The stream id is how callers find a command again: it must be the command's own.
  if (transmissionStreamId(event.data.commandId) !== row.streamId) {
    throw invalid(`commandId ${event.data.commandId} does not belong to stream ${row.streamId}`);
  }
  const state = evolve(initialState, event);
  return {
    streamId: row.streamId,
    commandId: event.data.commandId,
    conversationRef: event.data.conversationRef,
    sequence: row.position,
    ...derived(state, row),
  };
}

function withState(
  current: TransmissionProjection,
  state: TransmissionState,
  row: RecordedEvent,
): TransmissionProjection {
  return { ...current, ...derived(state, row) };
}

function derived(
  state: TransmissionState,
  row: RecordedEvent,
): Pick<
  TransmissionProjection,
  'status' | 'retryAtMs' | 'attempts' | 'lastPosition' | 'lastVersion' | 'state'
> {
  // evolve never returns to 'none' once a request has been folded in.
  const status = state.status as Exclude<TransmissionStatus, 'none'>;
  return {
    status,
    retryAtMs: state.retryAtMs,
    attempts: state.attempts,
    lastPosition: row.position,
    lastVersion: row.streamVersion,
    state,
  };
}

/** Projects events being appended: a lifecycle violation refuses the append. */
export function projectAppended(
  current: TransmissionProjection | null,
  events: readonly RecordedEvent[],
): TransmissionProjection | null {
  return renamingInvalid(
    () => projectTransmission(current, events),
    (invalid) => new LedgerInvalidEventError(invalid.streamId, invalid.reason, invalid),
  );
}

/** Projects stored events: a lifecycle violation there means the ledger is corrupt. */
export function projectStored(
  current: TransmissionProjection | null,
  events: readonly RecordedEvent[],
): TransmissionProjection | null {
  return renamingInvalid(() => projectTransmission(current, events), asCorruption);
}

/**
 * Whether writing `next` over `current` may have made work claimable: a new (or re-opened)
 * open transmission, or one that became final (the next of its conversation becomes the head).
 * Work queues that can push tell waiting workers then.
 */
export function mayFreeWork(
  current: TransmissionProjection | null,
  next: TransmissionProjection,
): boolean {
  if (current === null || !isOpenProjection(current)) return isOpenProjection(next);
  return !isOpenProjection(next);
}
