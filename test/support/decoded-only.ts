import type { EventStore } from '../../src/application/ports/index.js';

/** Only the EventStore methods of `store`: a store of a library user's own, read decoded. */
export function decodedOnly(store: EventStore): EventStore {
  return {
    append: (request) => store.append(request),
    readStream: (streamId) => store.readStream(streamId),
    readAll: (options) => store.readAll(options),
    head: () => store.head(),
    close: () => store.close(),
  };
}
