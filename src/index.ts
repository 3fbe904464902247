/**
 * genesys-transmitter: the public entry point. Everything else under dist/ is internal and may
 * change without notice; test helpers live in `genesys-transmitter/testing`, and the sandbox
 * Genesys (the other side of our ports, not an adapter of ours) in `genesys-transmitter/sandbox`.
 */
export {
  buildContainer,
  buildTransmitter,
  createTransmitter,
  TransmitterConfigError,
  TRANSMITTER,
  DEFAULT_LOG_LEVEL,
  type TransmitterAdapters,
  type TransmitterOptions,
} from './main.js';
export {
  transmitterOptionsFromEnv,
  type OptionsFromEnvSettings,
} from './composition/options-from-env.js';
export { ConfigurationError, type SettingProblem } from './adapters/config/environment-settings.js';
export {
  Transmitter,
  type AnyCommandInput,
  type SubmitManyOptions,
  type SubmitManySummary,
} from './application/transmitter.js';
export type {
  TransmissionOutcome,
  LastFailure,
} from './application/transmission/transmission-outcome.js';
export {
  TransmitterClosedError,
  type AcceptedCommand,
  type TransmissionStatusReport,
} from './application/transmission/transmission-service.js';
export {
  InvalidCommandInputError,
  type AttachmentInput,
  type GuestInput,
  type InputProblem,
  type MessageInput,
  type ReceiptInput,
  type TypingInput,
} from './application/commands/command-input.js';
export type { OutboundCommand, OutboundKind, Violation } from './domain/index.js';
export { GtxError, hasErrorCode, isGtxError } from './domain/index.js';
export * from './application/ports/index.js';
export {
  OpenMessagingTransport,
  OPEN_MESSAGING_OPTIONS,
  GenesysAuthError,
  GenesysConfigError,
  GenesysLoginFailedError,
  TransportClosedError,
  isGenesysAuthError,
  isGenesysLoginFailedError,
  type OpenMessagingOptions,
} from './adapters/genesys/open-messaging/index.js';
export {
  WebMessagingTransport,
  WEB_MESSAGING_OPTIONS,
  WEB_MESSAGING_CODES,
  UNSUPPORTED_BY_WEB_MESSAGING,
  WebMessagingClosedError,
  WebMessagingConfigError,
  WebMessagingUnavailableError,
  isWebMessagingUnavailableError,
  type WebMessagingOptions,
  type GuestSessionStore,
} from './adapters/genesys/web-messaging/index.js';
export { createIntake, DEFAULT_PREFETCH, type IntakeOptions } from './composition/intake.js';
export { CommandIntake, type IntakeSummary } from './application/intake/command-intake.js';
export type { IntakeCounts } from './application/intake/intake-counts.js';
export {
  DEFAULT_INTAKE_SETTINGS,
  type IntakeSettings,
} from './application/intake/intake-settings.js';
export {
  BrokerAuthError,
  BrokerNotFoundError,
  BrokerSourceFailedError,
  BrokerUnreachableError,
  IntakeOptionsError,
} from './application/intake/broker-errors.js';
export {
  COMMAND_INTAKE_FAILED,
  type CommandIntakeFailedV1Data,
} from './application/intake/intake-failure-stream.js';
export { UnknownCommandError } from './application/transmission/transmission-service.js';
export { RedriveNotAllowedError, type RedriveRefusal } from './domain/index.js';
export type { TransmissionRedrivenV1 } from './domain/index.js';
export { RedriveInputInvalidError } from './application/redrive/redrive-errors.js';
export type { RedriveInput } from './application/redrive/redrive-request.js';
export type { RedriveResult } from './application/redrive/redrive-service.js';
export type {
  DeadLetterEntry,
  DeadLetterFilterInput,
} from './application/redrive/dead-letter-listing.js';
export {
  openIntegrationMediaTypes,
  type IntegrationMediaTypesSettings,
  type OpenedMediaPolicy,
} from './composition/media-policy.js';
export {
  IntegrationMediaTypes,
  MediaPolicyUnavailableError,
  type MediaTypesObserver,
} from './application/policy/integration-media-types.js';
export type { MediaTypeSource } from './application/policy/policy-source.js';
