import { OpenGuard } from './open-guard.js';
import type { InlineProjection } from '../../application/ledger/inline-projection.js';
import {
  isOpenProjection,
  isTransmissionStream,
  mayFreeWork,
  projectAppended,
  projectStored,
  toOpenTransmission,
  type OpenTransmissionProjection,
  type TransmissionProjection,
} from '../../application/ledger/transmission-projection.js';
import {
  checkClaimGuard,
  isLiveHold,
  type ClaimHold,
} from '../../application/ledger/work-claims.js';
import type { Clock } from '../../application/ports/clock.port.js';
import type { AppendRequest, RecordedEvent } from '../../application/ports/event-store.port.js';
import type { Ledger } from '../../application/ports/ledger.port.js';
import { ledgerOf } from '../../application/ledger/ledger-pair.js';
import type {
  ClaimRequest,
  DeadLetteredTransmission,
  DeadLetterPageRequest,
  TransmissionCounts,
  TransmissionWorkQueue,
  WorkClaim,
} from '../../application/ports/work-queue.port.js';
import { InMemoryEventStore, type InMemoryEventStoreOptions } from './in-memory-event-store.js';

const UNCLAIMED: ClaimHold = { owner: null, fence: 0, leaseUntilMs: null };

/**
 * The work queue's twin: the same projection code and claim rules as the SQLite queue, kept in
 * step by the in-memory store's appends.
 */
export class InMemoryWorkQueue implements TransmissionWorkQueue, InlineProjection {
  private readonly projections = new Map<string, TransmissionProjection>();
  private readonly holds = new Map<string, ClaimHold>();
  private readonly guard = new OpenGuard();
  private readonly workListeners = new Set<() => void>();

  constructor(private readonly store: InMemoryEventStore) {}

  /** As the PostgreSQL queue's: called when an append adds or frees work, or a claim is released. */
  onWorkAvailable(listener: () => void): () => void {
    const entry = (): void => {
      listener();
    };
    this.workListeners.add(entry);
    return () => {
      this.workListeners.delete(entry);
    };
  }

  handles(streamId: string): boolean {
    return isTransmissionStream(streamId);
  }

  project(events: readonly RecordedEvent[], request: AppendRequest): () => void {
    const { streamId } = request;
    if (!isTransmissionStream(streamId)) return noWrite;
    const current = this.projections.get(streamId) ?? null;
    const hold = current !== null && isOpenProjection(current) ? this.holdOf(streamId) : null;
    checkClaimGuard(streamId, request.guard, hold);
    const projection = projectAppended(current, events);
    if (projection === null) return noWrite;
    return () => {
      this.projections.set(streamId, projection);
      if (!isOpenProjection(projection)) this.holds.delete(streamId);
      if (mayFreeWork(current, projection)) this.announceWork();
    };
  }

  claim(request: ClaimRequest): Promise<readonly WorkClaim[]> {
    return this.run(() => {
      const claims: WorkClaim[] = [];
      const seen = new Set<string>();
      for (const open of this.openBySequence()) {
        if (claims.length >= request.limit) break;
        if (seen.has(open.conversationRef)) continue;
        // Only the head of a conversation can be claimed: order holds within it.
        seen.add(open.conversationRef);
        const hold = this.holdOf(open.streamId);
        if (isLiveHold(hold, request.nowMs)) continue;
        const due = open.retryAtMs === null || open.retryAtMs <= request.nowMs;
        if (open.status === 'pending' && !due) continue;
        const taken: ClaimHold = {
          owner: request.owner,
          fence: hold.fence + 1,
          leaseUntilMs: request.nowMs + request.leaseMs,
        };
        this.holds.set(open.streamId, taken);
        claims.push({
          ...toOpenTransmission(open),
          owner: request.owner,
          fence: taken.fence,
          leaseUntilMs: request.nowMs + request.leaseMs,
        });
      }
      return claims;
    });
  }

  renew(owner: string, nowMs: number, leaseMs: number): Promise<number> {
    return this.run(() => {
      let renewed = 0;
      for (const [streamId, hold] of this.holds) {
        if (hold.owner !== owner || !isLiveHold(hold, nowMs)) continue;
        this.holds.set(streamId, { ...hold, leaseUntilMs: nowMs + leaseMs });
        renewed += 1;
      }
      return renewed;
    });
  }

  release(claim: WorkClaim): Promise<void> {
    return this.run(() => {
      const hold = this.holds.get(claim.streamId);
      if (hold?.owner !== claim.owner || hold.fence !== claim.fence) return;
      this.holds.set(claim.streamId, { ...hold, owner: null, leaseUntilMs: null });
      this.announceWork();
    });
  }

  releaseOwner(owner: string): Promise<number> {
    return this.run(() => {
      let released = 0;
      for (const [streamId, hold] of this.holds) {
        if (hold.owner !== owner) continue;
        this.holds.set(streamId, { ...hold, owner: null, leaseUntilMs: null });
        released += 1;
      }
      if (released > 0) this.announceWork();
      return released;
    });
  }

  holders(nowMs: number): Promise<readonly string[]> {
    return this.run(() => {
      const owners = new Set<string>();
      for (const hold of this.holds.values()) {
        if (hold.owner !== null && isLiveHold(hold, nowMs)) owners.add(hold.owner);
      }
      return [...owners].sort();
    });
  }

  counts(): Promise<TransmissionCounts> {
    return this.run(() => {
      const counts = { open: 0, rejected: 0, delivered: 0, deadLettered: 0 };
      for (const { status } of this.projections.values()) {
        if (status === 'pending' || status === 'inFlight') counts.open += 1;
        else counts[status] += 1;
      }
      return counts;
    });
  }

  countOpen(): Promise<number> {
    return this.run(() => [...this.projections.values()].filter(isOpenProjection).length);
  }

  listDeadLettered(page: DeadLetterPageRequest): Promise<readonly DeadLetteredTransmission[]> {
    return this.run(() =>
      [...this.projections.values()]
        .filter((p) => p.status === 'deadLettered' && p.lastPosition > page.afterPosition)
        .sort((a, b) => a.lastPosition - b.lastPosition)
        .slice(0, Math.max(0, Math.floor(page.limit)))
        .map((p) => ({
          streamId: p.streamId,
          commandId: p.commandId,
          conversationRef: p.conversationRef,
          position: p.lastPosition,
        })),
    );
  }

  rebuild(): Promise<void> {
    return this.run(() => {
      const rebuilt = new Map<string, TransmissionProjection>();
      for (const event of this.store.allEvents()) {
        if (!isTransmissionStream(event.streamId)) continue;
        const projection = projectStored(rebuilt.get(event.streamId) ?? null, [event]);
        if (projection !== null) rebuilt.set(event.streamId, projection);
      }
      // Swapped in only once every row folded: a corrupt row leaves the old projection intact.
      this.projections.clear();
      this.holds.clear();
      for (const [streamId, projection] of rebuilt) this.projections.set(streamId, projection);
    });
  }

  close(): Promise<void> {
    return this.guard.close();
  }

  /** After the write that freed the work, as a commit would be: never inside it. */
  private announceWork(): void {
    if (this.workListeners.size === 0) return;
    queueMicrotask(() => {
      for (const listener of [...this.workListeners]) listener();
    });
  }

  private holdOf(streamId: string): ClaimHold {
    return this.holds.get(streamId) ?? UNCLAIMED;
  }

  private openBySequence(): OpenTransmissionProjection[] {
    return [...this.projections.values()]
      .filter(isOpenProjection)
      .sort((a, b) => a.sequence - b.sequence);
  }

  private run<T>(operation: () => T): Promise<T> {
    return this.guard.run(operation);
  }
}

export interface InMemoryLedger extends Ledger {
  readonly events: InMemoryEventStore;
  readonly work: InMemoryWorkQueue;
}

/** An event store and its work queue in memory, kept in step like the SQLite pair. */
export function createInMemoryLedger(
  clock: Clock,
  options: InMemoryEventStoreOptions = {},
): InMemoryLedger {
  const events = new InMemoryEventStore(clock, options);
  const work = new InMemoryWorkQueue(events);
  events.useInlineProjections([work]);
  return ledgerOf(events, work);
}

function noWrite(): void {
  // Streams other than transmissions have no row in this projection.
}
