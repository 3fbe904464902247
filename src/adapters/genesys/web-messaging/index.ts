export { WebMessagingTransport, UNSUPPORTED_BY_WEB_MESSAGING } from './web-messaging-transport.js';
export {
  WEB_MESSAGING_OPTIONS,
  WEB_MESSAGING_APPLICATION,
  type WebMessagingOptions,
} from './web-messaging-options.js';
export {
  GUEST_SESSION_STORE,
  InMemoryGuestSessionStore,
  guestSessionKey,
  type GuestSessionStore,
  type StoredGuestSession,
} from './guest-session-store.js';
export { SqliteGuestSessionStore } from './sqlite-guest-session-store.js';
export { PostgresGuestSessionStore } from './postgres-guest-session-store.js';
export {
  WebMessagingClosedError,
  WebMessagingConfigError,
  WebMessagingUnavailableError,
  isWebMessagingUnavailableError,
} from './web-messaging-errors.js';
export { WEB_MESSAGING_CODES } from './web-messaging-failures.js';
export { webMessagingModule } from './web-messaging-module.js';
