/**
 * genesys-transmitter/sandbox: the sandbox Genesys, a loopback stand-in for Genesys Cloud (OAuth,
 * the Open Messaging inbound endpoints, the Web Messaging guest API, rate limits and faults). It
 * is the system on the other side of our ports, so it imports nothing from the rest of the
 * library.
 */
export { DEFAULT_SANDBOX_INTEGRATION_ID, startSandbox } from './start-sandbox.js';
export { mulberry32 } from './faults/prng.js';
export { SandboxSettingError, isSandboxSettingError } from './sandbox-setting-error.js';
export type {
  SandboxAcknowledgement,
  SandboxAgentAttachment,
  SandboxAgentMessage,
  SandboxAgentReplies,
  SandboxOriginatingEntity,
  SandboxOutboundStats,
  SandboxWebhookDelivery,
  WebhookAttempt,
  WebhookAttemptAnswer,
  WebhookDelivery,
  WebhookDeliveryOutcome,
} from './agent-replies/types.js';
export type { SandboxFaultRates } from './faults/fault-rates.js';
export type {
  RunningSandbox,
  SandboxIntegrationState,
  SandboxOptions,
  SandboxOutboundWebhook,
  SandboxSupportedContent,
} from './types.js';
export type {
  CountedEndpoint,
  InjectedFaultKind,
  MessagingEndpoint,
  ReceivedCopy,
  ReceivedRequest,
  SandboxClient,
  SandboxStats,
  ScriptedAnswer,
  ScriptStep,
} from './open-messaging/types.js';
export type {
  SandboxAllowedMedia,
  SandboxWebMessaging,
  WebMessagingReceived,
  WebMessagingReceivedKind,
  WebMessagingSandboxOptions,
  WebMessagingSandboxStats,
  WebMessagingScriptedAnswer,
  WebMessagingScriptStep,
  WebMessagingSessionInfo,
  WebMessagingUpload,
} from './web-messaging/types.js';
