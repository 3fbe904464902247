import type {
  Guest,
  Attachment,
  Metadata,
  OutboundKind,
  ReceiptReason,
  ReceiptStatus,
} from '../commands.js';
import type { Violation } from '../violation.js';

/**
 * Everything personal about a request lives in `content`, so the audit trail can store it
 * encrypted per guest (and erase it by destroying the key) without changing the chain's shape.
 */
export type TransmissionContent =
  | {
      readonly kind: 'message';
      readonly guest: Guest;
      readonly text?: string;
      readonly attachments: readonly Attachment[];
      readonly metadata: Metadata;
    }
  | {
      readonly kind: 'receipt';
      readonly guest: Guest;
      readonly messageId: string;
      readonly status: ReceiptStatus;
      readonly reasons: readonly ReceiptReason[];
    }
  | { readonly kind: 'typing'; readonly guest: Guest };

/** The content's key was destroyed (the guest asked to be forgotten): it can never be read. */
export interface ErasedContent {
  readonly kind: 'erased';
}

/** Stored encrypted and not opened by this reader: enough to fold state, never to send. */
export interface UnopenedContent {
  readonly kind: 'unopened';
}

/** The content of a recorded request as a reader sees it. */
export type RecordedContent = TransmissionContent | ErasedContent | UnopenedContent;

export type FailureKind = 'rateLimited' | 'transient' | 'authExpired' | 'permanent';

export interface TransmissionRequestedV1 {
  readonly type: 'TransmissionRequested';
  readonly schemaVersion: 1;
  readonly data: {
    readonly commandId: string;
    readonly kind: OutboundKind;
    readonly guestId: string;
    readonly conversationRef: string;
    /** SHA-256 of the canonical content: identifies a message in logs without its text. */
    readonly contentSha256: string;
    readonly content: RecordedContent;
    readonly requestedAt: string;
  };
}

export interface TransmissionRejectedV1 {
  readonly type: 'TransmissionRejected';
  readonly schemaVersion: 1;
  readonly data: {
    readonly commandId: string;
    readonly kind: OutboundKind;
    readonly guestId: string;
    readonly conversationRef: string;
    readonly contentSha256: string;
    readonly content: RecordedContent;
    readonly violations: readonly Violation[];
    readonly rejectedAt: string;
  };
}

export interface TransmissionAttemptStartedV1 {
  readonly type: 'TransmissionAttemptStarted';
  readonly schemaVersion: 1;
  readonly data: { readonly attempt: number; readonly startedAt: string };
}

export interface TransmissionAttemptFailedV1 {
  readonly type: 'TransmissionAttemptFailed';
  readonly schemaVersion: 1;
  readonly data: {
    readonly attempt: number;
    readonly failureKind: FailureKind;
    readonly retryable: boolean;
    readonly status: number | null;
    readonly code: string | null;
    readonly message: string | null;
    readonly correlationId: string | null;
    readonly retryAfterMs: number | null;
    /** When the next attempt is due; null when this failure ends the transmission. */
    readonly retryAt: string | null;
    readonly failedAt: string;
  };
}

export interface TransmissionDeliveredV1 {
  readonly type: 'TransmissionDelivered';
  readonly schemaVersion: 1;
  readonly data: {
    readonly genesysMessageId: string;
    readonly genesysConversationId: string | null;
    readonly correlationId: string | null;
    readonly attempts: number;
    /** From the first attempt's start to the answer, waits included. */
    readonly latencyMs: number;
    readonly deliveredAt: string;
  };
}

export interface TransmissionDeadLetteredV1 {
  readonly type: 'TransmissionDeadLettered';
  readonly schemaVersion: 1;
  readonly data: {
    readonly reason: DeadLetterReason;
    readonly detail: string;
    readonly attempts: number;
    readonly deadLetteredAt: string;
  };
}

/**
 * An operator re-opened a dead-lettered transmission for new attempts with the same Genesys
 * `messageId`. The attempt budget starts afresh: no failure counts against `maxAttempts` yet,
 * and the retry policy's deadline counts from the first attempt after the redrive.
 */
export interface TransmissionRedrivenV1 {
  readonly type: 'TransmissionRedriven';
  readonly schemaVersion: 1;
  readonly data: {
    /** Names this redrive: repeating a redrive with the same id re-opens nothing. */
    readonly redriveId: string;
    readonly reason: string;
    readonly operator: string;
    /** The dead letter this redrive ends. */
    readonly previousReason: RedrivableDeadLetterReason;
    /** Attempts started before the redrive; attempt numbers go on from here. */
    readonly attemptsBefore: number;
    readonly redrivenAt: string;
  };
}

export type DeadLetterReason =
  | 'permanentFailure'
  | 'attemptsExhausted'
  | 'deadlineExceeded'
  /** The guest's personal content was erased before it could be delivered: nothing is sent. */
  | 'contentErased';

/** Erased content cannot be sent, so its dead letter is the one a redrive cannot re-open. */
export type RedrivableDeadLetterReason = Exclude<DeadLetterReason, 'contentErased'>;

export type TransmissionEvent =
  | TransmissionRequestedV1
  | TransmissionRejectedV1
  | TransmissionAttemptStartedV1
  | TransmissionAttemptFailedV1
  | TransmissionDeliveredV1
  | TransmissionDeadLetteredV1
  | TransmissionRedrivenV1;

export type TransmissionEventType = TransmissionEvent['type'];

export const TRANSMISSION_EVENT_TYPES: readonly TransmissionEventType[] = [
  'TransmissionRequested',
  'TransmissionRejected',
  'TransmissionAttemptStarted',
  'TransmissionAttemptFailed',
  'TransmissionDelivered',
  'TransmissionDeadLettered',
  'TransmissionRedriven',
];

/** The events after which a transmission is final, until a redrive re-opens a dead letter. */
export const FINAL_EVENT_TYPES: ReadonlySet<TransmissionEventType> = new Set([
  'TransmissionRejected',
  'TransmissionDelivered',
  'TransmissionDeadLettered',
]);

export function transmissionStreamId(commandId: string): string {
  return `transmission-${commandId}`;
}
