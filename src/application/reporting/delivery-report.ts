import type { TransmissionEvent } from '../../domain/index.js';
import type { EventStore, RecordedEvent } from '../ports/index.js';
import { readTransmissionEvent } from '../ledger/transmission-projection.js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export interface DeliveryReport {
  /** Commands recorded: valid ones requested plus those rejected by validation. */
  readonly commands: number;
  readonly requested: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly rejectedByCode: Readonly<Record<string, number>>;
  readonly deadLettered: number;
  readonly deadLetteredByReason: Readonly<Record<string, number>>;
  /** Requested but neither delivered nor dead-lettered yet. */
  readonly open: number;
  readonly attempts: number;
  /** Transmissions that needed more than one attempt. */
  readonly retried: number;
  readonly failuresByKind: Readonly<Record<string, number>>;
  readonly byKind: Readonly<Record<string, number>>;
  readonly latencyMs: LatencySummary;
  /** delivered / (delivered + dead-lettered); null before anything is final. */
  readonly deliveryRate: number | null;
  readonly lastPosition: number;
}

const TRANSMISSION_PREFIX = 'transmission-';

/** Nearest-rank percentile over sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

/** Folds transmission events into delivery figures; feed it events in position order. */
export class DeliveryReportBuilder {
  private requested = 0;
  private delivered = 0;
  private rejected = 0;
  private deadLettered = 0;
  private attempts = 0;
  private retried = 0;
  private lastPosition = 0;
  private readonly rejectedByCode: Record<string, number> = {};
  private readonly deadLetteredByReason: Record<string, number> = {};
  private readonly failuresByKind: Record<string, number> = {};
  private readonly byKind: Record<string, number> = {};
  private readonly latencies: number[] = [];

  add(recorded: RecordedEvent): void {
    this.lastPosition = recorded.position;
    if (!recorded.streamId.startsWith(TRANSMISSION_PREFIX)) return;
    this.apply(readTransmissionEvent(recorded));
  }

  build(): DeliveryReport {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const final = this.delivered + this.deadLettered;
    return {
      commands: this.requested + this.rejected,
      requested: this.requested,
      delivered: this.delivered,
      rejected: this.rejected,
      rejectedByCode: { ...this.rejectedByCode },
      deadLettered: this.deadLettered,
      deadLetteredByReason: positive(this.deadLetteredByReason),
      open: this.requested - final,
      attempts: this.attempts,
      retried: this.retried,
      failuresByKind: { ...this.failuresByKind },
      byKind: { ...this.byKind },
      latencyMs: {
        count: sorted.length,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? null,
      },
      deliveryRate: final === 0 ? null : this.delivered / final,
      lastPosition: this.lastPosition,
    };
  }

  private apply(event: TransmissionEvent): void {
    switch (event.type) {
      case 'TransmissionRequested':
        this.requested += 1;
        increment(this.byKind, event.data.kind);
        return;
      case 'TransmissionRejected':
        this.rejected += 1;
        increment(this.byKind, event.data.kind);
        for (const code of new Set(event.data.violations.map((v) => v.code))) {
          increment(this.rejectedByCode, code);
        }
        return;
      case 'TransmissionAttemptStarted':
        this.attempts += 1;
        if (event.data.attempt === 2) this.retried += 1;
        return;
      case 'TransmissionAttemptFailed':
        increment(this.failuresByKind, event.data.failureKind);
        return;
      case 'TransmissionDelivered':
        this.delivered += 1;
        this.latencies.push(event.data.latencyMs);
        return;
      case 'TransmissionDeadLettered':
        this.deadLettered += 1;
        increment(this.deadLetteredByReason, event.data.reason);
        return;
      case 'TransmissionRedriven':
        // Open again: its dead letter no longer counts, so a later delivery is not counted twice.
        this.deadLettered -= 1;
        decrement(this.deadLetteredByReason, event.data.previousReason);
        return;
    }
  }
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function decrement(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) - 1;
}

/** The counts above zero: a reason every dead letter of which was re-driven is not listed. */
function positive(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
}

/** Reads the whole ledger in pages: right after a restart, since it needs no state of its own. */
export async function buildDeliveryReport(
  ledger: EventStore,
  pageSize = 1000,
): Promise<DeliveryReport> {
  const builder = new DeliveryReportBuilder();
  let after = 0;
  for (;;) {
    const page = await ledger.readAll({ afterPosition: after, limit: pageSize });
    if (page.length === 0) break;
    for (const event of page) builder.add(event);
    after = page[page.length - 1]?.position ?? after;
  }
  return builder.build();
}
