import { epochMsToIso } from '../../domain/index.js';
import { LedgerCorruptError, LedgerVersionConflictError } from '../errors.js';
import type {
  AppendRequest,
  EventMetadata,
  ExpectedVersion,
  LedgerHead,
  RecordedEvent,
} from '../ports/event-store.port.js';
import type { StoredRow } from '../ports/stored-row-reader.port.js';
import { canonicalJson } from './canonical-json.js';
import { chainHashOfEncoded } from './hash-chain.js';
import { LedgerInvalidEventError, NotCanonicalJsonError } from './ledger-errors.js';
import { isStorableText, UNSTORABLE_TEXT_REASON } from './storable-text.js';
import { isTransmissionStream, readTransmissionEvent } from './transmission-projection.js';

export type { StoredRow } from '../ports/stored-row-reader.port.js';

/** A new event checked and encoded before any storage is touched. */
export interface EncodedEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly dataJson: string;
  readonly metadataJson: string;
}

export interface PlannedAppend {
  readonly rows: readonly StoredRow[];
  readonly events: readonly RecordedEvent[];
  readonly head: LedgerHead;
}

/** Checks a request's shape and encodes its events; throws `LedgerInvalidEventError`. */
export function encodeAppendRequest(request: AppendRequest): readonly EncodedEvent[] {
  const streamId: unknown = request.streamId;
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new LedgerInvalidEventError(String(streamId), 'the stream id must be a non-empty string');
  }
  if (!isStorableText(streamId)) {
    throw new LedgerInvalidEventError(
      JSON.stringify(streamId),
      `the stream id ${UNSTORABLE_TEXT_REASON}`,
    );
  }
  checkExpectedVersionShape(streamId, request.expectedVersion);
  const events: unknown = request.events;
  if (!Array.isArray(events) || events.length === 0) {
    throw new LedgerInvalidEventError(streamId, 'an append needs at least one event');
  }
  return request.events.map((event, index) => encodeEvent(streamId, event, index));
}

function checkExpectedVersionShape(streamId: string, expected: unknown): void {
  if (expected === 'noStream' || expected === 'any') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new LedgerInvalidEventError(
    streamId,
    `expected version ${String(expected)} is not noStream, any or a version number`,
  );
}

function encodeEvent(
  streamId: string,
  event: AppendRequest['events'][number],
  index: number,
): EncodedEvent {
  const invalid = (reason: string, cause?: unknown): LedgerInvalidEventError =>
    new LedgerInvalidEventError(streamId, `event ${index}: ${reason}`, cause);
  const type: unknown = event.type;
  const schemaVersion: unknown = event.schemaVersion;
  if (typeof type !== 'string' || type.length === 0)
    throw invalid('type must be a non-empty string');
  if (!isStorableText(type)) throw invalid(`type ${UNSTORABLE_TEXT_REASON}`);
  if (!Number.isSafeInteger(schemaVersion) || (schemaVersion as number) < 1) {
    throw invalid('schemaVersion must be an integer >= 1');
  }
  if (!isMetadata(event.metadata)) throw invalid('metadata must be an object of strings');
  try {
    return {
      type,
      schemaVersion: schemaVersion as number,
      dataJson: canonicalJson(event.data),
      metadataJson: canonicalJson(event.metadata),
    };
  } catch (error) {
    if (!(error instanceof NotCanonicalJsonError)) throw error;
    throw invalid(error.message, error);
  }
}

function isMetadata(value: unknown): value is EventMetadata {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => v === undefined || typeof v === 'string');
}

/** The stream's current version is 0 when it has no events. */
export function checkExpectedVersion(
  streamId: string,
  expected: ExpectedVersion,
  currentVersion: number,
): void {
  if (expected === 'any') return;
  const wanted = expected === 'noStream' ? 0 : expected;
  if (wanted !== currentVersion)
    throw new LedgerVersionConflictError(streamId, expected, currentVersion);
}

/**
 * Numbers and chains the rows of one request after `head`. The recorded events (data and
 * metadata parsed back from the stored text) are built on first use only: most appends are to
 * streams no inline projection reads, and parsing every row just written cost as much as
 * hashing it.
 */
export function planAppend(
  head: LedgerHead,
  streamId: string,
  currentVersion: number,
  events: readonly EncodedEvent[],
  recordedAtMs: number,
): PlannedAppend {
  const recordedAt = epochMsToIso(recordedAtMs);
  const rows: StoredRow[] = [];
  let prevHash = head.hash;
  // Plain loops and object literals: object spreads here cost more than the hashing.
  for (let index = 0; index < events.length; index += 1) {
    const event = events[index];
    if (event === undefined) continue;
    const position = head.position + index + 1;
    const streamVersion = currentVersion + index + 1;
    const { type, schemaVersion, dataJson, metadataJson } = event;
    const base = { position, streamId, streamVersion, type, schemaVersion, recordedAt };
    const hash = chainHashOfEncoded(prevHash, base, dataJson, metadataJson);
    rows.push({
      position,
      streamId,
      streamVersion,
      type,
      schemaVersion,
      recordedAt,
      dataJson,
      metadataJson,
      prevHash,
      hash,
    });
    prevHash = hash;
  }
  let recorded: readonly RecordedEvent[] | null = null;
  return {
    rows,
    get events(): readonly RecordedEvent[] {
      recorded ??= rows.map(recordedEventOf);
      return recorded;
    },
    head: { position: head.position + events.length, hash: prevHash },
  };
}

/** An appended row as an event; its text was produced by canonicalJson, so it parses. */
function recordedEventOf(row: StoredRow): RecordedEvent {
  return {
    position: row.position,
    streamId: row.streamId,
    streamVersion: row.streamVersion,
    type: row.type,
    schemaVersion: row.schemaVersion,
    recordedAt: row.recordedAt,
    data: JSON.parse(row.dataJson) as unknown,
    metadata: JSON.parse(row.metadataJson) as EventMetadata,
    hash: row.hash,
    prevHash: row.prevHash,
  };
}

/**
 * Reads a stored row back as an event. Transmission events are also upcast, so a row the domain
 * could not read is reported here, naming its position, rather than deep in a use case.
 */
export function decodeStoredRow(row: StoredRow): RecordedEvent {
  const event: RecordedEvent = {
    position: row.position,
    streamId: row.streamId,
    streamVersion: row.streamVersion,
    type: row.type,
    schemaVersion: row.schemaVersion,
    data: parseColumn(row.position, 'data', row.dataJson),
    metadata: parseMetadata(row),
    recordedAt: row.recordedAt,
    hash: row.hash,
    prevHash: row.prevHash,
  };
  if (isTransmissionStream(event.streamId)) readTransmissionEvent(event);
  return event;
}

function parseColumn(position: number, column: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LedgerCorruptError(position, `${column} is not JSON`, error);
  }
}

function parseMetadata(row: StoredRow): EventMetadata {
  const metadata = parseColumn(row.position, 'metadata', row.metadataJson);
  if (!isMetadata(metadata))
    throw new LedgerCorruptError(row.position, 'metadata is not an object of strings');
  return metadata;
}

/** The effective page size of a `readAll`: never more than the adapter's page. */
export function pageLimit(limit: number, readPageSize: number): number {
  if (!Number.isFinite(limit) || limit < 1) return 0;
  return Math.min(Math.floor(limit), readPageSize);
}

/** The storage form of an event read back: what a copy writes so its hashes still verify. */
export function storedRowOf(event: RecordedEvent): StoredRow {
  return {
    position: event.position,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    type: event.type,
    schemaVersion: event.schemaVersion,
    dataJson: canonicalJson(event.data),
    metadataJson: canonicalJson(event.metadata),
    recordedAt: event.recordedAt,
    prevHash: event.prevHash ?? '',
    hash: event.hash,
  };
}

/**
 * Why a stored row's text would not decode (data not JSON, metadata not an object of strings),
 * or null: what a reader of stored text checks in place of decoding.
 */
export function unparsableColumn(row: StoredRow): string | null {
  try {
    JSON.parse(row.dataJson);
  } catch {
    return 'data is not JSON';
  }
  let metadata: unknown;
  try {
    metadata = JSON.parse(row.metadataJson);
  } catch {
    return 'metadata is not JSON';
  }
  if (
    typeof metadata !== 'object' ||
    metadata === null ||
    Array.isArray(metadata) ||
    !Object.values(metadata).every((value) => typeof value === 'string')
  ) {
    return 'metadata is not an object of strings';
  }
  return null;
}
