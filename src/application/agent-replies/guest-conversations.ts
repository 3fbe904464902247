import { readAllPages } from '../ledger/ledger-pages.js';
import type { EventStore } from '../ports/event-store.port.js';

/** The events that name a guest and the conversation it writes in. */
const REQUEST_TYPES = ['TransmissionRequested', 'TransmissionRejected'];

/**
 * Which conversation of this ledger a guest named by Genesys (`channel.to.id`) is in: the one of
 * the guest's latest request. The directory reads the ledger by position, each lookup first
 * catching up with what was appended since the last (by any process on the ledger), so it
 * never misses a conversation that began a moment ago; it holds one entry per guest.
 */
export class GuestConversations {
  private readonly latest = new Map<string, string>();
  private position = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly events: EventStore) {}

  /**
   * The one place a guest id from Genesys becomes a ledger lookup: keyed hashing of guest ids
   * changes how the id is compared with `data.guestId` here, and nowhere else.
   */
  async conversationOf(guestId: string): Promise<string | null> {
    // Each lookup waits for a scan that starts after it was asked: one already running may
    // have read its last page before the conversation this lookup needs was committed.
    const scan = this.tail.then(() => this.catchUp());
    this.tail = scan.catch(() => undefined);
    await scan;
    return this.latest.get(guestId) ?? null;
  }

  private async catchUp(): Promise<void> {
    const pages = readAllPages(this.events, {
      afterPosition: this.position,
      types: REQUEST_TYPES,
    });
    for await (const row of pages) {
      const data = row.data as { guestId?: unknown; conversationRef?: unknown } | null;
      if (typeof data?.guestId === 'string' && typeof data.conversationRef === 'string') {
        this.latest.set(data.guestId, data.conversationRef);
      }
      this.position = row.position;
    }
  }
}
