import { LedgerClosedError, LedgerUnavailableError } from '../../application/errors.js';
import { GENESIS_HASH } from '../../application/ledger/hash-chain.js';
import { versionsOf } from '../../application/ledger/stream-versions.js';
import {
  checkExpectedVersion,
  decodeStoredRow,
  encodeAppendRequest,
  pageLimit,
  planAppend,
  type EncodedEvent,
  type PlannedAppend,
  type StoredRow,
} from '../../application/ledger/ledger-rows.js';
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

export type { PostgresLedgerDiagnostics } from './postgres-database.js';
import type { PostgresDatabase, PostgresLedgerDiagnostics } from './postgres-database.js';
import { isConnectionLoss, isTransientConflict } from './postgres-errors.js';
import { batchStatement, BatchStatementRefusedError } from './postgres-append-batch.js';
import { decodeImportedRows, verifyImport } from './postgres-import.js';
import type { PostgresInlineProjection } from './postgres-inline-projection.js';
import { headOf, storedRowValues, toStoredRow } from './postgres-rows.js';
import type { PostgresSession } from './postgres-session.js';
import {
  eventStatements,
  readAllQuery,
  MAX_ROWS_PER_INSERT,
  type EventStatements,
} from './postgres-statements.js';

interface PendingAppend {
  readonly request: AppendRequest;
  readonly encoded: readonly EncodedEvent[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

type Outcome =
  | { readonly ok: true; readonly result: AppendResult; readonly head: LedgerHead }
  | { readonly ok: false; readonly error: Error };

/** Bounds one transaction's size when a burst queues many requests in one tick. */
const MAX_REQUESTS_PER_TRANSACTION = 500;

/**
 * The event store on PostgreSQL, for any number of processes on one schema. One hash chain for
 * all writers: each append transaction first locks the chain head row, then numbers and hashes
 * its rows, so positions are gapless and in commit order across processes (nobody can commit a
 * later position before an earlier one). Appends issued in one tick share one transaction (group
 * commit) and one INSERT; a conflict refuses that request only, and inline projections (the work
 * queue) are written in a savepoint of the request they follow.
 */
export class PostgresEventStore implements EventStore, StoredRowReader {
  private readonly statements: EventStatements;
  private readonly maxRequestsPerTransaction: number;
  private projections: readonly PostgresInlineProjection[] = [];
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private writeTransactions = 0;
  private appendRequests = 0;
  private separatedBatches = 0;

  /** Retains `database` until closed. */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly clock: Clock,
  ) {
    database.retain();
    this.statements = eventStatements(database.sqlSchema);
    this.maxRequestsPerTransaction = database.settings.groupCommit
      ? MAX_REQUESTS_PER_TRANSACTION
      : 1;
  }

  /** Resolves once the database is migrated; rejects with the coded error that stopped it. */
  ready(): Promise<void> {
    return this.database.ready();
  }

  /** Read models kept in the same transaction as the events; set before the first append. */
  useInlineProjections(projections: readonly PostgresInlineProjection[]): void {
    this.projections = projections;
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.closing !== null) return Promise.reject(new LedgerClosedError());
    let encoded: readonly EncodedEvent[];
    try {
      encoded = encodeAppendRequest(request);
    } catch (error) {
      return Promise.reject(this.database.failure(error));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ request, encoded, resolve, reject });
      this.scheduleFlush();
    });
  }

  async readStream(streamId: string): Promise<readonly RecordedEvent[]> {
    this.assertOpen();
    const result = await this.database.query(this.statements.readStream, [streamId]);
    return result.rows.map((raw) => decodeStoredRow(toStoredRow(raw)));
  }

  async readAll(options: ReadAllOptions): Promise<readonly RecordedEvent[]> {
    return (await this.readStoredRows(options)).map(decodeStoredRow);
  }

  async readStoredRows(options: ReadAllOptions): Promise<readonly StoredRow[]> {
    this.assertOpen();
    const limit = pageLimit(options.limit, this.database.settings.readPageSize);
    if (limit === 0) return [];
    const after = Math.max(0, Math.floor(options.afterPosition));
    const [sql, values] = readAllQuery(this.statements, after, limit, options);
    const result = await this.database.query(sql, values);
    return result.rows.map(toStoredRow);
  }

  async streamVersionsBefore(
    streamIds: readonly string[],
    position: number,
  ): Promise<ReadonlyMap<string, number>> {
    this.assertOpen();
    const { statements, database } = this;
    const found = await database.query(statements.streamVersionsBefore, [[...streamIds], position]);
    return versionsOf(streamIds, found.rows as { streamId: string; version: string | number }[]);
  }

  async head(): Promise<LedgerHead> {
    this.assertOpen();
    return this.readHead(this.database);
  }

  /**
   * Stores rows exactly as given (positions, hashes, times: a copy of another ledger, for
   * `gtx ledger copy`), in one transaction, and folds them into the inline projections. Refused
   * with `LEDGER_IMPORT_REFUSED`, writing nothing, unless they continue this ledger's head and
   * verify: consecutive positions, each hash recomputed over its row, stream versions that
   * continue the streams already stored.
   */
  async importStoredRows(rows: readonly StoredRow[]): Promise<void> {
    this.assertOpen();
    if (rows.length === 0) return;
    const events = decodeImportedRows(rows);
    await this.database.transaction(async (tx) => {
      const head = await this.lockHead(tx);
      await verifyImport(tx, this.statements, head, events);
      await this.insertAllRows(tx, rows);
      for (const projection of this.projections) await projection.projectImported(tx, events);
    });
  }

  /** Waits for appends already queued, then releases the database. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.flushing !== null) await this.flushing;
      await this.database.release();
    })();
    return this.closing;
  }

  diagnostics(): PostgresLedgerDiagnostics {
    return {
      ...this.database.stats(),
      schema: this.database.settings.schema,
      groupCommit: this.maxRequestsPerTransaction > 1,
      writeTransactions: this.writeTransactions,
      appendRequests: this.appendRequests,
      separatedBatches: this.separatedBatches,
    };
  }

  private assertOpen(): void {
    if (this.closing !== null) throw new LedgerClosedError();
  }

  private async readHead(session: PostgresSession): Promise<LedgerHead> {
    const result = await session.query(this.statements.head);
    const row = result.rows[0];
    if (row === undefined) return { position: 0, hash: GENESIS_HASH };
    return headOf(row);
  }

  private async lockHead(tx: PostgresSession): Promise<LedgerHead> {
    const result = await tx.query(this.statements.lockHead);
    const row = result.rows[0];
    if (row === undefined) {
      throw new LedgerUnavailableError('the ledger_head row is missing; the schema is damaged');
    }
    return headOf(row);
  }

  // ---- group commit ------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushing !== null) return;
    // setImmediate runs after the current tick's microtasks: every append issued in this tick,
    // including those issued from resolved promises, joins the same transaction.
    this.flushing = new Promise((resolve) => {
      setImmediate(() => {
        void this.flushQueue().finally(() => {
          this.flushing = null;
          resolve();
          // An append that arrived after the last batch was taken but before this ran.
          if (this.queue.length > 0) this.scheduleFlush();
        });
      });
    });
  }

  /** Appends that arrive while one transaction commits go together into the next. */
  private async flushQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxRequestsPerTransaction);
      const outcomes = await this.commitBatch(batch);
      batch.forEach((pending, index) => {
        const outcome = outcomes[index];
        if (outcome?.ok === true) pending.resolve(outcome.result);
        else pending.reject(outcome?.error ?? new Error('group commit lost a request'));
      });
    }
  }

  /**
   * One transaction for the batch; outcomes are settled only after COMMIT succeeded. The batch's
   * rows go in together (one stream-version query, one INSERT); when a statement of that is
   * refused, a batch of several runs again with each request in its own savepoint, so only the
   * request at fault is refused.
   */
  private async commitBatch(batch: readonly PendingAppend[]): Promise<readonly Outcome[]> {
    this.writeTransactions += 1;
    this.appendRequests += batch.length;
    try {
      // Run again as a whole after a deadlock or a lost connection: every outcome is recomputed.
      return await this.database.transaction((tx) => this.appendTogether(tx, batch));
    } catch (error) {
      if (!(error instanceof BatchStatementRefusedError))
        return failedAll(batch, this.database.failure(error));
    }
    this.separatedBatches += 1;
    this.writeTransactions += 1;
    try {
      return await this.database.transaction((tx) => this.appendEach(tx, batch));
    } catch (error) {
      return failedAll(batch, this.database.failure(error));
    }
  }

  private async appendEach(tx: PostgresSession, batch: readonly PendingAppend[]) {
    let head = await this.lockHead(tx);
    const outcomes: Outcome[] = [];
    for (const pending of batch) {
      const outcome = await this.appendInSavepoint(tx, head, pending);
      if (outcome.ok) head = outcome.head;
      outcomes.push(outcome);
    }
    return outcomes;
  }

  /**
   * Versions are read once for the batch's streams and followed here as requests are planned;
   * a request refused (version conflict, its projection refused) adds no rows, so the next one
   * is numbered from the same head.
   */
  private async appendTogether(
    tx: PostgresSession,
    batch: readonly PendingAppend[],
  ): Promise<Outcome[]> {
    let head = await this.lockHead(tx);
    const versions = await batchStatement(batch.length, () => this.streamVersions(tx, batch));
    const outcomes: Outcome[] = [];
    const rows: StoredRow[] = [];
    for (const pending of batch) {
      const { streamId, expectedVersion } = pending.request;
      const currentVersion = versions.get(streamId) ?? 0;
      try {
        checkExpectedVersion(streamId, expectedVersion, currentVersion);
      } catch (error) {
        outcomes.push({ ok: false, error: this.database.failure(error) });
        continue;
      }
      const plan = planAppend(head, streamId, currentVersion, pending.encoded, this.clock.now());
      const refused = await this.projectInSavepoint(tx, plan, pending);
      if (refused !== null) {
        outcomes.push(refused);
        continue;
      }
      rows.push(...plan.rows);
      versions.set(streamId, currentVersion + plan.rows.length);
      head = plan.head;
      outcomes.push({ ok: true, result: resultOf(streamId, currentVersion, plan), head });
    }
    await batchStatement(batch.length, () => this.insertAllRows(tx, rows));
    return outcomes;
  }

  private async streamVersions(
    tx: PostgresSession,
    batch: readonly PendingAppend[],
  ): Promise<Map<string, number>> {
    const streamIds = [...new Set(batch.map((pending) => pending.request.streamId))];
    const stored = await tx.query<{ streamId: string; version: number }>(
      this.statements.streamVersions,
      [streamIds],
    );
    return new Map(stored.rows.map((row) => [row.streamId, row.version]));
  }

  /** The request's projections in a savepoint of their own; the refusal, or null. */
  private async projectInSavepoint(
    tx: PostgresSession,
    plan: PlannedAppend,
    pending: PendingAppend,
  ): Promise<Outcome | null> {
    const { streamId } = pending.request;
    const projections = this.projections.filter((projection) => projection.handles(streamId));
    if (projections.length === 0) return null;
    await tx.query('SAVEPOINT append_request');
    try {
      for (const projection of projections)
        await projection.project(tx, plan.events, pending.request);
      await tx.query('RELEASE SAVEPOINT append_request');
      return null;
    } catch (error) {
      if (isConnectionLoss(error) || isTransientConflict(error)) throw error;
      await tx.query('ROLLBACK TO SAVEPOINT append_request');
      return { ok: false, error: this.database.failure(error) };
    }
  }

  private async appendInSavepoint(
    tx: PostgresSession,
    head: LedgerHead,
    pending: PendingAppend,
  ): Promise<Outcome> {
    await tx.query('SAVEPOINT append_request');
    try {
      const { streamId, expectedVersion } = pending.request;
      const versionResult = await tx.query<{ version: number }>(this.statements.streamVersion, [
        streamId,
      ]);
      const currentVersion = versionResult.rows[0]?.version ?? 0;
      checkExpectedVersion(streamId, expectedVersion, currentVersion);
      const plan = planAppend(head, streamId, currentVersion, pending.encoded, this.clock.now());
      for (const projection of this.projections) {
        if (!projection.handles(streamId)) continue;
        await projection.project(tx, plan.events, pending.request);
      }
      await this.insertRows(tx, plan.rows);
      await tx.query('RELEASE SAVEPOINT append_request');
      return { ok: true, result: resultOf(streamId, currentVersion, plan), head: plan.head };
    } catch (error) {
      // The transaction itself is lost (or must be run again): not this request's fault.
      if (isConnectionLoss(error) || isTransientConflict(error)) throw error;
      await tx.query('ROLLBACK TO SAVEPOINT append_request');
      return { ok: false, error: this.database.failure(error) };
    }
  }

  private async insertAllRows(tx: PostgresSession, rows: readonly StoredRow[]): Promise<void> {
    for (let start = 0; start < rows.length; start += MAX_ROWS_PER_INSERT) {
      await this.insertRows(tx, rows.slice(start, start + MAX_ROWS_PER_INSERT));
    }
  }

  private async insertRows(tx: PostgresSession, rows: readonly StoredRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(this.statements.insertEvents(rows.length), rows.flatMap(storedRowValues));
  }
}

function failedAll(batch: readonly PendingAppend[], failure: Error): Outcome[] {
  return batch.map(() => ({ ok: false, error: failure }));
}

function resultOf(streamId: string, currentVersion: number, plan: PlannedAppend): AppendResult {
  return {
    streamId,
    streamVersion: currentVersion + plan.rows.length,
    firstPosition: plan.rows[0]?.position ?? plan.head.position,
    lastPosition: plan.head.position,
  };
}
