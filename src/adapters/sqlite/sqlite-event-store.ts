import type { Database } from 'better-sqlite3';
import { LedgerClosedError, LedgerReadOnlyError } from '../../application/errors.js';
import { GENESIS_HASH } from '../../application/ledger/hash-chain.js';
import { versionsOf } from '../../application/ledger/stream-versions.js';
import { checkImportContinues } from '../../application/ledger/ledger-copy.js';
import {
  checkExpectedVersion,
  decodeStoredRow,
  encodeAppendRequest,
  pageLimit,
  planAppend,
  type EncodedEvent,
  type StoredRow,
} from '../../application/ledger/ledger-rows.js';
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
import { asLedgerError, openConnection } from './sqlite-connection.js';
import { SQLITE_LEDGER_DEFAULTS, type SqliteLedgerSettings } from './sqlite-ledger-options.js';
import { schemaVersion } from './sqlite-migrations.js';
import { insertStoredRow, prepareStatements, type LedgerStatements } from './sqlite-statements.js';
import { toStoredRow, toStoredRowFromColumns } from './sqlite-rows.js';

/** What the ledger did, for tests and `gtx doctor`-style diagnostics. */
export interface SqliteLedgerDiagnostics {
  readonly journalMode: string;
  readonly synchronous: 'FULL' | 'NORMAL' | 'OFF' | 'EXTRA';
  readonly busyTimeoutMs: number;
  readonly schemaVersion: number;
  /** Write transactions committed or attempted by group commit since open. */
  readonly writeTransactions: number;
  readonly appendRequests: number;
}

interface PendingAppend {
  readonly request: AppendRequest;
  readonly encoded: readonly EncodedEvent[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

type Outcome =
  | { readonly ok: true; readonly result: AppendResult }
  | { readonly ok: false; readonly error: Error };

/** Bounds one transaction's size when a burst queues many requests in one tick. */
const MAX_REQUESTS_PER_TRANSACTION = 500;
const SYNCHRONOUS_NAMES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;

/**
 * The event store on one SQLite file in WAL mode. Appends that arrive in the same tick are
 * written in one transaction (group commit: one fsync for many requests), each request in its
 * own savepoint so a conflict refuses that request only. Inline projections (the work queue)
 * are written in the same savepoint as the events they follow.
 */
export class SqliteEventStore implements EventStore, StoredRowReader {
  private readonly statements: LedgerStatements;
  private readonly readPageSize: number;
  private readonly maxRequestsPerTransaction: number;
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private writeTransactions = 0;
  private appendRequests = 0;
  private readonly readOnly: boolean;

  private projections: readonly InlineProjection[] = [];

  /** Takes over `db`: closing the store closes the connection. */
  constructor(
    private readonly db: Database,
    settings: SqliteLedgerSettings,
    private readonly clock: Clock,
  ) {
    this.readOnly = settings.readOnly === true;
    this.readPageSize = Math.max(1, settings.readPageSize ?? SQLITE_LEDGER_DEFAULTS.readPageSize);
    this.maxRequestsPerTransaction =
      (settings.groupCommit ?? SQLITE_LEDGER_DEFAULTS.groupCommit)
        ? MAX_REQUESTS_PER_TRANSACTION
        : 1;
    try {
      this.statements = prepareStatements(this.db);
      // Page reads return arrays (toStoredRowFromColumns): cheaper to build than named rows.
      for (const read of [
        this.statements.readAll,
        this.statements.readAllByType,
        this.statements.readAllByStream,
        this.statements.readAllByTypeAndStream,
      ]) {
        read.raw(true);
      }
      // Read once at open: a file whose last row cannot be read is reported now, not mid-append.
      this.readHead();
    } catch (error) {
      this.db.close();
      throw asLedgerError(error);
    }
  }

  /** Opens the file (creating and migrating it when needed); throws `LedgerUnavailableError`. */
  static open(settings: SqliteLedgerSettings, clock: Clock): SqliteEventStore {
    const db = openConnection({
      path: settings.path,
      synchronous: settings.synchronous ?? SQLITE_LEDGER_DEFAULTS.synchronous,
      busyTimeoutMs: settings.busyTimeoutMs ?? SQLITE_LEDGER_DEFAULTS.busyTimeoutMs,
      ...(settings.readOnly === true ? { readOnly: true } : {}),
    });
    return new SqliteEventStore(db, settings, clock);
  }

  /** The connection, for stores that share the file (the work queue, guest keys). */
  connection(): Database {
    this.assertOpen();
    return this.db;
  }

  /** Read models kept in the same transaction as the events; set before the first append. */
  useInlineProjections(projections: readonly InlineProjection[]): void {
    this.projections = projections;
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.closing !== null) return Promise.reject(new LedgerClosedError());
    if (this.readOnly) return Promise.reject(new LedgerReadOnlyError());
    let encoded: readonly EncodedEvent[];
    try {
      encoded = encodeAppendRequest(request);
    } catch (error) {
      return Promise.reject(asLedgerError(error));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ request, encoded, resolve, reject });
      this.scheduleFlush();
    });
  }

  readStream(streamId: string): Promise<readonly RecordedEvent[]> {
    return this.run(() =>
      this.statements.readStream.all(streamId).map((raw) => decodeStoredRow(toStoredRow(raw))),
    );
  }

  readAll(options: ReadAllOptions): Promise<readonly RecordedEvent[]> {
    return this.run(() => this.readPage(options).map(decodeStoredRow));
  }

  readStoredRows(options: ReadAllOptions): Promise<readonly StoredRow[]> {
    return this.run(() => this.readPage(options));
  }

  streamVersionsBefore(
    streamIds: readonly string[],
    position: number,
  ): Promise<ReadonlyMap<string, number>> {
    return this.run(() => {
      const found = this.statements.streamVersionsBefore.all({
        streamIds: JSON.stringify(streamIds),
        position,
      }) as { streamId: string; version: number }[];
      return versionsOf(streamIds, found);
    });
  }

  head(): Promise<LedgerHead> {
    return this.run(() => this.readHead());
  }

  /** Waits for appends already queued, then closes the file. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.flushing !== null) await this.flushing;
      this.db.close();
    })();
    return this.closing;
  }

  /**
   * Inserts rows exactly as another ledger stored them (positions, times, hashes), in one
   * transaction; `gtx ledger copy` uses it. The rows must continue this ledger's head, which the
   * chain trigger enforces row by row. Inline projections are not run: rebuild them after.
   */
  importStoredRows(rows: readonly StoredRow[]): Promise<void> {
    if (this.readOnly) return Promise.reject(new LedgerReadOnlyError());
    return this.run(() => {
      this.db
        .transaction(() => {
          checkImportContinues(this.readHead(), rows);
          for (const row of rows) insertStoredRow(this.statements, row);
        })
        .immediate();
    });
  }

  diagnostics(): SqliteLedgerDiagnostics {
    this.assertOpen();
    const synchronous = Number(this.db.pragma('synchronous', { simple: true }));
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: SYNCHRONOUS_NAMES[synchronous] ?? 'FULL',
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
      schemaVersion: schemaVersion(this.db),
      writeTransactions: this.writeTransactions,
      appendRequests: this.appendRequests,
    };
  }

  private assertOpen(): void {
    if (this.closing !== null) throw new LedgerClosedError();
  }

  private run<T>(operation: () => T): Promise<T> {
    try {
      this.assertOpen();
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(asLedgerError(error));
    }
  }

  private readHead(): LedgerHead {
    const row = this.statements.head.get() as { position: unknown; hash: unknown } | undefined;
    if (row === undefined) return { position: 0, hash: GENESIS_HASH };
    return { position: Number(row.position), hash: String(row.hash) };
  }

  private readPage(options: ReadAllOptions): StoredRow[] {
    const limit = pageLimit(options.limit, this.readPageSize);
    if (limit === 0) return [];
    const params = {
      afterPosition: Math.max(0, Math.floor(options.afterPosition)),
      limit,
      types: JSON.stringify(options.types ?? []),
      streamIds: JSON.stringify(options.streamIds ?? []),
    };
    const statement = this.readAllStatement(
      options.types !== undefined,
      options.streamIds !== undefined,
    );
    return statement.all(params).map(toStoredRowFromColumns);
  }

  private readAllStatement(byType: boolean, byStream: boolean): LedgerStatements['readAll'] {
    if (byType && byStream) return this.statements.readAllByTypeAndStream;
    if (byType) return this.statements.readAllByType;
    if (byStream) return this.statements.readAllByStream;
    return this.statements.readAll;
  }

  // ---- group commit ------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushing !== null) return;
    // setImmediate runs after the current tick's microtasks: every append issued in this tick,
    // including those issued from resolved promises, joins the same transaction.
    this.flushing = new Promise((resolve) => {
      setImmediate(() => {
        this.flushQueue();
        this.flushing = null;
        resolve();
      });
    });
  }

  private flushQueue(): void {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxRequestsPerTransaction);
      const outcomes = this.commitBatch(batch);
      batch.forEach((pending, index) => {
        const outcome = outcomes[index];
        if (outcome?.ok === true) pending.resolve(outcome.result);
        else pending.reject(outcome?.error ?? new Error('group commit lost a request'));
      });
    }
  }

  /** One transaction for the batch; outcomes are settled only after COMMIT succeeded. */
  private commitBatch(batch: readonly PendingAppend[]): readonly Outcome[] {
    this.writeTransactions += 1;
    this.appendRequests += batch.length;
    try {
      return this.db
        .transaction(() => {
          // Read inside the write lock, so another process appending to the file is followed.
          let head = this.readHead();
          return batch.map((pending): Outcome => {
            try {
              const { result, next } = this.appendInSavepoint(head, pending);
              head = next;
              return { ok: true, result };
            } catch (error) {
              return { ok: false, error: asLedgerError(error) };
            }
          });
        })
        .immediate();
    } catch (error) {
      const failure = asLedgerError(error);
      return batch.map(() => ({ ok: false, error: failure }));
    }
  }

  /** A nested better-sqlite3 transaction is a SAVEPOINT: a throw rolls back this request only. */
  private appendInSavepoint(
    head: LedgerHead,
    pending: PendingAppend,
  ): { result: AppendResult; next: LedgerHead } {
    return this.db.transaction(() => {
      const { streamId, expectedVersion } = pending.request;
      const currentVersion = this.currentVersion(streamId);
      checkExpectedVersion(streamId, expectedVersion, currentVersion);
      const plan = planAppend(head, streamId, currentVersion, pending.encoded, this.clock.now());
      const writes = this.projections
        .filter((projection) => projection.handles(streamId))
        .map((projection) => projection.project(plan.events, pending.request));
      for (const row of plan.rows) insertStoredRow(this.statements, row);
      for (const write of writes) write();
      const first = plan.rows[0]?.position ?? plan.head.position;
      const result: AppendResult = {
        streamId,
        streamVersion: currentVersion + plan.rows.length,
        firstPosition: first,
        lastPosition: plan.head.position,
      };
      return { result, next: plan.head };
    })();
  }

  private currentVersion(streamId: string): number {
    const row = this.statements.streamVersion.get(streamId) as { version: number };
    return row.version;
  }
}
