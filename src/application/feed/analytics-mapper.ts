import { isAgentMessageStream } from '../../domain/index.js';
import type { AnalyticsEvent, EventStore, RecordedEvent } from '../ports/index.js';
import { readTransmissionEvent } from '../ledger/transmission-projection.js';
import {
  contextOf,
  isTransmissionEventStream,
  toAgentAnalyticsEvent,
  toAnalyticsEvent,
  type StreamContext,
} from './analytics-payload.js';

const DEFAULT_CACHE_SIZE = 10_000;

/**
 * Turns ledger events into analytics events. Only a stream's first event names the guest and
 * the conversation, so the mapper remembers that per stream (a bounded cache) and reads the
 * stream's head from the ledger when a feed starts mid-stream.
 */
export class AnalyticsEventMapper {
  private readonly contexts = new Map<string, StreamContext>();

  constructor(
    private readonly ledger: EventStore,
    private readonly cacheSize = DEFAULT_CACHE_SIZE,
  ) {}

  /**
   * Null for events outside transmission and agent message streams (feed bookkeeping, refused
   * deliveries, erasures): they are not analytics.
   */
  async map(recorded: RecordedEvent): Promise<AnalyticsEvent | null> {
    const known = this.mapAtOnce(recorded);
    if (known !== undefined) return known;
    return toAnalyticsEvent(recorded, await this.contextFor(recorded.streamId));
  }

  /**
   * As `map`, without waiting: undefined when the event's stream was first met mid-way and its
   * first event must be read from the ledger (then call `map`). A replay maps most rows this way,
   * so a page costs one wait rather than one per row.
   */
  mapAtOnce(recorded: RecordedEvent): AnalyticsEvent | null | undefined {
    if (isAgentMessageStream(recorded.streamId)) return toAgentAnalyticsEvent(recorded);
    if (!isTransmissionEventStream(recorded.streamId)) return null;
    if (recorded.streamVersion !== 1) {
      const context = this.cachedContext(recorded.streamId);
      return context === undefined ? undefined : toAnalyticsEvent(recorded, context);
    }
    // Decoded once: a first event gives both its payload and its stream's context.
    const decoded = readTransmissionEvent(recorded);
    const fresh = contextOf(decoded);
    if (fresh !== null) this.remember(recorded.streamId, fresh);
    return toAnalyticsEvent(recorded, null, decoded);
  }

  private cachedContext(streamId: string): StreamContext | undefined {
    const known = this.contexts.get(streamId);
    if (known === undefined) return undefined;
    // Refresh its place: the cache evicts the stream used longest ago.
    this.contexts.delete(streamId);
    this.contexts.set(streamId, known);
    return known;
  }

  private async contextFor(streamId: string): Promise<StreamContext | null> {
    const known = this.cachedContext(streamId);
    if (known !== undefined) return known;
    const first = (await this.ledger.readStream(streamId))[0];
    if (first === undefined) return null;
    const context = contextOf(readTransmissionEvent(first));
    if (context === null) return null;
    this.remember(streamId, context);
    return context;
  }

  private remember(streamId: string, context: StreamContext): void {
    this.contexts.set(streamId, context);
    if (this.contexts.size > this.cacheSize) {
      const oldest = this.contexts.keys().next();
      if (oldest.done !== true) this.contexts.delete(oldest.value);
    }
  }
}
