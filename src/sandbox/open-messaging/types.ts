/** The public shapes of the sandbox's Open Messaging side: OAuth and the three inbound endpoints. */
import type { ScriptedStep } from '../faults/fault-rates.js';

export interface SandboxClient {
  readonly clientId: string;
  readonly clientSecret: string;
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

/** `nth`: the nth messaging request (1-based) counted from the `script` call; omit to take the next free one. */
export type ScriptStep = ScriptedStep<ScriptedAnswer>;

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

/** One accepted request, first copy or duplicate, as `arrivals()` lists them. */
export interface ReceivedCopy {
  readonly endpoint: MessagingEndpoint;
  readonly integrationId: string;
  /** As in `ReceivedRequest`: null for events. */
  readonly messageId: string | null;
  /** 1 for the first copy of its messageId, 2 for the next… */
  readonly copy: number;
  /** ISO-8601. */
  readonly receivedAt: string;
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
  /** The 429s of the per-token window alone: a client that keeps to the limit sees none. */
  readonly rateLimitedByWindow: number;
  readonly duplicates: number;
  readonly connectionResets: number;
  readonly faultsInjected: Readonly<Record<InjectedFaultKind, number>>;
  readonly tokensIssued: number;
}
