import type { EventStore, Logger } from '../ports/index.js';
import { isGtxError } from '../../domain/index.js';
import type { OutcomeRegistry } from './outcome-registry.js';
import { outcomeFromEvents } from './transmission-outcome.js';
import { loadTransmission } from './transmission-stream.js';

/** The events that make a transmission final after it was requested. */
const FINAL_EVENT_TYPES = ['TransmissionDelivered', 'TransmissionDeadLettered'] as const;
const PAGE = 500;

/**
 * Settles callers waiting for commands that another worker on the same ledger finished. This
 * worker's pipeline settles its own deliveries at once; whoever delivered a command, its caller
 * hears of it here by following the store's final events by position. Positions are gapless and
 * in commit order, so following them never misses an outcome that committed late.
 */
export class OutcomeFollower {
  private afterPosition: number | null = null;

  constructor(
    private readonly events: EventStore,
    private readonly outcomes: OutcomeRegistry,
    private readonly logger: Logger,
  ) {}

  /** One look at what became final since the last look; cheap when nobody is waiting. */
  async poll(): Promise<void> {
    try {
      if (this.afterPosition === null || this.outcomes.size() === 0) {
        // Callers that start waiting later re-read their own stream once, so earlier events
        // need not be followed.
        this.afterPosition = (await this.events.head()).position;
        return;
      }
      for (;;) {
        const page = await this.events.readAll({
          afterPosition: this.afterPosition,
          limit: PAGE,
          types: FINAL_EVENT_TYPES,
        });
        for (const event of page) await this.settle(event.streamId, event.metadata.commandId);
        const last = page.at(-1);
        if (last === undefined) return;
        this.afterPosition = last.position;
        if (page.length < PAGE) return;
      }
    } catch (error) {
      // The next poll tries again; the pipeline reports a ledger that stays unavailable.
      this.logger.warn('could not follow outcomes in the ledger', {
        code: isGtxError(error) ? error.code : null,
      });
    }
  }

  private async settle(streamId: string, commandId: string | undefined): Promise<void> {
    if (commandId === undefined || !this.outcomes.isWaiting(commandId)) return;
    const outcome = outcomeFromEvents(
      loadTransmission(await this.events.readStream(streamId)).events,
      false,
    );
    if (outcome !== null) this.outcomes.settle(outcome);
  }
}
