import type { EventStore } from '../ports/event-store.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { TransmissionWorkQueue } from '../ports/work-queue.port.js';

/** An event store and the work queue its appends keep, closed together: the queue first. */
export function ledgerOf<E extends EventStore, W extends TransmissionWorkQueue>(
  events: E,
  work: W,
): Ledger & { readonly events: E; readonly work: W } {
  return {
    events,
    work,
    close: async () => {
      await work.close();
      await events.close();
    },
  };
}
