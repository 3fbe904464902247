import { createHash } from 'node:crypto';
import type { OutboundKind, TransmissionEvent } from '../../domain/index.js';
import type {
  AnalyticsBatch,
  AnalyticsError,
  AnalyticsEvent,
  AnalyticsStatus,
  RecordedEvent,
} from '../ports/index.js';
import { readAgentMessageEvent } from '../agent-replies/agent-message-reading.js';
import { readTransmissionEvent } from '../ledger/transmission-projection.js';

/**
 * Version of the analytics event shape (AnalyticsEvent, in ports/analytics-sink.port.ts): bumped
 * when a field changes meaning or goes away; adding an optional field does not.
 */
export const ANALYTICS_PAYLOAD_VERSION = 1;
export const ANALYTICS_SOURCE = 'genesys-transmitter';
export const ANALYTICS_BATCH_TYPE = 'gtx.analytics.batch';

/** The JSON body posted to a webhook (Standard Webhooks' `type` / `timestamp` / `data` shape). */
export interface AnalyticsBatchBody {
  readonly type: typeof ANALYTICS_BATCH_TYPE;
  /** The last event's time: the body of a batch is the same on every retry. */
  readonly timestamp: string;
  readonly data: {
    readonly payloadVersion: number;
    readonly source: typeof ANALYTICS_SOURCE;
    readonly batchId: string;
    readonly feed: string;
    readonly replay: boolean;
    readonly firstPosition: number;
    readonly lastPosition: number;
    readonly count: number;
    readonly events: readonly AnalyticsEvent[];
  };
}

/** What the feed knows about a transmission stream from its first event. */
export interface StreamContext {
  readonly commandId: string;
  readonly kind: OutboundKind;
  readonly guestId: string;
  readonly conversationRef: string;
  readonly contentSha256: string;
}

export function analyticsEventId(recorded: Pick<RecordedEvent, 'position' | 'hash'>): string {
  return `evt_${String(recorded.position)}_${recorded.hash.slice(0, 16)}`;
}

/**
 * The batch id (`webhook-id`): names exactly this set of positions, whatever process cuts it,
 * so a retry or a replay of the same positions carries the same id.
 */
export function analyticsBatchId(events: readonly Pick<AnalyticsEvent, 'id'>[]): string {
  const digest = createHash('sha256');
  for (const event of events) digest.update(`${event.id}\n`);
  return `msg_${digest.digest('hex').slice(0, 32)}`;
}

export function makeBatch(
  feed: string,
  events: readonly AnalyticsEvent[],
  replay: boolean,
): AnalyticsBatch {
  const first = events[0];
  const last = events.at(-1);
  if (first === undefined || last === undefined) throw new Error('a batch needs events');
  return {
    id: analyticsBatchId(events),
    feed,
    replay,
    firstPosition: first.position,
    lastPosition: last.position,
    events,
  };
}

export function batchBody(batch: AnalyticsBatch): AnalyticsBatchBody {
  return {
    type: ANALYTICS_BATCH_TYPE,
    timestamp: batch.events.at(-1)?.timestamp ?? '',
    data: {
      payloadVersion: ANALYTICS_PAYLOAD_VERSION,
      source: ANALYTICS_SOURCE,
      batchId: batch.id,
      feed: batch.feed,
      replay: batch.replay,
      firstPosition: batch.firstPosition,
      lastPosition: batch.lastPosition,
      count: batch.events.length,
      events: batch.events,
    },
  };
}

export function isTransmissionEventStream(streamId: string): boolean {
  return streamId.startsWith('transmission-');
}

export function contextOf(event: TransmissionEvent): StreamContext | null {
  if (event.type !== 'TransmissionRequested' && event.type !== 'TransmissionRejected') return null;
  const { commandId, kind, guestId, conversationRef, contentSha256 } = event.data;
  return { commandId, kind, guestId, conversationRef, contentSha256 };
}

const NO_ERROR_FIELDS = {
  failureKind: null,
  status: null,
  code: null,
  message: null,
  retryable: null,
  retryAfterMs: null,
  reason: null,
  rejectionCodes: [],
} as const satisfies AnalyticsError;

interface EventFacts {
  readonly status: AnalyticsStatus;
  readonly attempt: number | null;
  readonly latencyMs: number | null;
  readonly genesysMessageId: string | null;
  readonly error: AnalyticsError | null;
}

/** The facts of an event that carries none beyond its status. */
function statusOnly(status: AnalyticsStatus, attempt: number | null = null): EventFacts {
  return { status, attempt, latencyMs: null, genesysMessageId: null, error: null };
}

// Object literals rather than spreads: this runs once per replayed event (issue 18).
function factsOf(event: TransmissionEvent): EventFacts {
  switch (event.type) {
    case 'TransmissionRequested':
      return statusOnly('pending');
    case 'TransmissionRejected':
      return {
        status: 'rejected',
        attempt: null,
        latencyMs: null,
        genesysMessageId: null,
        error: {
          ...NO_ERROR_FIELDS,
          rejectionCodes: [...new Set(event.data.violations.map((v) => v.code))],
        },
      };
    case 'TransmissionAttemptStarted':
      return statusOnly('inFlight', event.data.attempt);
    case 'TransmissionAttemptFailed':
      return {
        status: event.data.retryAt === null ? 'failed' : 'retryScheduled',
        attempt: event.data.attempt,
        latencyMs: null,
        genesysMessageId: null,
        error: {
          ...NO_ERROR_FIELDS,
          failureKind: event.data.failureKind,
          status: event.data.status,
          code: event.data.code,
          message: event.data.message,
          retryable: event.data.retryable,
          retryAfterMs: event.data.retryAfterMs,
        },
      };
    case 'TransmissionDelivered':
      return {
        status: 'delivered',
        attempt: event.data.attempts,
        latencyMs: event.data.latencyMs,
        genesysMessageId: event.data.genesysMessageId,
        error: null,
      };
    case 'TransmissionDeadLettered':
      return {
        status: 'deadLettered',
        attempt: event.data.attempts,
        latencyMs: null,
        genesysMessageId: null,
        error: { ...NO_ERROR_FIELDS, reason: event.data.reason, message: event.data.detail },
      };
    case 'TransmissionRedriven':
      // Open again and waiting for an attempt; the operator and their reason stay in the ledger.
      return statusOnly('pending');
  }
}

/**
 * Maps one recorded message from Genesys. Its stream has one event, naming guest and
 * conversation itself: the mapping depends on this event alone. Nothing sealed is copied.
 */
export function toAgentAnalyticsEvent(recorded: RecordedEvent): AnalyticsEvent {
  const event = readAgentMessageEvent(recorded);
  const { data } = event;
  return {
    id: analyticsEventId(recorded),
    type: recorded.type,
    schemaVersion: event.schemaVersion,
    position: recorded.position,
    streamId: recorded.streamId,
    commandId: null,
    kind: null,
    guestId: data.guestId,
    conversation: { conversationRef: data.conversationRef, genesysConversationId: null },
    status: data.conversationRef === null ? 'unmatched' : 'received',
    attempt: null,
    latencyMs: null,
    genesysMessageId: data.genesysMessageId,
    timestamp: recorded.recordedAt,
    error: null,
    contentSha256: event.type === 'AgentMessageReceived' ? event.data.contentSha256 : null,
  };
}

/**
 * Maps one recorded transmission event. `context` comes from the stream's first event (the
 * only one naming guest and conversation). The Genesys conversation id is known from the
 * delivery on: the mapping depends on this event and the stream's first one only, so the live
 * feed and a replay from any position produce the same payload for the same event. `event` is
 * the row already decoded, when the caller has it.
 */
export function toAnalyticsEvent(
  recorded: RecordedEvent,
  context: StreamContext | null,
  event: TransmissionEvent = readTransmissionEvent(recorded),
): AnalyticsEvent {
  const ctx = contextOf(event) ?? context;
  const facts = factsOf(event);
  // The key order is the body's byte order, the same since payload version 1: attempt, latency,
  // message id and error come before status.
  return {
    id: analyticsEventId(recorded),
    type: recorded.type,
    schemaVersion: event.schemaVersion,
    position: recorded.position,
    streamId: recorded.streamId,
    commandId: ctx?.commandId ?? recorded.metadata.commandId ?? null,
    kind: ctx?.kind ?? null,
    guestId: ctx?.guestId ?? null,
    conversation: {
      conversationRef: ctx?.conversationRef ?? null,
      genesysConversationId:
        event.type === 'TransmissionDelivered' ? event.data.genesysConversationId : null,
    },
    attempt: facts.attempt,
    latencyMs: facts.latencyMs,
    genesysMessageId: facts.genesysMessageId,
    error: facts.error,
    status: facts.status,
    timestamp: recorded.recordedAt,
    contentSha256: ctx?.contentSha256 ?? null,
  };
}
