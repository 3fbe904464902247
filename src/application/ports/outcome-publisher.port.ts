import type { ServiceIdentifier } from 'inversify';

/** Header of every outcome notice: the command it is about (absent for an intake failure without one). */
export const OUTCOME_COMMAND_ID_HEADER = 'Gtx-Command-Id';
/** Header of every outcome notice: delivered, rejected, deadLettered or intakeFailed. */
export const OUTCOME_STATUS_HEADER = 'Gtx-Outcome';

export type OutcomeNoticeStatus = 'delivered' | 'rejected' | 'deadLettered' | 'intakeFailed';

/** What a publisher hears back about one broker message; the body never holds message content. */
export interface OutcomeNotice {
  readonly commandId: string | null;
  readonly status: OutcomeNoticeStatus;
  /** UTF-8 JSON (application/intake/outcome-notice.ts builds it). */
  readonly body: Uint8Array;
}

/**
 * Publishes the outcome of each consumed command to a subject or exchange the user names, with
 * the command id in the `Gtx-Command-Id` header, so the publisher of the command hears back.
 */
export interface OutcomePublisher {
  /** For logs and errors, without credentials. */
  readonly description: string;
  /** Connects and checks that the exchange exists (`BROKER_*` errors as for a command source). */
  open(): Promise<void>;
  /** Resolves once the broker took the notice (a confirm where the broker gives one). */
  publish(notice: OutcomeNotice): Promise<void>;
  close(): Promise<void>;
}

export const OUTCOME_PUBLISHER: ServiceIdentifier<OutcomePublisher> =
  Symbol.for('gtx.OutcomePublisher');
