import type { CountedEndpoint, InjectedFaultKind, SandboxStats } from './types.js';

function emptyEndpointCounts(): Record<CountedEndpoint, number> {
  return { token: 0, message: 0, receipt: 0, event: 0, unknown: 0 };
}

function emptyFaultCounts(): Record<InjectedFaultKind, number> {
  return {
    serverError: 0,
    serverErrorEmptyBody: 0,
    rateLimited: 0,
    connectionReset: 0,
    slow: 0,
    scripted: 0,
  };
}

/** Counters behind `stats()`; snapshots are copies so callers can diff them over time. */
export class StatsCounter {
  private requestsByEndpoint = emptyEndpointCounts();
  private answersByStatus = new Map<number, number>();
  private faultsInjected = emptyFaultCounts();
  private accepted = 0;
  private rateLimited = 0;
  private rateLimitedByWindow = 0;
  private duplicates = 0;
  private connectionResets = 0;
  private tokensIssued = 0;

  request(endpoint: CountedEndpoint): void {
    this.requestsByEndpoint[endpoint] += 1;
  }

  answer(status: number): void {
    this.answersByStatus.set(status, (this.answersByStatus.get(status) ?? 0) + 1);
    if (status === 429) this.rateLimited += 1;
  }

  /** A 429 of the per-token window itself (also counted in `rateLimited` when answered). */
  windowExceeded(): void {
    this.rateLimitedByWindow += 1;
  }

  acceptance(duplicate: boolean): void {
    this.accepted += 1;
    if (duplicate) this.duplicates += 1;
  }

  connectionReset(): void {
    this.connectionResets += 1;
  }

  fault(kind: InjectedFaultKind): void {
    this.faultsInjected[kind] += 1;
  }

  tokenIssued(): void {
    this.tokensIssued += 1;
  }

  snapshot(): SandboxStats {
    return {
      requestsByEndpoint: { ...this.requestsByEndpoint },
      answersByStatus: Object.fromEntries(
        [...this.answersByStatus].map(([status, count]) => [String(status), count]),
      ),
      accepted: this.accepted,
      rateLimited: this.rateLimited,
      rateLimitedByWindow: this.rateLimitedByWindow,
      duplicates: this.duplicates,
      connectionResets: this.connectionResets,
      faultsInjected: { ...this.faultsInjected },
      tokensIssued: this.tokensIssued,
    };
  }

  clear(): void {
    this.requestsByEndpoint = emptyEndpointCounts();
    this.answersByStatus = new Map();
    this.faultsInjected = emptyFaultCounts();
    this.accepted = 0;
    this.rateLimited = 0;
    this.rateLimitedByWindow = 0;
    this.duplicates = 0;
    this.connectionResets = 0;
    this.tokensIssued = 0;
  }
}
