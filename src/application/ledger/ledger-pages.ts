import type { EventStore, ReadAllOptions, RecordedEvent } from '../ports/event-store.port.js';

export type LedgerScan = Partial<ReadAllOptions>;

/**
 * Every event after `afterPosition`, a page at a time so memory stays bounded however long the
 * ledger is, and a caller that works row by row waits once a page rather than once a row. Stops
 * at an empty page rather than a short one: adapters may cap `limit` lower.
 */
export async function* readPages(
  ledger: EventStore,
  scan: LedgerScan = {},
): AsyncGenerator<readonly RecordedEvent[], void, undefined> {
  let afterPosition = scan.afterPosition ?? 0;
  const limit = scan.limit ?? 1000;
  for (;;) {
    const page = await ledger.readAll({
      afterPosition,
      limit,
      ...(scan.types === undefined ? {} : { types: scan.types }),
      ...(scan.streamIds === undefined ? {} : { streamIds: scan.streamIds }),
    });
    const last = page.at(-1);
    if (last === undefined) return;
    yield page;
    afterPosition = last.position;
  }
}

/** As `readPages`, one event at a time. */
export async function* readAllPages(
  ledger: EventStore,
  scan: LedgerScan = {},
): AsyncGenerator<RecordedEvent, void, undefined> {
  for await (const page of readPages(ledger, scan)) yield* page;
}
