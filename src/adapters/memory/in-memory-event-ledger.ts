import { inject, injectable, optional, type ServiceIdentifier } from 'inversify';
import { GENESIS_HASH } from '../../application/ledger/hash-chain.js';
import {
  checkExpectedVersion,
  decodeStoredRow,
  encodeAppendRequest,
  pageLimit,
  planAppend,
  type StoredRow,
} from '../../application/ledger/ledger-rows.js';
import {
  isOpenProjection,
  projectAppended,
  projectStored,
  toOpenTransmission,
  type OpenTransmissionProjection,
  type TransmissionProjection,
} from '../../application/ledger/transmission-projection.js';
import { LedgerClosedError } from '../../application/errors.js';
import { CLOCK, type Clock } from '../../application/ports/clock.port.js';
import type {
  AppendRequest,
  AppendResult,
  EventLedger,
  LedgerHead,
  NextWorkQuery,
  OpenTransmission,
  ReadAllOptions,
  RecordedEvent,
  TransmissionCounts,
} from '../../application/ports/event-ledger.port.js';

export interface InMemoryEventLedgerOptions {
  /** The most events one `readAll` returns; default 1000, as in the SQLite ledger. */
  readonly readPageSize?: number;
}

export const IN_MEMORY_LEDGER_OPTIONS: ServiceIdentifier<InMemoryEventLedgerOptions> = Symbol.for(
  'gtx.InMemoryEventLedgerOptions',
);

const DEFAULT_READ_PAGE_SIZE = 1000;

/**
 * The ledger's twin for tests of upper layers. It keeps the same storage form (canonical JSON
 * text) and uses the same chain and projection code as the SQLite ledger, so the same events at
 * the same times get the same positions and hashes, and reads return fresh copies.
 */
@injectable()
export class InMemoryEventLedger implements EventLedger {
  private readonly rows: StoredRow[] = [];
  /** Positions of each stream's rows, in version order. */
  private readonly streams = new Map<string, number[]>();
  private readonly projections = new Map<string, TransmissionProjection>();
  private readonly readPageSize: number;
  private closed = false;

  constructor(
    @inject(CLOCK) private readonly clock: Clock,
    @inject(IN_MEMORY_LEDGER_OPTIONS) @optional() options: InMemoryEventLedgerOptions = {},
  ) {
    this.readPageSize = options.readPageSize ?? DEFAULT_READ_PAGE_SIZE;
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
    return this.run(() => this.readAllNow(options));
  }

  head(): Promise<LedgerHead> {
    return this.run(() => this.currentHead());
  }

  nextWork(query: NextWorkQuery): Promise<readonly OpenTransmission[]> {
    return this.run(() => selectNextWork(this.openProjections(), query));
  }

  interruptedWork(limit: number): Promise<readonly OpenTransmission[]> {
    return this.run(() =>
      this.openProjections()
        .filter((p) => p.status === 'inFlight')
        .slice(0, Math.max(0, limit))
        .map(toOpenTransmission),
    );
  }

  transmissionCounts(): Promise<TransmissionCounts> {
    return this.run(() => countProjections(this.projections.values()));
  }

  rebuildProjections(): Promise<void> {
    return this.run(() => {
      const rebuilt = new Map<string, TransmissionProjection>();
      for (const row of this.rows) {
        const event = decodeStoredRow(row);
        const projection = projectStored(rebuilt.get(event.streamId) ?? null, [event]);
        if (projection !== null) rebuilt.set(event.streamId, projection);
      }
      // Swapped in only once every row folded: a corrupt row leaves the old projection intact.
      this.projections.clear();
      for (const [streamId, projection] of rebuilt) this.projections.set(streamId, projection);
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Runs an operation as the SQLite ledger would: asynchronously, refusing once closed. */
  private run<T>(operation: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new LedgerClosedError());
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
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
    const projection = projectAppended(this.projections.get(streamId) ?? null, plan.events);
    this.rows.push(...plan.rows);
    this.streams.set(streamId, [...positions, ...plan.rows.map((row) => row.position)]);
    if (projection !== null) this.projections.set(streamId, projection);
    const first = plan.rows[0];
    return {
      streamId,
      streamVersion: positions.length + plan.rows.length,
      firstPosition: first === undefined ? plan.head.position : first.position,
      lastPosition: plan.head.position,
    };
  }

  private readAllNow(options: ReadAllOptions): RecordedEvent[] {
    const limit = pageLimit(options.limit, this.readPageSize);
    const types = options.types === undefined ? null : new Set(options.types);
    const streamIds = options.streamIds === undefined ? null : new Set(options.streamIds);
    const page: RecordedEvent[] = [];
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
      page.push(decodeStoredRow(row));
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

  private openProjections(): OpenTransmissionProjection[] {
    return [...this.projections.values()]
      .filter(isOpenProjection)
      .sort((a, b) => a.sequence - b.sequence);
  }
}

/**
 * The oldest open transmission of each conversation, when it is pending and due. An in-flight
 * head blocks its conversation: handing out the next one would break the order within it.
 */
function selectNextWork(
  openBySequence: readonly OpenTransmissionProjection[],
  query: NextWorkQuery,
): OpenTransmission[] {
  const seen = new Set<string>();
  const work: OpenTransmission[] = [];
  for (const projection of openBySequence) {
    if (work.length >= query.limit) break;
    if (seen.has(projection.conversationRef)) continue;
    seen.add(projection.conversationRef);
    if (query.excludeConversations.has(projection.conversationRef)) continue;
    if (projection.status !== 'pending') continue;
    if (projection.retryAtMs !== null && projection.retryAtMs > query.dueByMs) continue;
    work.push(toOpenTransmission(projection));
  }
  return work;
}

function countProjections(projections: Iterable<TransmissionProjection>): TransmissionCounts {
  const counts = { open: 0, rejected: 0, delivered: 0, deadLettered: 0 };
  for (const { status } of projections) {
    if (status === 'pending' || status === 'inFlight') counts.open += 1;
    else counts[status] += 1;
  }
  return counts;
}
