import { AGENT_MESSAGE_EVENT_TYPES } from '../../domain/index.js';
import { readAllPages } from '../ledger/ledger-pages.js';
import type { EventStore, RecordedEvent } from '../ports/event-store.port.js';

/** Stream ids per read: a long conversation is read in bounded queries. */
const STREAMS_PER_READ = 200;

/** The events that name the conversation they belong to. */
const NAMING_TYPES = [
  'TransmissionRequested',
  'TransmissionRejected',
  ...AGENT_MESSAGE_EVENT_TYPES,
];

/**
 * Both sides of one conversation, in ledger order: every transmission of it (the guest's
 * messages, our receipts and typing, each with every attempt and its outcome) and every message,
 * typing event and receipt from Genesys recorded in it. Content stays as stored (sealed); open
 * each event with `openRecordedEvent` to read it. A transcript is this, rendered.
 *
 * Two reads: the events that name their conversation, by type; then the later events of the
 * transmission streams found, by stream id. Memory holds only this conversation's events.
 */
export async function conversationEvents(
  events: EventStore,
  conversationRef: string,
): Promise<readonly RecordedEvent[]> {
  const head = await events.head();
  const found: RecordedEvent[] = [];
  const transmissions = new Set<string>();
  for await (const row of readAllPages(events, { types: NAMING_TYPES })) {
    if (row.position > head.position) break;
    const ref = (row.data as { conversationRef?: unknown } | null)?.conversationRef;
    if (ref !== conversationRef) continue;
    if (row.type.startsWith('Transmission')) transmissions.add(row.streamId);
    else found.push(row);
  }
  const streams = [...transmissions];
  for (let start = 0; start < streams.length; start += STREAMS_PER_READ) {
    const streamIds = streams.slice(start, start + STREAMS_PER_READ);
    for await (const row of readAllPages(events, { streamIds })) {
      if (row.position > head.position) break;
      found.push(row);
    }
  }
  return found.sort((a, b) => a.position - b.position);
}
