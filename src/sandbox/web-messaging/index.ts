export { WebMessagingSandbox, WEB_MESSAGING_PATH } from './web-messaging-sandbox.js';
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
} from './types.js';
