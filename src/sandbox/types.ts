/**
 * The public shapes of the Sandbox Genesys: a loopback server speaking the Open Messaging
 * contract (OAuth, the inbound endpoints) and the Web Messaging guest API on the same port.
 */
import type {
  SandboxAgentMessage,
  SandboxAgentReplies,
  SandboxOutboundStats,
  SandboxWebhookDelivery,
  WebhookDelivery,
} from './agent-replies/types.js';
import type { SandboxFaultRates } from './faults/fault-rates.js';
import type {
  ReceivedCopy,
  ReceivedRequest,
  SandboxClient,
  SandboxStats,
  ScriptStep,
} from './open-messaging/types.js';
import type { SandboxWebMessaging, WebMessagingSandboxOptions } from './web-messaging/types.js';

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Default one client: sandbox-client / sandbox-secret. */
  readonly clients?: readonly SandboxClient[];
  /** Default 86400. Fractions are honoured internally; `expires_in` is rounded up. */
  readonly tokenLifetimeSeconds?: number;
  /**
   * Requests per token per fixed 60 s window; default 300, Genesys' own
   * `client.credentials.token.rate.per.minute`; null = unlimited.
   */
  readonly rateLimitPerMinute?: number | null;
  /** `Retry-After` of injected 429s; default 1. */
  readonly retryAfterSeconds?: number;
  /** Larger bodies get 413; default 1_048_576. */
  readonly maxBodyBytes?: number;
  readonly faults?: SandboxFaultRates;
  /** Seed of the fault PRNG; default 1, so runs are reproducible unless asked otherwise. */
  readonly seed?: number;
  /**
   * The Open Messaging integrations this sandbox serves; default `['sandbox-integration']`. Any
   * other id gets 404 with Genesys' error body, as an org without that integration answers.
   */
  readonly integrationIds?: readonly string[];
  /**
   * The integration's `outboundNotificationWebhookUrl` and
   * `outboundNotificationWebhookSignatureSecretToken`: where agent replies are posted, signed as
   * Genesys signs them. Absent: the integration has no webhook configured and posts nothing.
   * Replaceable at runtime with `setOutboundWebhook`; a secret of 15 characters or fewer is
   * refused at start with a SandboxSettingError.
   */
  readonly outboundWebhook?: SandboxOutboundWebhook;
  /**
   * An agent (or bot) answers each accepted guest message: on the outbound webhook for Open
   * Messaging, on the guest's socket for Web Messaging. Absent: nobody answers.
   */
  readonly agentReplies?: SandboxAgentReplies;
  /** How webhooks are posted: timeout, retries, backoff, and the retry storm fault. */
  readonly webhookDelivery?: SandboxWebhookDelivery;
  /**
   * The integration's Supported Content profile, as
   * `getConversationsMessagingSupportedcontentSupportedContentId` returns it; default one profile
   * allowing every type both ways (the pattern star-slash-star), Genesys' own default.
   */
  readonly supportedContent?: SandboxSupportedContent;
  /** The integration's `status` and `createStatus`; default Active and Completed. */
  readonly integrationState?: SandboxIntegrationState;
  /** Clock in epoch ms for token expiry and rate windows; default Date.now. Lets tests move time. */
  readonly now?: () => number;
  /** The Web Messaging Guest API at ws://HOST:PORT/v1 (limits, media, faults). */
  readonly webMessaging?: WebMessagingSandboxOptions;
}

export interface SandboxOutboundWebhook {
  readonly url: string;
  /** Longer than 15 characters, as Genesys requires of the signature secret token. */
  readonly secret: string;
}

export interface SandboxSupportedContent {
  readonly id: string;
  readonly name: string;
  /** MIME patterns such as `image/png`, `image/` + star, or star-slash-star for every type. */
  readonly inbound: readonly string[];
  readonly outbound: readonly string[];
}

/** What `OpenIntegration.status` and `createStatus` say (and `createError`, when creation failed). */
export interface SandboxIntegrationState {
  readonly status: 'Active' | 'Inactive';
  readonly createStatus: 'Initiated' | 'Completed' | 'Error';
  /** The message of `createError`, for `createStatus: 'Error'`. */
  readonly createError?: string;
}

export interface RunningSandbox extends AsyncDisposable {
  /** http://HOST:PORT */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** In arrival order of the first copy. */
  received(): readonly ReceivedRequest[];
  /** Every accepted copy, duplicates included, in arrival order. */
  arrivals(): readonly ReceivedCopy[];
  stats(): SandboxStats;
  /** Replaces the fault rates (not merged); the PRNG stream continues. */
  setFaults(faults: SandboxFaultRates): void;
  /** Replaces any previous script and restarts the request count at 1. */
  script(answers: readonly ScriptStep[]): void;
  revokeAllTokens(): void;
  /** Changes what the integration read answers (every served integration id). */
  setIntegrationState(state: SandboxIntegrationState): void;
  /** Replaces the Supported Content profile the integration names. */
  setSupportedContent(content: SandboxSupportedContent): void;
  /** Every token ever issued, revoked or not, so security tests can scan logs for them. */
  issuedTokens(): readonly string[];
  /**
   * Forgets received messages, stats, webhook deliveries and agent messages; tokens,
   * conversations, faults, script and the agent's settings stay.
   */
  reset(): void;
  /** The webhook agent replies go to now (the start setting, or the last `setOutboundWebhook`). */
  outboundWebhook(): SandboxOutboundWebhook | null;
  /** Where later webhooks go; null: none. Throws a SandboxSettingError for a short secret. */
  setOutboundWebhook(webhook: SandboxOutboundWebhook | null): void;
  /** Replaces the agent's reply settings for guest messages accepted from now on; null: none. */
  setAgentReplies(replies: SandboxAgentReplies | null): void;
  /** Replaces the delivery settings (retries, timeout, the storm) of webhooks posted from now on. */
  setWebhookDelivery(delivery: SandboxWebhookDelivery): void;
  /** Every copy of every webhook posted, with each attempt and its answer, in the order started. */
  outboundDeliveries(): readonly WebhookDelivery[];
  /** Every agent reply sent, with the receipts accepted for it. */
  agentMessages(): readonly SandboxAgentMessage[];
  outboundStats(): SandboxOutboundStats;
  /** Resolves once no agent reply is waiting and no webhook is being delivered. */
  outboundSettled(): Promise<void>;
  /** The Web Messaging Guest API served on the same port (WebSocket at /v1). */
  readonly webMessaging: SandboxWebMessaging;
  close(): Promise<void>;
}
