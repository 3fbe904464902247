/** The public shapes of the Sandbox Genesys: a loopback server speaking the Open Messaging contract. */
import type { SandboxWebMessaging, WebMessagingSandboxOptions } from './web-messaging/types.js';

export interface SandboxClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Each rate is a probability 0..1, drawn from the sandbox's seeded PRNG, per messaging request. */
export interface SandboxFaultRates {
  /** 503 with the Genesys JSON error body. */
  readonly serverError?: number;
  /** 502 or 503 with an empty body, as a proxy in front of the API would answer. */
  readonly serverErrorEmptyBody?: number;
  /** Injected 429 with `Retry-After: retryAfterSeconds` and the normalised body. */
  readonly rateLimited?: number;
  /** Destroy the socket after reading the request, without answering. */
  readonly connectionReset?: number;
  /** Delay the answer by `slowMs`, then answer normally. */
  readonly slow?: number;
  /** Delay used by `slow`; default 250 ms. */
  readonly slowMs?: number;
  /** Invalidate every issued token this often, like a token revoked before its expiry. */
  readonly revokeTokensEveryMs?: number;
}

export type ScriptedAnswer =
  | {
      readonly kind: 'status';
      readonly status: number;
      /** Sent as JSON; omit for an empty body. */
      readonly body?: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'reset' }
  /** Delay, then answer normally. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Revoke the caller's token, then answer 401. */
  | { readonly kind: 'revokeToken' };

export interface ScriptStep {
  /** The nth messaging request (1-based) counted from the `script` call; omit to take the next free one. */
  readonly nth?: number;
  readonly answer: ScriptedAnswer;
}

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Default one client: sandbox-client / sandbox-secret. */
  readonly clients?: readonly SandboxClient[];
  /** Default 86400. Fractions are honoured internally; `expires_in` is rounded up. */
  readonly tokenLifetimeSeconds?: number;
  /** Requests per token per fixed 60 s window; default 300; null = unlimited. */
  readonly rateLimitPerMinute?: number | null;
  /** `Retry-After` of injected 429s; default 1. */
  readonly retryAfterSeconds?: number;
  /** Larger bodies get 413; default 1_048_576. */
  readonly maxBodyBytes?: number;
  readonly faults?: SandboxFaultRates;
  /** Seed of the fault PRNG; default 1, so runs are reproducible unless asked otherwise. */
  readonly seed?: number;
  /** Accepted integration ids; default any non-empty id. Others get 404. */
  readonly integrationIds?: readonly string[];
  /** Clock in epoch ms for token expiry and rate windows; default Date.now. Lets tests move time. */
  readonly now?: () => number;
  /** The Web Messaging Guest API at ws://HOST:PORT/v1 (limits, media, faults). */
  readonly webMessaging?: WebMessagingSandboxOptions;
}

export type MessagingEndpoint = 'message' | 'receipt' | 'event';

/** Endpoints counted in the stats; the /__sandbox control endpoints are not counted. */
export type CountedEndpoint = 'token' | MessagingEndpoint | 'unknown';

export interface ReceivedRequest {
  readonly endpoint: MessagingEndpoint;
  readonly integrationId: string;
  /** channel.messageId for messages, the receipt id for receipts, null for events. */
  readonly messageId: string | null;
  /** The parsed JSON body of the first accepted copy. */
  readonly body: unknown;
  readonly genesysMessageId: string;
  readonly conversationId: string | null;
  /** ISO-8601. */
  readonly firstReceivedAt: string;
  /** How many times this messageId was accepted; duplicates are counted, never refused. */
  readonly copies: number;
}

export type InjectedFaultKind =
  'serverError' | 'serverErrorEmptyBody' | 'rateLimited' | 'connectionReset' | 'slow' | 'scripted';

export interface SandboxStats {
  readonly requestsByEndpoint: Readonly<Record<CountedEndpoint, number>>;
  /** Keyed by the status code as a string, e.g. "200". */
  readonly answersByStatus: Readonly<Record<string, number>>;
  /** Messaging requests accepted and recorded (duplicates included). */
  readonly accepted: number;
  /** Every 429 sent, from the real per-token window or injected. */
  readonly rateLimited: number;
  readonly duplicates: number;
  readonly connectionResets: number;
  readonly faultsInjected: Readonly<Record<InjectedFaultKind, number>>;
  readonly tokensIssued: number;
}

export interface RunningSandbox extends AsyncDisposable {
  /** http://HOST:PORT */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** In arrival order of the first copy. */
  received(): readonly ReceivedRequest[];
  stats(): SandboxStats;
  /** Replaces the fault rates (not merged); the PRNG stream continues. */
  setFaults(faults: SandboxFaultRates): void;
  /** Replaces any previous script and restarts the request count at 1. */
  script(answers: readonly ScriptStep[]): void;
  revokeAllTokens(): void;
  /** Every token ever issued, revoked or not, so security tests can scan logs for them. */
  issuedTokens(): readonly string[];
  /** Forgets received messages and stats; tokens, conversations, faults and script stay. */
  reset(): void;
  /** The Web Messaging Guest API served on the same port (WebSocket at /v1). */
  readonly webMessaging: SandboxWebMessaging;
  close(): Promise<void>;
}
