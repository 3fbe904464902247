import type { OutcomeNotice, OutcomePublisher } from '../../application/ports/index.js';

/** The outcome publisher's twin: keeps every notice, decoded, and can refuse the next ones. */
export class InMemoryOutcomePublisher implements OutcomePublisher {
  readonly description = 'memory outcomes';
  readonly notices: (OutcomeNotice & { readonly json: Record<string, unknown> })[] = [];
  private refusals = 0;
  private closed = false;

  /** The next `count` publishes reject as a broker that lost its connection would. */
  refuseNext(count: number): void {
    this.refusals = count;
  }

  open(): Promise<void> {
    this.closed = false;
    return Promise.resolve();
  }

  publish(notice: OutcomeNotice): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the outcome publisher is closed'));
    if (this.refusals > 0) {
      this.refusals -= 1;
      return Promise.reject(new Error('connection lost'));
    }
    const json = JSON.parse(new TextDecoder().decode(notice.body)) as Record<string, unknown>;
    this.notices.push({ ...notice, json });
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
