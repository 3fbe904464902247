import type { OutboundCommand, OutboundKind } from '../commands.js';
import { IllegalTransitionError, RedriveNotAllowedError } from '../errors.js';
import { epochMsToIso, isoToEpochMs } from '../time.js';
import type { Violation } from '../violation.js';
import type {
  DeadLetterReason,
  TransmissionContent,
  TransmissionEvent,
  TransmissionRequestedV1,
  TransmissionRejectedV1,
} from './events.js';
import {
  countsAsAttempt,
  decideRetry,
  type RetryPolicyConfig,
  type TransportFailure,
} from './retry-policy.js';

export type TransmissionStatus =
  'none' | 'rejected' | 'pending' | 'inFlight' | 'delivered' | 'deadLettered';

export interface TransmissionState {
  readonly status: TransmissionStatus;
  readonly commandId: string | null;
  readonly kind: OutboundKind | null;
  readonly conversationRef: string | null;
  readonly guestId: string | null;
  /** Attempts started so far. */
  readonly attempts: number;
  /** Failures that count against the retry policy's maxAttempts. */
  readonly countedFailures: number;
  readonly firstAttemptAtMs: number | null;
  /** When the next attempt is due; null means now. */
  readonly retryAtMs: number | null;
  /** Dead letters so far, re-driven ones included: names the default redrive id. */
  readonly deadLetters: number;
  /** Why the transmission is dead-lettered now; null while it is not. */
  readonly deadLetterReason: DeadLetterReason | null;
  /** Every redrive recorded, by id: a repeated one is a no-op. */
  readonly redriveIds: readonly string[];
}

export const initialState: TransmissionState = {
  status: 'none',
  commandId: null,
  kind: null,
  conversationRef: null,
  guestId: null,
  attempts: 0,
  countedFailures: 0,
  firstAttemptAtMs: null,
  retryAtMs: null,
  deadLetters: 0,
  deadLetterReason: null,
  redriveIds: [],
};

export type TransmissionCommand =
  | {
      readonly type: 'RequestTransmission';
      readonly command: OutboundCommand;
      readonly violations: readonly Violation[];
      readonly contentSha256: string;
      readonly nowMs: number;
    }
  | { readonly type: 'StartAttempt'; readonly nowMs: number }
  | {
      readonly type: 'RecordFailure';
      readonly failure: TransportFailure;
      readonly nowMs: number;
      readonly jitter: number;
      readonly retryPolicy: RetryPolicyConfig;
    }
  | {
      readonly type: 'RecordDelivery';
      readonly genesysMessageId: string;
      readonly genesysConversationId: string | null;
      readonly correlationId: string | null;
      readonly nowMs: number;
    }
  /** The content was erased before delivery: end the transmission without sending it. */
  | { readonly type: 'AbandonErased'; readonly nowMs: number }
  /** An operator re-opens a dead letter for new attempts. */
  | {
      readonly type: 'Redrive';
      /** Null names the redrive after the dead letter it re-opens (`defaultRedriveId`). */
      readonly redriveId: string | null;
      readonly reason: string;
      readonly operator: string;
      /** Whether the recorded content can no longer be opened (the guest was forgotten). */
      readonly contentErased: boolean;
      readonly nowMs: number;
    };

export const FINAL_STATUSES: ReadonlySet<TransmissionStatus> = new Set([
  'rejected',
  'delivered',
  'deadLettered',
]);

export function isFinal(state: TransmissionState): boolean {
  return FINAL_STATUSES.has(state.status);
}

export function contentOf(command: OutboundCommand): TransmissionContent {
  switch (command.kind) {
    case 'message':
      return {
        kind: 'message',
        guest: command.guest,
        ...(command.text === undefined ? {} : { text: command.text }),
        attachments: command.attachments,
        metadata: command.metadata,
      };
    case 'receipt':
      return {
        kind: 'receipt',
        guest: command.guest,
        messageId: command.messageId,
        status: command.status,
        reasons: command.reasons,
      };
    case 'typing':
      return { kind: 'typing', guest: command.guest };
  }
}

export function decide(
  command: TransmissionCommand,
  state: TransmissionState,
): readonly TransmissionEvent[] {
  switch (command.type) {
    case 'RequestTransmission':
      return decideRequest(command, state);
    case 'StartAttempt':
      return decideStartAttempt(command, state);
    case 'RecordFailure':
      return decideFailure(command, state);
    case 'RecordDelivery':
      return decideDelivery(command, state);
    case 'AbandonErased':
      return decideAbandonErased(command, state);
    case 'Redrive':
      return decideRedrive(command, state);
  }
}

/**
 * The id a redrive gets when the caller names none: the dead letter it re-opens. Two operators
 * (or one retried request) re-driving the same dead letter therefore re-open it once.
 */
export function defaultRedriveId(state: TransmissionState): string {
  return `dead-letter-${String(state.deadLetters)}`;
}

function decideRedrive(
  command: Extract<TransmissionCommand, { type: 'Redrive' }>,
  state: TransmissionState,
): readonly TransmissionEvent[] {
  const redriveId = command.redriveId ?? defaultRedriveId(state);
  // Checked first: a repeated redrive changes nothing, whatever happened since the first one.
  if (state.redriveIds.includes(redriveId)) return [];
  if (state.status === 'rejected') throw new RedriveNotAllowedError('rejected', state.status);
  if (state.status !== 'deadLettered' || state.deadLetterReason === null) {
    throw new RedriveNotAllowedError('notDeadLettered', state.status);
  }
  if (state.deadLetterReason === 'contentErased' || command.contentErased) {
    throw new RedriveNotAllowedError('contentErased', state.status);
  }
  return [
    {
      type: 'TransmissionRedriven',
      schemaVersion: 1,
      data: {
        redriveId,
        reason: command.reason,
        operator: command.operator,
        previousReason: state.deadLetterReason,
        attemptsBefore: state.attempts,
        redrivenAt: epochMsToIso(command.nowMs),
      },
    },
  ];
}

function decideAbandonErased(
  command: Extract<TransmissionCommand, { type: 'AbandonErased' }>,
  state: TransmissionState,
): readonly TransmissionEvent[] {
  if (state.status !== 'pending' && state.status !== 'inFlight') {
    throw new IllegalTransitionError('abandon an erased', state.status);
  }
  return [
    {
      type: 'TransmissionDeadLettered',
      schemaVersion: 1,
      data: {
        reason: 'contentErased',
        detail: 'the personal content was erased before delivery; it was not sent',
        attempts: state.attempts,
        deadLetteredAt: epochMsToIso(command.nowMs),
      },
    },
  ];
}

function decideRequest(
  command: Extract<TransmissionCommand, { type: 'RequestTransmission' }>,
  state: TransmissionState,
): readonly TransmissionEvent[] {
  if (state.status !== 'none') throw new IllegalTransitionError('request', state.status);
  const outbound = command.command;
  const common = {
    commandId: outbound.commandId,
    kind: outbound.kind,
    guestId: outbound.guest.id,
    conversationRef: outbound.conversationRef,
    contentSha256: command.contentSha256,
    content: contentOf(outbound),
  };
  const at = epochMsToIso(command.nowMs);
  if (command.violations.length > 0) {
    const rejected: TransmissionRejectedV1 = {
      type: 'TransmissionRejected',
      schemaVersion: 1,
      data: { ...common, violations: command.violations, rejectedAt: at },
    };
    return [rejected];
  }
  const requested: TransmissionRequestedV1 = {
    type: 'TransmissionRequested',
    schemaVersion: 1,
    data: { ...common, requestedAt: at },
  };
  return [requested];
}

function decideStartAttempt(
  command: Extract<TransmissionCommand, { type: 'StartAttempt' }>,
  state: TransmissionState,
): readonly TransmissionEvent[] {
  if (state.status !== 'pending')
    throw new IllegalTransitionError('start an attempt on', state.status);
  return [
    {
      type: 'TransmissionAttemptStarted',
      schemaVersion: 1,
      data: { attempt: state.attempts + 1, startedAt: epochMsToIso(command.nowMs) },
    },
  ];
}

function decideFailure(
  command: Extract<TransmissionCommand, { type: 'RecordFailure' }>,
  state: TransmissionState,
): readonly TransmissionEvent[] {
  if (state.status !== 'inFlight')
    throw new IllegalTransitionError('record a failure of', state.status);
  const { failure } = command;
  const countedFailures = state.countedFailures + (countsAsAttempt(failure.kind) ? 1 : 0);
  const elapsedMs = command.nowMs - (state.firstAttemptAtMs ?? command.nowMs);
  const decision = decideRetry(
    { failure, countedFailures, elapsedMs, jitter: command.jitter },
    command.retryPolicy,
  );
  const at = epochMsToIso(command.nowMs);
  const retryable = decision.action === 'retry';
  const failed: TransmissionEvent = {
    type: 'TransmissionAttemptFailed',
    schemaVersion: 1,
    data: {
      attempt: state.attempts,
      failureKind: failure.kind,
      retryable,
      status: failure.status,
      code: failure.code,
      message: failure.message,
      correlationId: failure.correlationId,
      retryAfterMs: failure.retryAfterMs,
      retryAt: retryable ? epochMsToIso(command.nowMs + decision.delayMs) : null,
      failedAt: at,
    },
  };
  if (decision.action === 'retry') return [failed];
  return [
    failed,
    {
      type: 'TransmissionDeadLettered',
      schemaVersion: 1,
      data: {
        reason: decision.reason,
        detail: decision.detail,
        attempts: state.attempts,
        deadLetteredAt: at,
      },
    },
  ];
}

function decideDelivery(
  command: Extract<TransmissionCommand, { type: 'RecordDelivery' }>,
  state: TransmissionState,
): readonly TransmissionEvent[] {
  if (state.status !== 'inFlight')
    throw new IllegalTransitionError('record a delivery of', state.status);
  return [
    {
      type: 'TransmissionDelivered',
      schemaVersion: 1,
      data: {
        genesysMessageId: command.genesysMessageId,
        genesysConversationId: command.genesysConversationId,
        correlationId: command.correlationId,
        attempts: state.attempts,
        latencyMs: Math.max(0, command.nowMs - (state.firstAttemptAtMs ?? command.nowMs)),
        deliveredAt: epochMsToIso(command.nowMs),
      },
    },
  ];
}

export function evolve(state: TransmissionState, event: TransmissionEvent): TransmissionState {
  switch (event.type) {
    case 'TransmissionRequested':
      return {
        ...initialState,
        status: 'pending',
        commandId: event.data.commandId,
        kind: event.data.kind,
        conversationRef: event.data.conversationRef,
        guestId: event.data.guestId,
      };
    case 'TransmissionRejected':
      return {
        ...initialState,
        status: 'rejected',
        commandId: event.data.commandId,
        kind: event.data.kind,
        conversationRef: event.data.conversationRef,
        guestId: event.data.guestId,
      };
    case 'TransmissionAttemptStarted': {
      const startedAtMs = isoToEpochMs(event.data.startedAt);
      return {
        ...state,
        status: 'inFlight',
        attempts: event.data.attempt,
        firstAttemptAtMs: state.firstAttemptAtMs ?? startedAtMs,
        retryAtMs: null,
      };
    }
    case 'TransmissionAttemptFailed':
      return {
        ...state,
        status: event.data.retryable ? 'pending' : state.status,
        countedFailures: state.countedFailures + (countsAsAttempt(event.data.failureKind) ? 1 : 0),
        retryAtMs: event.data.retryAt === null ? null : isoToEpochMs(event.data.retryAt),
      };
    case 'TransmissionDelivered':
      return { ...state, status: 'delivered', retryAtMs: null };
    case 'TransmissionDeadLettered':
      return {
        ...state,
        status: 'deadLettered',
        retryAtMs: null,
        deadLetters: state.deadLetters + 1,
        deadLetterReason: event.data.reason,
      };
    case 'TransmissionRedriven':
      // A fresh budget: failures count from zero, and the deadline (and the delivery's latency)
      // from the first attempt after the redrive. Attempt numbers go on, so each stays unique.
      return {
        ...state,
        status: 'pending',
        countedFailures: 0,
        firstAttemptAtMs: null,
        retryAtMs: null,
        deadLetterReason: null,
        redriveIds: [...state.redriveIds, event.data.redriveId],
      };
  }
}

export function fold(events: Iterable<TransmissionEvent>): TransmissionState {
  let state = initialState;
  for (const event of events) state = evolve(state, event);
  return state;
}
