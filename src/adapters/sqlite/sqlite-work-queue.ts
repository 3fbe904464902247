import type { Database } from 'better-sqlite3';
import { LedgerClosedError, LedgerReadOnlyError } from '../../application/errors.js';
import type { InlineProjection } from '../../application/ledger/inline-projection.js';
import { decodeStoredRow } from '../../application/ledger/ledger-rows.js';
import {
  isOpenProjection,
  isTransmissionStream,
  projectAppended,
  projectStored,
  toOpenTransmission,
  type TransmissionProjection,
} from '../../application/ledger/transmission-projection.js';
import { checkClaimGuard, type ClaimHold } from '../../application/ledger/work-claims.js';
import type { AppendRequest, RecordedEvent } from '../../application/ports/event-store.port.js';
import type {
  ClaimRequest,
  DeadLetteredTransmission,
  DeadLetterPageRequest,
  TransmissionCounts,
  TransmissionWorkQueue,
  WorkClaim,
} from '../../application/ports/work-queue.port.js';
import { asLedgerError } from './sqlite-connection.js';
import type { SqliteEventStore } from './sqlite-event-store.js';
import { prepareStatements } from './sqlite-statements.js';
import {
  fromProjection,
  toDeadLettered,
  toClaimHold,
  toProjection,
  toStoredRow,
  toOpenTransmissionRow,
} from './sqlite-rows.js';
import { prepareWorkStatements, type WorkStatements } from './sqlite-work-statements.js';

/**
 * The transmission work queue on the ledger's SQLite file. Its projection is written by the
 * event store's append transaction (this class is the store's inline projection); claims are
 * taken in IMMEDIATE transactions, which SQLite serialises across every process on the file.
 */
export class SqliteWorkQueue implements TransmissionWorkQueue, InlineProjection {
  private readonly statements: WorkStatements;
  private closed = false;

  constructor(
    private readonly store: SqliteEventStore,
    private readonly readOnly: boolean,
    private readonly rebuildPageSize: number,
  ) {
    this.statements = prepareWorkStatements(store.connection());
  }

  handles(streamId: string): boolean {
    return isTransmissionStream(streamId);
  }

  project(events: readonly RecordedEvent[], request: AppendRequest): () => void {
    if (!isTransmissionStream(request.streamId)) return noWrite;
    checkClaimGuard(request.streamId, request.guard, this.hold(request.streamId));
    const projection = projectAppended(this.load(request.streamId), events);
    if (projection === null) return noWrite;
    return () => {
      this.write(projection);
    };
  }

  claim(request: ClaimRequest): Promise<readonly WorkClaim[]> {
    return this.writing((db) =>
      db
        .transaction((): WorkClaim[] => {
          const untilMs = request.nowMs + request.leaseMs;
          const free = this.statements.claimable.all({
            nowMs: request.nowMs,
            limit: Math.max(0, Math.floor(request.limit)),
          });
          return free.map((raw) => {
            const open = toOpenTransmissionRow(raw);
            const taken = this.statements.takeClaim.get({
              owner: request.owner,
              untilMs,
              streamId: open.streamId,
            }) as { fence: number };
            return { ...open, owner: request.owner, fence: taken.fence, leaseUntilMs: untilMs };
          });
        })
        .immediate(),
    );
  }

  renew(owner: string, nowMs: number, leaseMs: number): Promise<number> {
    return this.writing(
      () => this.statements.renew.run({ owner, nowMs, untilMs: nowMs + leaseMs }).changes,
    );
  }

  release(claim: WorkClaim): Promise<void> {
    return this.writing(() => {
      this.statements.release.run({
        streamId: claim.streamId,
        owner: claim.owner,
        fence: claim.fence,
      });
    });
  }

  releaseOwner(owner: string): Promise<number> {
    return this.writing(() => this.statements.releaseOwner.run(owner).changes);
  }

  holders(nowMs: number): Promise<readonly string[]> {
    return this.reading(() =>
      this.statements.holders.all(nowMs).map((raw) => String((raw as { owner: unknown }).owner)),
    );
  }

  counts(): Promise<TransmissionCounts> {
    return this.reading(() => {
      const counts = { open: 0, rejected: 0, delivered: 0, deadLettered: 0 };
      for (const raw of this.statements.countByStatus.all()) {
        const { status, count } = raw as { status: string; count: number };
        if (status === 'pending' || status === 'inFlight') counts.open += count;
        else if (status === 'rejected' || status === 'delivered' || status === 'deadLettered') {
          counts[status] += count;
        }
      }
      return counts;
    });
  }

  countOpen(): Promise<number> {
    return this.reading(() => (this.statements.countOpen.get() as { count: number }).count);
  }

  listDeadLettered(page: DeadLetterPageRequest): Promise<readonly DeadLetteredTransmission[]> {
    return this.reading(() =>
      this.statements.deadLettered
        .all({ afterPosition: page.afterPosition, limit: Math.max(0, Math.floor(page.limit)) })
        .map(toDeadLettered),
    );
  }

  rebuild(): Promise<void> {
    return this.writing((db) => {
      db.transaction(() => {
        this.rebuildInTransaction(db);
      }).immediate();
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private reading<T>(operation: (db: Database) => T): Promise<T> {
    try {
      if (this.closed) throw new LedgerClosedError();
      return Promise.resolve(operation(this.store.connection()));
    } catch (error) {
      return Promise.reject(asLedgerError(error));
    }
  }

  private writing<T>(operation: (db: Database) => T): Promise<T> {
    if (this.readOnly) return Promise.reject(new LedgerReadOnlyError());
    return this.reading(operation);
  }

  private hold(streamId: string): ClaimHold | null {
    const raw = this.statements.getHold.get(streamId);
    return raw === undefined ? null : toClaimHold(raw);
  }

  private load(streamId: string): TransmissionProjection | null {
    const raw = this.statements.getTransmission.get(streamId);
    return raw === undefined ? null : toProjection(raw);
  }

  private write(projection: TransmissionProjection): void {
    this.statements.upsertTransmission.run(fromProjection(projection));
    if (isOpenProjection(projection)) {
      this.statements.upsertOpen.run(toOpenTransmission(projection));
    } else {
      // The open table holds only work still to do; final rows (and their claims) leave it.
      this.statements.deleteOpen.run(projection.streamId);
    }
  }

  /** Refolds every transmission stream from the events, a page at a time. */
  private rebuildInTransaction(db: Database): void {
    const { readAll } = prepareStatements(db);
    this.statements.clearOpen.run();
    this.statements.clearTransmissions.run();
    let afterPosition = 0;
    for (;;) {
      const page = readAll
        .all({ afterPosition, limit: this.rebuildPageSize, types: '[]', streamIds: '[]' })
        .map((raw) => decodeStoredRow(toStoredRow(raw)));
      const last = page.at(-1);
      if (last === undefined) return;
      for (const event of page) {
        if (!isTransmissionStream(event.streamId)) continue;
        const projection = projectStored(this.load(event.streamId), [event]);
        if (projection !== null) this.write(projection);
      }
      afterPosition = last.position;
    }
  }
}

function noWrite(): void {
  // Streams other than transmissions have no row in this projection.
}
