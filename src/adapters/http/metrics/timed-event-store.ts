import { performance } from 'node:perf_hooks';
import type {
  AppendRequest,
  AppendResult,
  EventStore,
  LedgerHead,
  ReadAllOptions,
  RecordedEvent,
  StoredRow,
} from '../../../application/ports/index.js';
import { readsStoredRows } from '../../../application/ports/index.js';

/** Told about every append the decorated store made or refused, with how long it took. */
export interface LedgerAppendListener {
  appended(request: AppendRequest, result: AppendResult, seconds: number): void;
  appendFailed(request: AppendRequest, error: unknown, seconds: number): void;
}

/**
 * An EventStore decorator that times appends and reports what was appended, so metrics see
 * exactly what the store holds without the SQLite adapter knowing about metrics.
 */
export class TimedEventStore implements EventStore {
  /**
   * There exactly when the decorated store reads stored rows (StoredRowReader's two methods):
   * `readsStoredRows` sees through
   * the decorator, so a verify or export through it hashes and writes the stored text.
   */
  readonly readStoredRows?: (options: ReadAllOptions) => Promise<readonly StoredRow[]>;
  readonly streamVersionsBefore?: (
    streamIds: readonly string[],
    position: number,
  ) => Promise<ReadonlyMap<string, number>>;

  constructor(
    private readonly inner: EventStore,
    private readonly listener: LedgerAppendListener,
  ) {
    if (readsStoredRows(inner)) {
      this.readStoredRows = (options) => inner.readStoredRows(options);
      this.streamVersionsBefore = (streamIds, position) =>
        inner.streamVersionsBefore(streamIds, position);
    }
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const started = performance.now();
    try {
      const result = await this.inner.append(request);
      this.listener.appended(request, result, (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      this.listener.appendFailed(request, error, (performance.now() - started) / 1000);
      throw error;
    }
  }

  readStream(streamId: string): Promise<readonly RecordedEvent[]> {
    return this.inner.readStream(streamId);
  }

  readAll(options: ReadAllOptions): Promise<readonly RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  head(): Promise<LedgerHead> {
    return this.inner.head();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
