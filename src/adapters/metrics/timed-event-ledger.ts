import { performance } from 'node:perf_hooks';
import { inject, injectable, type ServiceIdentifier } from 'inversify';
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
} from '../../application/ports/index.js';

/** Told about every append the decorated ledger made or refused, with how long it took. */
export interface LedgerAppendListener {
  appended(request: AppendRequest, result: AppendResult, seconds: number): void;
  appendFailed(request: AppendRequest, error: unknown, seconds: number): void;
}

export const TIMED_LEDGER_INNER: ServiceIdentifier<EventLedger> = Symbol.for(
  'gtx.metrics.TimedLedgerInner',
);
export const LEDGER_APPEND_LISTENER: ServiceIdentifier<LedgerAppendListener> = Symbol.for(
  'gtx.metrics.LedgerAppendListener',
);

/**
 * An EventLedger decorator that times appends and reports what was appended, so metrics see
 * exactly what the ledger holds without the SQLite adapter knowing about metrics.
 */
@injectable()
export class TimedEventLedger implements EventLedger {
  constructor(
    @inject(TIMED_LEDGER_INNER) private readonly inner: EventLedger,
    @inject(LEDGER_APPEND_LISTENER) private readonly listener: LedgerAppendListener,
  ) {}

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

  nextWork(query: NextWorkQuery): Promise<readonly OpenTransmission[]> {
    return this.inner.nextWork(query);
  }

  interruptedWork(limit: number): Promise<readonly OpenTransmission[]> {
    return this.inner.interruptedWork(limit);
  }

  transmissionCounts(): Promise<TransmissionCounts> {
    return this.inner.transmissionCounts();
  }

  rebuildProjections(): Promise<void> {
    return this.inner.rebuildProjections();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
