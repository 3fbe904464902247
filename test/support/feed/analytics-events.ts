import { VirtualClock } from '../../../src/adapters/clock/virtual-clock.js';
import { InMemoryEventStore } from '../../../src/adapters/memory/in-memory-event-store.js';
import { AnalyticsEventMapper } from '../../../src/application/feed/analytics-mapper.js';
import type { AnalyticsEvent } from '../../../src/application/ports/index.js';
import { seedTransmission } from './feed-fixtures.js';

/** Real analytics events, mapped from a ledger holding `count` delivered transmissions. */
export async function analyticsEvents(count: number): Promise<AnalyticsEvent[]> {
  const ledger = new InMemoryEventStore(new VirtualClock());
  for (let i = 1; i <= count; i++) await seedTransmission(ledger, { commandId: `m${String(i)}` });
  const mapper = new AnalyticsEventMapper(ledger);
  const events: AnalyticsEvent[] = [];
  for (const recorded of await ledger.readAll({ afterPosition: 0, limit: 10_000 })) {
    const event = await mapper.map(recorded);
    if (event !== null) events.push(event);
  }
  return events;
}
