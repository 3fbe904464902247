import { firstValueFrom, timer } from 'rxjs';
import { isGtxError } from '../../domain/index.js';
import type { Clock, Logger, OutcomeNotice, OutcomePublisher } from '../ports/index.js';
import type { AcceptedCommand } from '../transmission/transmission-service.js';
import type { TransmissionOutcome } from '../transmission/transmission-outcome.js';
import type { MutableIntakeCounts } from './intake-counts.js';
import { outcomeNotice } from './outcome-notice.js';

function codeOf(error: unknown): string {
  return isGtxError(error) ? error.code : error instanceof Error ? error.name : 'UNKNOWN';
}

/**
 * Publishes outcome notices beside the intake, never in its way: a command is acknowledged when
 * it is recorded, and its notice follows when its outcome is final. A notice that cannot be
 * published is logged and counted; the command's record in the ledger is unaffected.
 */
export class NoticePublication {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly publisher: OutcomePublisher,
    private readonly outcomeOf: (commandId: string) => Promise<TransmissionOutcome>,
    private readonly counts: MutableIntakeCounts,
    private readonly logger: Logger,
  ) {}

  /** The notice of a recorded command: at once when it is final, else when it becomes final. */
  afterRecorded(accepted: AcceptedCommand, brokerMessageId: string | null): void {
    const outcome =
      accepted.status === 'final'
        ? Promise.resolve(accepted.outcome)
        : this.outcomeOf(accepted.commandId);
    this.track(
      outcome.then(
        (final) => this.publish(outcomeNotice(final, brokerMessageId)),
        (error: unknown) => {
          // The transmitter closed first: the command resumes at the next start, unannounced.
          this.logger.info('outcome notice not published: no final outcome before closing', {
            commandId: accepted.commandId,
            code: codeOf(error),
          });
        },
      ),
    );
  }

  publishNow(notice: OutcomeNotice): void {
    this.track(this.publish(notice));
  }

  /** Waits for notices in flight, at most `timeoutMs` on the clock; returns how many were left. */
  async settle(clock: Clock, timeoutMs: number): Promise<number> {
    if (this.pending.size > 0) {
      await Promise.race([
        Promise.all([...this.pending]),
        firstValueFrom(timer(timeoutMs, clock.scheduler)),
      ]);
    }
    return this.pending.size;
  }

  private async publish(notice: OutcomeNotice): Promise<void> {
    try {
      await this.publisher.publish(notice);
      this.counts.noticesPublished += 1;
    } catch (error) {
      this.counts.noticeFailures += 1;
      this.logger.warn('outcome notice not published', {
        commandId: notice.commandId,
        status: notice.status,
        to: this.publisher.description,
        code: codeOf(error),
      });
    }
  }

  private track(task: Promise<void>): void {
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }
}
