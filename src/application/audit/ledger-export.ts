import { stringify } from 'csv-stringify/sync';
import { epochMsToIso, isAgentMessageStream, isoToEpochMs } from '../../domain/index.js';
import { LedgerCorruptError } from '../errors.js';
import { canonicalJson } from '../ledger/canonical-json.js';
import { readAllPages } from '../ledger/ledger-pages.js';
import { unparsableColumn } from '../ledger/ledger-rows.js';
import { isTransmissionStream } from '../ledger/transmission-projection.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventStore, LedgerHead, RecordedEvent } from '../ports/event-store.port.js';
import {
  readsStoredRows,
  type StoredRow,
  type StoredRowReader,
} from '../ports/stored-row-reader.port.js';
import { isFullExport, type ExportFilter } from './export-filter.js';

/**
 * Turns a stored row into something a person may read beside it (the personal-data vault plugs
 * decryption in here). Its result is written under `view`; the stored row is never changed.
 */
export interface RowViewer {
  view(row: RecordedEvent): Promise<Record<string, unknown> | null>;
}

export type ExportFormat = 'ndjson' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv'];

export const EXPORT_FORMAT = 'gtx-audit-export';
export const EXPORT_END_FORMAT = 'gtx-audit-export-end';

/** The first NDJSON line: what was exported from which ledger head, and whether it is all of it. */
export interface ExportHeader {
  readonly format: typeof EXPORT_FORMAT;
  readonly version: 1;
  readonly exportedAt: string;
  /** The ledger's head when the export started; no row after it is exported. */
  readonly head: LedgerHead;
  /** True when a filter was applied: the rows do not form the whole chain. */
  readonly partial: boolean;
  readonly filter: ExportFilter;
}

/** The last NDJSON line: a file without it was cut off. */
export interface ExportTrailer {
  readonly format: typeof EXPORT_END_FORMAT;
  readonly count: number;
  readonly lastPosition: number | null;
}

/** One exported row: the stored row exactly as the ledger reads it, plus its prev hash. */
export interface ExportedRow {
  readonly position: number;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly recordedAt: string;
  readonly data: unknown;
  readonly metadata: RecordedEvent['metadata'];
  readonly prevHash: string;
  readonly hash: string;
  readonly view?: Record<string, unknown> | null;
}

export interface ExportSummary {
  readonly header: ExportHeader;
  readonly count: number;
  readonly firstPosition: number | null;
  readonly lastPosition: number | null;
}

/** Where export text goes; `write` resolves when the sink can take more (backpressure). */
export interface TextSink {
  write(text: string): Promise<void>;
}

export interface ExportOptions {
  readonly format: ExportFormat;
  readonly filter: ExportFilter;
  readonly viewer?: RowViewer;
  /** Rows read per page; default 1000. */
  readonly pageSize?: number;
  /**
   * Called as the export moves through the ledger: the position reached (of the last row
   * written) and the head it exports up to; a filter may leave most positions out.
   */
  readonly onProgress?: (position: number, headPosition: number) => void;
}

export const CSV_COLUMNS = [
  'position',
  'stream_id',
  'stream_version',
  'type',
  'schema_version',
  'recorded_at',
  'data',
  'metadata',
  'prev_hash',
  'hash',
] as const;

/** Text is handed to the sink in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

function recordedAtMs(row: RecordedEvent): number {
  const ms = isoToEpochMs(row.recordedAt);
  if (ms === null)
    throw new LedgerCorruptError(row.position, 'recorded_at is not an ISO-8601 UTC time');
  return ms;
}

function guestOf(row: RecordedEvent): string | null {
  const data = row.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const guestId = (data as Record<string, unknown>).guestId;
  return typeof guestId === 'string' ? guestId : null;
}

/**
 * The rows a filter selects, in position order, up to `head`. Stream and type filters are read
 * by the ledger's indexes; time and guest filters are applied while scanning (a guest's streams
 * are known from their first event, which carries `guestId`), so memory stays flat.
 */
export async function* selectRows(
  ledger: EventStore,
  filter: ExportFilter,
  head: LedgerHead,
  pageSize = 1000,
): AsyncGenerator<RecordedEvent, void, undefined> {
  const guests = filter.guests === undefined ? null : new Set(filter.guests);
  // A guest's later events carry no guestId: types are filtered here so the first one is seen.
  const typesInScan = guests === null ? filter.types : undefined;
  const types = filter.types === undefined ? null : new Set(filter.types);
  const sinceMs = filter.since === undefined ? null : isoToEpochMs(filter.since);
  const untilMs = filter.until === undefined ? null : isoToEpochMs(filter.until);
  const guestStreams = new Set<string>();
  const scan = readAllPages(ledger, {
    limit: pageSize,
    ...(typesInScan === undefined ? {} : { types: typesInScan }),
    ...(filter.streams === undefined ? {} : { streamIds: filter.streams }),
  });
  for await (const row of scan) {
    if (row.position > head.position) return;
    if (guests !== null) {
      if (!isTransmissionStream(row.streamId) && !isAgentMessageStream(row.streamId)) continue;
      const guestId = guestOf(row);
      if (guestId !== null && guests.has(guestId)) guestStreams.add(row.streamId);
      if (!guestStreams.has(row.streamId)) continue;
    }
    if (types !== null && !types.has(row.type)) continue;
    if (sinceMs !== null && recordedAtMs(row) < sinceMs) continue;
    if (untilMs !== null && recordedAtMs(row) >= untilMs) continue;
    yield row;
  }
}

async function toExportedRow(
  row: RecordedEvent,
  viewer: RowViewer | undefined,
): Promise<ExportedRow> {
  if (row.prevHash === undefined) {
    throw new LedgerCorruptError(row.position, 'the ledger did not return the row’s prev hash');
  }
  const stored: ExportedRow = {
    position: row.position,
    streamId: row.streamId,
    streamVersion: row.streamVersion,
    type: row.type,
    schemaVersion: row.schemaVersion,
    recordedAt: row.recordedAt,
    data: row.data,
    metadata: row.metadata,
    prevHash: row.prevHash,
    hash: row.hash,
  };
  if (viewer === undefined) return stored;
  const view = await viewer.view(row);
  // Refuses what JSON cannot hold rather than letting JSON.stringify drop it silently.
  if (view !== null) canonicalJson(view);
  return { ...stored, view };
}

/**
 * The rows of a filter that needs no decoded value (stream, type and time filters), read as
 * stored, in position order, up to `head`.
 */
async function* selectStoredRows(
  ledger: StoredRowReader,
  filter: ExportFilter,
  head: LedgerHead,
  pageSize = 1000,
): AsyncGenerator<readonly StoredRow[], void, undefined> {
  const sinceMs = filter.since === undefined ? null : isoToEpochMs(filter.since);
  const untilMs = filter.until === undefined ? null : isoToEpochMs(filter.until);
  let afterPosition = 0;
  for (;;) {
    const page = await ledger.readStoredRows({
      afterPosition,
      limit: pageSize,
      ...(filter.types === undefined ? {} : { types: filter.types }),
      ...(filter.streams === undefined ? {} : { streamIds: filter.streams }),
    });
    const last = page.at(-1);
    if (last === undefined) return;
    const selected: StoredRow[] = [];
    for (const row of page) {
      if (row.position > head.position) break;
      if (sinceMs !== null || untilMs !== null) {
        const ms = isoToEpochMs(row.recordedAt);
        if (ms === null) {
          throw new LedgerCorruptError(row.position, 'recorded_at is not an ISO-8601 UTC time');
        }
        if (sinceMs !== null && ms < sinceMs) continue;
        if (untilMs !== null && ms >= untilMs) continue;
      }
      // The line pastes the stored text: it must be JSON, or the file would not be NDJSON.
      const problem = unparsableColumn(row);
      if (problem !== null) throw new LedgerCorruptError(row.position, problem);
      selected.push(row);
    }
    yield selected;
    if (last.position >= head.position) return;
    afterPosition = last.position;
  }
}

/**
 * The NDJSON line of a stored row: the same bytes as JSON.stringify of its `ExportedRow`, with
 * the stored canonical data and metadata text written as it is instead of parsed and
 * serialised again (it is what the chain hashed; a decoded value re-serialised can differ from
 * it, an object with integer-like keys for one).
 */
function storedNdjsonLine(row: StoredRow): string {
  return `{"position":${String(row.position)},"streamId":${JSON.stringify(row.streamId)},"streamVersion":${String(row.streamVersion)},"type":${JSON.stringify(row.type)},"schemaVersion":${String(row.schemaVersion)},"recordedAt":${JSON.stringify(row.recordedAt)},"data":${row.dataJson},"metadata":${row.metadataJson},"prevHash":${JSON.stringify(row.prevHash)},"hash":${JSON.stringify(row.hash)}}\n`;
}

function ndjsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

function csvRecord(row: ExportedRow, withView: boolean): string {
  const values: (string | number)[] = [
    row.position,
    row.streamId,
    row.streamVersion,
    row.type,
    row.schemaVersion,
    row.recordedAt,
    canonicalJson(row.data),
    canonicalJson(row.metadata),
    row.prevHash,
    row.hash,
  ];
  if (withView)
    values.push(row.view === undefined || row.view === null ? '' : canonicalJson(row.view));
  return stringify([values], { record_delimiter: 'unix' });
}

/**
 * Writes the selected rows to a sink as NDJSON (header line, one row per line, trailer line) or
 * CSV (a header row, one record per row; JSON columns as canonical JSON text). Rows after the
 * head read at the start are left out, so the export is one consistent cut of the ledger.
 */
interface ExportLine {
  readonly position: number;
  readonly line: string;
}

async function* storedLines(
  ledger: StoredRowReader,
  filter: ExportFilter,
  head: LedgerHead,
  pageSize: number | undefined,
): AsyncGenerator<readonly ExportLine[], void, undefined> {
  for await (const rows of selectStoredRows(ledger, filter, head, pageSize)) {
    yield rows.map((row) => ({ position: row.position, line: storedNdjsonLine(row) }));
  }
}

async function* decodedLines(
  ledger: EventStore,
  options: ExportOptions,
  head: LedgerHead,
  withView: boolean,
): AsyncGenerator<readonly ExportLine[], void, undefined> {
  for await (const row of selectRows(ledger, options.filter, head, options.pageSize)) {
    const exported = await toExportedRow(row, options.viewer);
    const line = options.format === 'ndjson' ? ndjsonLine(exported) : csvRecord(exported, withView);
    yield [{ position: row.position, line }];
  }
}

export async function writeExport(
  ledger: EventStore,
  clock: Clock,
  options: ExportOptions,
  sink: TextSink,
): Promise<ExportSummary> {
  const head = await ledger.head();
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    version: 1,
    exportedAt: epochMsToIso(clock.now()),
    head,
    partial: !isFullExport(options.filter),
    filter: options.filter,
  };
  const withView = options.viewer !== undefined;
  let buffer =
    options.format === 'ndjson'
      ? ndjsonLine(header)
      : stringify([[...CSV_COLUMNS, ...(withView ? ['view'] : [])]], { record_delimiter: 'unix' });
  let count = 0;
  let firstPosition: number | null = null;
  let lastPosition: number | null = null;
  const lines =
    options.format === 'ndjson' &&
    options.viewer === undefined &&
    options.filter.guests === undefined &&
    readsStoredRows(ledger)
      ? storedLines(ledger, options.filter, head, options.pageSize)
      : decodedLines(ledger, options, head, withView);
  for await (const batch of lines) {
    for (const { position, line } of batch) {
      buffer += line;
      count += 1;
      firstPosition ??= position;
      lastPosition = position;
      if (buffer.length >= CHUNK_CHARS) {
        await sink.write(buffer);
        buffer = '';
        options.onProgress?.(position, head.position);
      }
    }
  }
  if (options.format === 'ndjson') {
    const trailer: ExportTrailer = { format: EXPORT_END_FORMAT, count, lastPosition };
    buffer += ndjsonLine(trailer);
  }
  if (buffer.length > 0) await sink.write(buffer);
  options.onProgress?.(head.position, head.position);
  return { header, count, firstPosition, lastPosition };
}
