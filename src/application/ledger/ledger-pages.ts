import type { EventStore, ReadAllOptions, RecordedEvent } from '../ports/event-store.port.js';

export type LedgerScan = Partial<ReadAllOptions>;

/**
 * Every event after `afterPosition`, read page by page so memory stays bounded however long the
 * ledger is. Stops at an empty page rather than a short one: adapters may cap `limit` lower.
 */
export async function* readAllPages(
  ledger: EventStore,
  scan: LedgerScan = {},
): AsyncGenerator<RecordedEvent, void, undefined> {
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
    yield* page;
    afterPosition = last.position;
  }
}
