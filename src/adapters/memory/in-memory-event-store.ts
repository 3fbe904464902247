import { GENESIS_HASH } from '../../application/ledger/hash-chain.js';
import { versionsOf } from '../../application/ledger/stream-versions.js';
import {
  checkExpectedVersion,
  decodeStoredRow,
  encodeAppendRequest,
  pageLimit,
  planAppend,
  type StoredRow,
} from '../../application/ledger/ledger-rows.js';
import { OpenGuard } from './open-guard.js';
import type { InlineProjection } from '../../application/ledger/inline-projection.js';
import type { Clock } from '../../application/ports/clock.port.js';
import type {
  AppendRequest,
  AppendResult,
  EventStore,
  LedgerHead,
  ReadAllOptions,
  RecordedEvent,
} from '../../application/ports/event-store.port.js';
import type { StoredRowReader } from '../../application/ports/stored-row-reader.port.js';

export interface InMemoryEventStoreOptions {
  /** The most events one `readAll` returns; default 1000, as in the SQLite ledger. */
  readonly readPageSize?: number;
}

const DEFAULT_READ_PAGE_SIZE = 1000;

/**
 * The event store's twin for tests of upper layers. It keeps the same storage form (canonical
 * JSON text) and uses the same chain code as the SQLite store, so the same events at the same
 * times get the same positions and hashes, and reads return fresh copies.
 */
export class InMemoryEventStore implements EventStore, StoredRowReader {
  private readonly rows: StoredRow[] = [];
  /** Positions of each stream's rows, in version order. */
  private readonly streams = new Map<string, number[]>();
  private readonly readPageSize: number;
  private projections: readonly InlineProjection[] = [];
  private readonly guard = new OpenGuard();

  constructor(
    private readonly clock: Clock,
    options: InMemoryEventStoreOptions = {},
  ) {
    this.readPageSize = options.readPageSize ?? DEFAULT_READ_PAGE_SIZE;
  }

  /** Read models kept in step with every append (the work queue); set before appending. */
  useInlineProjections(projections: readonly InlineProjection[]): void {
    this.projections = projections;
  }

  /** Every event in position order, for a work queue rebuilding its projection. */
  allEvents(): readonly RecordedEvent[] {
    return this.rows.map(decodeStoredRow);
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return this.run(() => this.appendNow(request));
  }

  readStream(streamId: string): Promise<readonly RecordedEvent[]> {
    return this.run(() =>
      (this.streams.get(streamId) ?? []).map((position) => this.eventAt(position)),
    );
  }

  readAll(options: ReadAllOptions): Promise<readonly RecordedEvent[]> {
    return this.run(() => this.readAllNow(options).map(decodeStoredRow));
  }

  readStoredRows(options: ReadAllOptions): Promise<readonly StoredRow[]> {
    return this.run(() => this.readAllNow(options));
  }

  streamVersionsBefore(
    streamIds: readonly string[],
    position: number,
  ): Promise<ReadonlyMap<string, number>> {
    return this.run(() => {
      const found = streamIds.flatMap((streamId) => {
        const before = (this.streams.get(streamId) ?? []).filter((at) => at < position);
        const last = before.at(-1);
        const row = last === undefined ? undefined : this.rows[last - 1];
        return row === undefined ? [] : [{ streamId, version: row.streamVersion }];
      });
      return versionsOf(streamIds, found);
    });
  }

  head(): Promise<LedgerHead> {
    return this.run(() => this.currentHead());
  }

  close(): Promise<void> {
    return this.guard.close();
  }

  private run<T>(operation: () => T): Promise<T> {
    return this.guard.run(operation);
  }

  private appendNow(request: AppendRequest): AppendResult {
    const encoded = encodeAppendRequest(request);
    const { streamId } = request;
    const positions = this.streams.get(streamId) ?? [];
    checkExpectedVersion(streamId, request.expectedVersion, positions.length);
    const plan = planAppend(
      this.currentHead(),
      streamId,
      positions.length,
      encoded,
      this.clock.now(),
    );
    // Projected before anything is stored, so a refused append leaves no trace.
    const writes = this.projections
      .filter((projection) => projection.handles(request.streamId))
      .map((projection) => projection.project(plan.events, request));
    this.rows.push(...plan.rows);
    this.streams.set(streamId, [...positions, ...plan.rows.map((row) => row.position)]);
    for (const write of writes) write();
    const first = plan.rows[0];
    return {
      streamId,
      streamVersion: positions.length + plan.rows.length,
      firstPosition: first === undefined ? plan.head.position : first.position,
      lastPosition: plan.head.position,
    };
  }

  private readAllNow(options: ReadAllOptions): StoredRow[] {
    const limit = pageLimit(options.limit, this.readPageSize);
    const types = options.types === undefined ? null : new Set(options.types);
    const streamIds = options.streamIds === undefined ? null : new Set(options.streamIds);
    const page: StoredRow[] = [];
    // Positions are 1-based and gapless, so a position is its row's index plus one.
    for (
      let index = Math.max(0, Math.floor(options.afterPosition));
      index < this.rows.length;
      index += 1
    ) {
      if (page.length >= limit) break;
      const row = this.rows[index];
      if (row === undefined) break;
      if (types !== null && !types.has(row.type)) continue;
      if (streamIds !== null && !streamIds.has(row.streamId)) continue;
      page.push(row);
    }
    return page;
  }

  private eventAt(position: number): RecordedEvent {
    const row = this.rows[position - 1];
    if (row === undefined) throw new Error(`in-memory ledger lost position ${position}`);
    return decodeStoredRow(row);
  }

  private currentHead(): LedgerHead {
    const last = this.rows.at(-1);
    return last === undefined
      ? { position: 0, hash: GENESIS_HASH }
      : { position: last.position, hash: last.hash };
  }
}
