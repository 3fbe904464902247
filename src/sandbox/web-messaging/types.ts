/** The public shapes of the sandbox's Web Messaging Guest API (contract §4), served at `/v1`. */
import type { SandboxFaultRates, ScriptedStep } from '../faults/fault-rates.js';

export interface SandboxAllowedMedia {
  /** MIME types; `*\/*` or `image/*` style wildcards are honoured. */
  readonly fileTypes: readonly string[];
  readonly maxFileSizeKB: number;
}

export interface WebMessagingSandboxOptions {
  /** Accepted deployment ids; default any non-empty id. Others get `400 Deployment not found`. */
  readonly deploymentIds?: readonly string[];
  /** `onMessage` frames per session per second; default 2 (the real limit). */
  readonly messagesPerSecond?: number;
  /** `retryAfter` (seconds) of 4029 answers; default 1. */
  readonly retryAfterSeconds?: number;
  /** Longer text gets 4011; default 4000 characters. */
  readonly maxTextLength?: number;
  /** Sent in SessionResponse; larger customAttributes get 4013. Default 2048. */
  readonly maxCustomDataBytes?: number;
  /** Sent in SessionResponse.allowedMedia.inbound; default every type up to 25 000 KB. */
  readonly allowedMedia?: SandboxAllowedMedia | null;
  /** Sent in SessionResponse; default a few executable extensions. */
  readonly blockedExtensions?: readonly string[];
  /** Fault rates of this protocol; default the sandbox's `faults`. */
  readonly faults?: SandboxFaultRates;
}

/** How the sandbox answers one counted frame (`onMessage` or `onAttachment`), once. */
export type WebMessagingScriptedAnswer =
  /** An error frame: `{type:'response', class:'string', code, body}`. */
  | { readonly kind: 'error'; readonly code: number; readonly body?: string }
  /** `TooManyRequestsErrorMessage` (code 429, errorCode 4029). */
  | { readonly kind: 'tooManyRequests'; readonly retryAfterSeconds: number }
  /** Close the socket without answering and without accepting. */
  | { readonly kind: 'drop' }
  /** Accept and record the message, then close the socket before the echo. */
  | { readonly kind: 'dropAfterAccept' }
  /** Delay, then answer normally. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Expire the session first: the frame gets 4006 and so does the token from then on. */
  | { readonly kind: 'expireSession' }
  /** Answer the upload of this `onAttachment` with an UploadFailureEvent. */
  | { readonly kind: 'uploadFailure'; readonly errorCode: number; readonly errorMessage: string };

/** `nth`: the nth counted frame (1-based) from the `script` call; omit to take the next free one. */
export type WebMessagingScriptStep = ScriptedStep<WebMessagingScriptedAnswer>;

export type WebMessagingReceivedKind = 'text' | 'event' | 'structured';

export interface WebMessagingReceived {
  /** The sandbox's id of the guest session (stable while the token is resumed). */
  readonly sessionId: string;
  readonly deploymentId: string;
  readonly kind: WebMessagingReceivedKind;
  readonly tracingId: string | null;
  /** The `message` of the onMessage frame, as received. */
  readonly message: unknown;
  /** Attachment ids referenced by the message, each uploaded successfully. */
  readonly attachmentIds: readonly string[];
  readonly genesysMessageId: string;
  /** ISO-8601. */
  readonly receivedAt: string;
}

export interface WebMessagingUpload {
  readonly attachmentId: string;
  readonly sessionId: string;
  readonly fileName: string;
  readonly fileType: string;
  readonly sizeBytes: number;
  /** base64 MD5 of the bytes received. */
  readonly md5: string;
  readonly bytes: Buffer;
}

export interface WebMessagingSessionInfo {
  readonly sessionId: string;
  readonly deploymentId: string;
  /** How many times `configureSession` resumed this session. */
  readonly resumes: number;
  readonly expired: boolean;
  readonly connected: boolean;
}

export interface WebMessagingSandboxStats {
  readonly connections: number;
  readonly framesReceived: number;
  readonly accepted: number;
  readonly rateLimited: number;
  readonly dropped: number;
  readonly errors: number;
  readonly uploads: number;
}

/** The Web Messaging side of a running sandbox. */
export interface SandboxWebMessaging {
  /** ws://HOST:PORT/v1 */
  readonly url: string;
  /** Accepted messages in arrival order. */
  received(): readonly WebMessagingReceived[];
  uploads(): readonly WebMessagingUpload[];
  sessions(): readonly WebMessagingSessionInfo[];
  stats(): WebMessagingSandboxStats;
  setFaults(faults: SandboxFaultRates): void;
  /** Replaces any previous script and restarts the frame count at 1. */
  script(steps: readonly WebMessagingScriptStep[]): void;
  /** Closes every guest socket at once, as a network failure would. */
  dropAllConnections(): void;
  /** Forgets received messages, uploads and stats; sessions stay. */
  reset(): void;
}
