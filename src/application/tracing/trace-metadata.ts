import {
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import type { EventMetadata } from '../ports/index.js';

/**
 * The metadata key of a recorded event's trace context, in the W3C `traceparent` form. The
 * request event carries the intake's, so a delivery attempt in another process an hour later
 * continues the same trace; pipeline events carry their attempt's, so the analytics feed can link
 * a batch to them. The hash chain covers metadata like any other field.
 */
export const TRACEPARENT_KEY = 'traceparent';

/** The trace fields of an event's metadata. */
export interface TraceFields {
  readonly traceparent?: string;
}

/**
 * `{ traceparent }` of the span in `context`, for an event's metadata; empty when there is no
 * valid span (no tracer provider registered, or a no-op propagator): nothing is stored then.
 */
export function traceMetadata(context: Context): TraceFields {
  const span = trace.getSpan(context);
  if (span === undefined || !trace.isSpanContextValid(span.spanContext())) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context, carrier);
  const traceparent = carrier[TRACEPARENT_KEY];
  return traceparent === undefined ? {} : { traceparent };
}

/**
 * The context a recorded `traceparent` names, as the parent of spans that continue its trace;
 * the root context when the metadata holds none (events recorded without tracing, or by an
 * older version) or one the propagator does not accept.
 */
export function contextFromMetadata(metadata: EventMetadata | undefined): Context {
  const traceparent = metadata?.[TRACEPARENT_KEY];
  if (traceparent === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { [TRACEPARENT_KEY]: traceparent });
}

/** The span context a recorded `traceparent` names, for a span link; null without one. */
export function spanContextFromMetadata(metadata: EventMetadata | undefined): SpanContext | null {
  const spanContext = trace.getSpanContext(contextFromMetadata(metadata));
  return spanContext !== undefined && trace.isSpanContextValid(spanContext) ? spanContext : null;
}

/**
 * The context a caller's W3C headers (`traceparent`, `tracestate`) name, on top of `base`: the
 * HTTP intake's request headers, a broker message's headers. The propagator checks the header's
 * form; a malformed one is ignored, as the W3C recommendation asks, and `base` stays.
 */
export function contextFromHeaders(
  base: Context,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): Context {
  return propagation.extract(base, headers);
}

/** The W3C trace context headers a broker message may carry. */
const TRACE_HEADER_NAMES = ['traceparent', 'tracestate'] as const;

/**
 * The W3C trace context headers of a broker message, read through `read` (NATS `headers.get`,
 * AMQP `properties.headers[name]`); undefined when it carries none as text.
 */
export function pickTraceHeaders(
  read: (name: string) => unknown,
): Readonly<Record<string, string>> | undefined {
  let picked: Record<string, string> | undefined;
  for (const name of TRACE_HEADER_NAMES) {
    const value = read(name);
    if (typeof value !== 'string' || value === '') continue;
    picked ??= {};
    picked[name] = value;
  }
  return picked;
}
