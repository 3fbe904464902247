export { OpenMessagingTransport } from './open-messaging-transport.js';
export {
  OPEN_MESSAGING_OPTIONS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TOKEN_REFRESH_MARGIN_MS,
  type OpenMessagingOptions,
} from './open-messaging-options.js';
export {
  GenesysAuthError,
  GenesysConfigError,
  GenesysLoginFailedError,
  TransportClosedError,
  isGenesysAuthError,
  isGenesysLoginFailedError,
} from './genesys-errors.js';
export { openMessagingModule } from './open-messaging-module.js';
