import { trace, type Tracer } from '@opentelemetry/api';

/**
 * The tracer of every span genesys-transmitter makes (instrumentation scope
 * `genesys-transmitter`). The API's tracer is a no-op until a tracer provider is registered (by
 * `gtx` when OTEL_EXPORTER_OTLP_ENDPOINT is set, or by an embedding application's own SDK), so
 * code that traces costs next to nothing when nobody listens. Asked for at each span rather
 * than kept: a tracer kept from one provider would outlive it when the SDK is stopped and
 * started again in one process (a test run, a library that reopens its transmitter).
 */
export function gtxTracer(): Tracer {
  return trace.getTracer('genesys-transmitter');
}

/** Span names: stable, documented in docs/observability.md; dashboards and alerts key on them. */
export const SPAN = {
  /** One command's validation, decision and append (`TransmissionService.accept`). */
  intake: 'gtx.intake',
  /** One append to the event store (the request, an attempt's start, an outcome). */
  ledgerAppend: 'gtx.ledger.append',
  /** One delivery attempt, from its recorded start to its recorded outcome. */
  attempt: 'gtx.attempt',
  /** One broker message handed to the intake (`gtx consume`, `gtx serve --consume`). */
  brokerDelivery: 'gtx.broker.delivery',
  /** One batch of the analytics feed, linked to the traces of the commands in it. */
  feedBatch: 'gtx.feed.batch',
} as const;

/**
 * Span attributes of our own. Never a guest id, a conversation ref or content: those are
 * personal (docs/privacy.md); a span names a message by its command id and content hash only.
 */
export const ATTRIBUTE = {
  commandId: 'gtx.command.id',
  kind: 'gtx.command.kind',
  attempt: 'gtx.attempt',
  /** Intake: accepted | rejected | duplicate. Attempt: delivered | retrying | deadLettered. */
  outcome: 'gtx.outcome',
  failureCode: 'gtx.failure.code',
  failureKind: 'gtx.failure.kind',
  eventTypes: 'gtx.event.types',
  streamVersion: 'gtx.stream.version',
  violations: 'gtx.violations',
  feedName: 'gtx.feed.name',
  batchId: 'gtx.feed.batch.id',
  batchEvents: 'gtx.feed.batch.events',
  batchFirstPosition: 'gtx.feed.batch.first_position',
  batchLastPosition: 'gtx.feed.batch.last_position',
  batchAttempts: 'gtx.feed.batch.attempts',
} as const;
