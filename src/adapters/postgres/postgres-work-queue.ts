import { LedgerClosedError } from '../../application/errors.js';
import { decodeStoredRow } from '../../application/ledger/ledger-rows.js';
import {
  isOpenProjection,
  isTransmissionStream,
  mayFreeWork,
  projectAppended,
  projectStored,
  toOpenTransmission as openPart,
  type TransmissionProjection,
} from '../../application/ledger/transmission-projection.js';
import { checkClaimGuard } from '../../application/ledger/work-claims.js';
import type { AppendRequest, RecordedEvent } from '../../application/ports/event-store.port.js';
import type {
  ClaimRequest,
  DeadLetteredTransmission,
  DeadLetterPageRequest,
  TransmissionCounts,
  TransmissionWorkQueue,
  WorkClaim,
} from '../../application/ports/work-queue.port.js';
import { PostgresChannelListener, workChannel } from './postgres-channel-listener.js';
import type { PostgresDatabase } from './postgres-database.js';
import type { PostgresInlineProjection } from './postgres-inline-projection.js';
import {
  fenceOf,
  projectionValues,
  toClaimHold,
  toDeadLettered,
  toOpenTransmission,
  toProjection,
  toStoredRow,
} from './postgres-rows.js';
import type { PostgresSession } from './postgres-session.js';
import { eventStatements, type EventStatements } from './postgres-statements.js';
import { workStatements, type WorkStatements } from './postgres-work-statements.js';

/**
 * The transmission work queue on PostgreSQL, shared by every worker on the schema. Its
 * projection is written by the event store's append transaction (this class is the store's
 * inline projection); the guard of a guarded append is checked on the claim row locked FOR
 * UPDATE, so a claim cannot change between the check and the write. Claims skip rows another
 * worker is claiming (FOR UPDATE SKIP LOCKED), so at most one transmission per conversation is
 * in flight across every worker. Appends that add or free work, and released claims, NOTIFY the
 * schema's channel, which `onWorkAvailable` subscribers hear on every process.
 */
export class PostgresWorkQueue implements TransmissionWorkQueue, PostgresInlineProjection {
  private readonly statements: WorkStatements;
  private readonly events: EventStatements;
  private readonly channel: string;
  private readonly listener: PostgresChannelListener;
  private closing: Promise<void> | null = null;

  /** Retains `database` until closed. */
  constructor(private readonly database: PostgresDatabase) {
    database.retain();
    this.statements = workStatements(database.sqlSchema);
    this.events = eventStatements(database.sqlSchema);
    this.channel = workChannel(database.settings.schema);
    this.listener = new PostgresChannelListener(database, this.channel);
  }

  follows(streamId: string): boolean {
    return isTransmissionStream(streamId);
  }

  async project(
    tx: PostgresSession,
    events: readonly RecordedEvent[],
    request: AppendRequest,
  ): Promise<void> {
    if (!isTransmissionStream(request.streamId)) return;
    if (request.guard !== undefined) {
      const hold = await tx.query(this.statements.lockHold, [request.streamId]);
      const raw = hold.rows[0];
      checkClaimGuard(request.streamId, request.guard, raw === undefined ? null : toClaimHold(raw));
    }
    const current = await this.load(tx, request.streamId);
    const projection = projectAppended(current, events);
    if (projection === null) return;
    await this.write(tx, projection);
    // Delivered when the append commits; dropped with its savepoint if the request is refused.
    if (mayFreeWork(current, projection)) await tx.query(this.statements.notify, [this.channel]);
  }

  async projectImported(tx: PostgresSession, events: readonly RecordedEvent[]): Promise<void> {
    const transmissionEvents = events.filter((event) => isTransmissionStream(event.streamId));
    if (transmissionEvents.length === 0) return;
    await this.fold(tx, transmissionEvents);
    await tx.query(this.statements.notify, [this.channel]);
  }

  async claim(request: ClaimRequest): Promise<readonly WorkClaim[]> {
    this.assertOpen();
    const untilMs = request.nowMs + request.leaseMs;
    const limit = Math.max(0, Math.floor(request.limit));
    if (limit === 0) return [];
    const result = await this.database.query(this.statements.claim, [
      request.nowMs,
      limit,
      request.owner,
      untilMs,
    ]);
    return result.rows
      .map((raw): WorkClaim => ({
        ...toOpenTransmission(raw),
        owner: request.owner,
        fence: fenceOf(raw),
        leaseUntilMs: untilMs,
      }))
      .sort((a, b) => a.sequence - b.sequence);
  }

  async renew(owner: string, nowMs: number, leaseMs: number): Promise<number> {
    this.assertOpen();
    const result = await this.database.query(this.statements.renew, [
      owner,
      nowMs,
      nowMs + leaseMs,
    ]);
    return result.rowCount ?? 0;
  }

  async release(claim: WorkClaim): Promise<void> {
    this.assertOpen();
    await this.database.query(this.statements.release, [
      claim.streamId,
      claim.owner,
      claim.fence,
      this.channel,
    ]);
  }

  async releaseOwner(owner: string): Promise<number> {
    this.assertOpen();
    const result = await this.database.query<{ released: number }>(this.statements.releaseOwner, [
      owner,
      this.channel,
    ]);
    return result.rows[0]?.released ?? 0;
  }

  async holders(nowMs: number): Promise<readonly string[]> {
    this.assertOpen();
    const result = await this.database.query<{ owner: string }>(this.statements.holders, [nowMs]);
    // Sorted here, not by the database's collation, so every adapter orders owners alike.
    return result.rows.map((row) => row.owner).sort();
  }

  async counts(): Promise<TransmissionCounts> {
    this.assertOpen();
    const result = await this.database.query<{ status: string; count: number }>(
      this.statements.countByStatus,
    );
    const counts = { open: 0, rejected: 0, delivered: 0, deadLettered: 0 };
    for (const { status, count } of result.rows) {
      if (status === 'pending' || status === 'inFlight') counts.open += count;
      else if (status === 'rejected' || status === 'delivered' || status === 'deadLettered') {
        counts[status] += count;
      }
    }
    return counts;
  }

  async listDeadLettered(
    page: DeadLetterPageRequest,
  ): Promise<readonly DeadLetteredTransmission[]> {
    this.assertOpen();
    const limit = Math.max(0, Math.floor(page.limit));
    if (limit === 0) return [];
    const result = await this.database.query(this.statements.deadLettered, [
      page.afterPosition,
      limit,
    ]);
    return result.rows.map(toDeadLettered);
  }

  /** Refolds every transmission stream, under the chain lock so no append interleaves. */
  async rebuild(): Promise<void> {
    this.assertOpen();
    await this.database.transaction(async (tx) => {
      await tx.query(this.events.lockHead);
      await tx.query(this.statements.clearOpen);
      await tx.query(this.statements.clearTransmissions);
      const pageSize = this.database.settings.readPageSize;
      let afterPosition = 0;
      for (;;) {
        const page = await tx.query(this.events.readAll, [afterPosition, pageSize]);
        const events = page.rows.map((raw) => decodeStoredRow(toStoredRow(raw)));
        const last = events.at(-1);
        if (last === undefined) break;
        await this.fold(
          tx,
          events.filter((event) => isTransmissionStream(event.streamId)),
        );
        afterPosition = last.position;
      }
      await tx.query(this.statements.notify, [this.channel]);
    });
  }

  /**
   * Calls `listener` whenever work may have become claimable, on any process on the schema (a
   * new transmission, one that became final, a released claim); returns the unsubscribe. It
   * LISTENs on a connection of its own, reconnecting after a failure; polling stays the fallback.
   */
  onWorkAvailable(listener: () => void): () => void {
    return this.listener.subscribe(listener);
  }

  /** Whether the LISTEN connection of `onWorkAvailable` is up now (diagnostics, tests). */
  isListening(): boolean {
    return this.listener.listening();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.listener.close();
      await this.database.release();
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing !== null) throw new LedgerClosedError();
  }

  private async load(
    tx: PostgresSession,
    streamId: string,
  ): Promise<TransmissionProjection | null> {
    const result = await tx.query(this.statements.getTransmission, [streamId]);
    const raw = result.rows[0];
    return raw === undefined ? null : toProjection(raw);
  }

  /** Folds stored events into the projection: each touched stream read once, written once. */
  private async fold(tx: PostgresSession, events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const streamIds = [...new Set(events.map((event) => event.streamId))];
    const stored = await tx.query(this.statements.getTransmissions, [streamIds]);
    const projections = new Map<string, TransmissionProjection | null>(
      streamIds.map((streamId) => [streamId, null]),
    );
    for (const raw of stored.rows) {
      const projection = toProjection(raw);
      projections.set(projection.streamId, projection);
    }
    for (const event of events) {
      const next = projectStored(projections.get(event.streamId) ?? null, [event]);
      if (next !== null) projections.set(event.streamId, next);
    }
    for (const projection of projections.values()) {
      if (projection !== null) await this.write(tx, projection);
    }
  }

  private async write(tx: PostgresSession, projection: TransmissionProjection): Promise<void> {
    await tx.query(this.statements.upsertTransmission, projectionValues(projection));
    if (isOpenProjection(projection)) {
      const open = openPart(projection);
      await tx.query(this.statements.upsertOpen, [
        open.streamId,
        open.commandId,
        open.conversationRef,
        open.status,
        open.retryAtMs,
        open.sequence,
      ]);
    } else {
      // The open table holds only work still to do; final rows (and their claims) leave it.
      await tx.query(this.statements.deleteOpen, [projection.streamId]);
    }
  }
}
