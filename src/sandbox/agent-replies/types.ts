/**
 * The public shapes of the sandbox's agent side (contract §9): the replies an agent or bot gives
 * to each accepted guest message, posted to the integration's outbound webhook (Open Messaging)
 * or pushed to the guest's socket (Web Messaging), and the record of every delivery attempt.
 */

export type SandboxOriginatingEntity = 'Human' | 'Bot';

/** `OpenContentAttachment` of an agent message, as Genesys posts it. */
export interface SandboxAgentAttachment {
  readonly mediaType: 'Image' | 'Video' | 'Audio' | 'File' | 'Link';
  readonly url: string;
  readonly mime: string;
  readonly filename?: string;
}

export interface SandboxAgentReplies {
  /**
   * The reply's text: a fixed text, or a template with placeholders that describe the guest's
   * message without repeating any of it: `{messageId}` (the guest's `channel.messageId`, else
   * the id Genesys gave it), `{characters}` (code points of its text), `{sha256}` (the first 12
   * hex digits of its text's SHA-256) and `{attachments}` (how many). Any other `{word}` is
   * refused at start. Default `Thanks, an agent has your message {messageId}.`
   */
  readonly text?: string;
  /** Sent with every reply as its one `content` item. */
  readonly attachment?: SandboxAgentAttachment;
  /** Default `Human`. */
  readonly originatingEntity?: SandboxOriginatingEntity;
  /** `channel.from.nickname` of the replies; default `Sandbox Agent`. */
  readonly agentNickname?: string;
  /** How long the agent takes to answer, in ms; default 250. */
  readonly delayMs?: number;
  /** Also post Genesys' `Delivered` receipt for each guest message (Open Messaging); default false. */
  readonly receipts?: boolean;
  /** Answer with a reply at all; default true (false: receipts only, when asked for). */
  readonly reply?: boolean;
}

/** How the sandbox posts to the webhook: Genesys' own rules by default (contract §9). */
export interface SandboxWebhookDelivery {
  /** An attempt without an answer by then is a timeout and is retried; default 10 000. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt, on a timeout, a network error, 429 or 5xx; default 5. */
  readonly maxRetries?: number;
  /** The wait before the first retry, doubled before each next one; default 1000. */
  readonly backoffMs?: number;
  /**
   * The retry storm fault: every webhook is delivered this many times, 2xx or not, each copy
   * with the same body, signature and message id and its own retries; default 1.
   */
  readonly copies?: number;
  /** How many of the copies go at once; the rest follow one after another. Default all. */
  readonly concurrentCopies?: number;
}

/** What one attempt got back. */
export type WebhookAttemptAnswer =
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'timeout' }
  /** No HTTP answer: refused connection, reset socket. */
  | { readonly kind: 'networkError'; readonly code: string };

export interface WebhookAttempt {
  /** 1 for the first attempt of a copy, 2 for its first retry… */
  readonly attempt: number;
  readonly answer: WebhookAttemptAnswer;
  /** ISO-8601, when the attempt was sent. */
  readonly sentAt: string;
}

/**
 * `delivered`: a 2xx. `refused`: a status that is not retried (4xx other than 429).
 * `gaveUp`: still failing after the last retry. `abandoned`: the sandbox closed first.
 * `pending`: attempts are still being made.
 */
export type WebhookDeliveryOutcome = 'pending' | 'delivered' | 'refused' | 'gaveUp' | 'abandoned';

/** One copy of one webhook and every attempt to deliver it. */
export interface WebhookDelivery {
  /** The NormalizedMessage `id`: the same on every copy and every retry. */
  readonly messageId: string;
  readonly type: 'Text' | 'Receipt';
  readonly url: string;
  /** 1, or up to `copies` under the retry storm fault. */
  readonly copy: number;
  /** The exact bytes posted, as UTF-8; the signature is over them. */
  readonly body: string;
  readonly signature: string;
  readonly attempts: readonly WebhookAttempt[];
  readonly outcome: WebhookDeliveryOutcome;
}

export interface SandboxAcknowledgement {
  readonly status: string;
  readonly reasons?: unknown;
  /** ISO-8601. */
  readonly receivedAt: string;
}

/** One reply the agent gave, with the receipts the middleware posted for it. */
export interface SandboxAgentMessage {
  readonly id: string;
  readonly protocol: 'openMessaging' | 'webMessaging';
  /** The Open Messaging integration; null on Web Messaging. */
  readonly integrationId: string | null;
  /** `channel.to.id` on Open Messaging; the guest session's id on Web Messaging. */
  readonly guestId: string;
  /** The id Genesys gave the guest message this answers. */
  readonly inReplyTo: string;
  readonly text: string;
  readonly originatingEntity: SandboxOriginatingEntity;
  /** ISO-8601. */
  readonly sentAt: string;
  /** Receipts accepted for this id, in arrival order (duplicates included). */
  readonly acknowledgements: readonly SandboxAcknowledgement[];
}

export interface SandboxOutboundStats {
  /** Agent replies produced, both protocols. */
  readonly agentMessages: number;
  /** Receipts for guest messages posted to the webhook (first copies). */
  readonly receiptsPosted: number;
  /** Every HTTP attempt made to the webhook, retries and copies included. */
  readonly attempts: number;
  readonly retries: number;
  readonly timeouts: number;
  readonly delivered: number;
  readonly refused: number;
  readonly gaveUp: number;
  /** Replies not posted because no webhook was configured when they were due. */
  readonly withoutWebhook: number;
  /** Receipts accepted for agent message ids. */
  readonly acknowledged: number;
}
