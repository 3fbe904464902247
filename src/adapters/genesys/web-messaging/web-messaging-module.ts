import { ContainerModule } from 'inversify';
import { MESSAGING_TRANSPORT } from '../../../application/ports/index.js';
import {
  GUEST_SESSION_STORE,
  InMemoryGuestSessionStore,
  type GuestSessionStore,
} from './guest-session-store.js';
import { WEB_MESSAGING_OPTIONS, type WebMessagingOptions } from './web-messaging-options.js';
import { WebMessagingTransport } from './web-messaging-transport.js';

/**
 * Binds MESSAGING_TRANSPORT to the Web Messaging transport, with guest session tokens kept in
 * the store `openSessions` opens beside the ledger, or in memory when it is null (no resume
 * after a restart). A singleton, closed by the composition root; CLOCK and LOGGER come from elsewhere.
 */
export function webMessagingModule(
  options: WebMessagingOptions,
  openSessions: (() => GuestSessionStore) | null,
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(WEB_MESSAGING_OPTIONS).toConstantValue(options);
    if (openSessions === null) {
      bind(GUEST_SESSION_STORE).toConstantValue(new InMemoryGuestSessionStore());
    } else {
      bind(GUEST_SESSION_STORE)
        .toResolvedValue(() => openSessions())
        .inSingletonScope();
    }
    bind(WebMessagingTransport).toSelf().inSingletonScope();
    bind(MESSAGING_TRANSPORT).toService(WebMessagingTransport);
  });
}
