export { startSandbox } from './sandbox-server.js';
export { mulberry32 } from './faults/prng.js';
export type {
  CountedEndpoint,
  InjectedFaultKind,
  MessagingEndpoint,
  ReceivedRequest,
  RunningSandbox,
  SandboxClient,
  SandboxFaultRates,
  SandboxOptions,
  SandboxStats,
  ScriptedAnswer,
  ScriptStep,
} from './types.js';
export type {
  SandboxAllowedMedia,
  SandboxWebMessaging,
  WebMessagingReceived,
  WebMessagingSandboxOptions,
  WebMessagingSandboxStats,
  WebMessagingScriptedAnswer,
  WebMessagingScriptStep,
  WebMessagingSessionInfo,
  WebMessagingUpload,
} from './web-messaging/index.js';
