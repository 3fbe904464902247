import type {
  DeadLetterReason,
  FailureKind,
  OutboundKind,
  TransmissionEvent,
  Violation,
} from '../../domain/index.js';

export interface LastFailure {
  readonly kind: FailureKind;
  readonly status: number | null;
  readonly code: string | null;
  readonly message: string | null;
}

interface OutcomeBase {
  readonly commandId: string;
  readonly kind: OutboundKind;
  /** True when this commandId was already in the ledger: nothing was sent again. */
  readonly duplicate: boolean;
}

export type TransmissionOutcome =
  | (OutcomeBase & {
      readonly status: 'delivered';
      readonly attempts: number;
      readonly genesysMessageId: string;
      readonly genesysConversationId: string | null;
      readonly latencyMs: number;
    })
  | (OutcomeBase & { readonly status: 'rejected'; readonly violations: readonly Violation[] })
  | (OutcomeBase & {
      readonly status: 'deadLettered';
      readonly attempts: number;
      readonly reason: DeadLetterReason;
      readonly detail: string;
      readonly lastFailure: LastFailure | null;
    });

/** The final outcome told by a transmission's events, or null while it is still open. */
export function outcomeFromEvents(
  events: readonly TransmissionEvent[],
  duplicate: boolean,
): TransmissionOutcome | null {
  const first = events[0];
  if (first === undefined) return null;
  if (first.type === 'TransmissionRejected') {
    const { commandId, kind, violations } = first.data;
    return { status: 'rejected', commandId, kind, duplicate, violations };
  }
  if (first.type !== 'TransmissionRequested') return null;
  const { commandId, kind } = first.data;
  const last = events.at(-1);
  if (last?.type === 'TransmissionDelivered') {
    return {
      status: 'delivered',
      commandId,
      kind,
      duplicate,
      attempts: last.data.attempts,
      genesysMessageId: last.data.genesysMessageId,
      genesysConversationId: last.data.genesysConversationId,
      latencyMs: last.data.latencyMs,
    };
  }
  if (last?.type === 'TransmissionDeadLettered') {
    return {
      status: 'deadLettered',
      commandId,
      kind,
      duplicate,
      attempts: last.data.attempts,
      reason: last.data.reason,
      detail: last.data.detail,
      lastFailure: lastFailureOf(events),
    };
  }
  return null;
}

function lastFailureOf(events: readonly TransmissionEvent[]): LastFailure | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event?.type === 'TransmissionAttemptFailed') {
      const { failureKind, status, code, message } = event.data;
      return { kind: failureKind, status, code, message };
    }
  }
  return null;
}
