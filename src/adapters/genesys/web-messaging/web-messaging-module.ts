import { ContainerModule } from 'inversify';
import { MESSAGING_TRANSPORT } from '../../../application/ports/index.js';
import type { SqliteLedgerSettings } from '../../sqlite/sqlite-ledger-options.js';
import { GUEST_SESSION_STORE, InMemoryGuestSessionStore } from './guest-session-store.js';
import { SqliteGuestSessionStore } from './sqlite-guest-session-store.js';
import { WEB_MESSAGING_OPTIONS, type WebMessagingOptions } from './web-messaging-options.js';
import { WebMessagingTransport } from './web-messaging-transport.js';

/**
 * Binds MESSAGING_TRANSPORT to the Web Messaging transport, with guest session tokens kept in
 * the ledger's SQLite file (`sessionStore`), or in memory when it is null (no resume after a
 * restart). A singleton, closed by the composition root; CLOCK and LOGGER come from elsewhere.
 */
export function webMessagingModule(
  options: WebMessagingOptions,
  sessionStore: SqliteLedgerSettings | null,
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(WEB_MESSAGING_OPTIONS).toConstantValue(options);
    if (sessionStore === null) {
      bind(GUEST_SESSION_STORE).toConstantValue(new InMemoryGuestSessionStore());
    } else {
      bind(GUEST_SESSION_STORE)
        .toResolvedValue(() => new SqliteGuestSessionStore(sessionStore))
        .inSingletonScope();
    }
    bind(WebMessagingTransport).toSelf().inSingletonScope();
    bind(MESSAGING_TRANSPORT).toService(WebMessagingTransport);
  });
}
