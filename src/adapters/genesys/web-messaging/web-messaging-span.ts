import { context, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_SERVER_ADDRESS } from '@opentelemetry/semantic-conventions';
import type { TransportOutcome, TransportRequest } from '../../../application/ports/index.js';
import { ATTRIBUTE, gtxTracer } from '../../../application/tracing/gtx-tracer.js';

/** Stable span name of one request over a guest's WebSocket (docs/observability.md). */
export const WEB_MESSAGING_SEND_SPAN = 'gtx.web_messaging.send';

/**
 * The CLIENT span of one request over the guest's WebSocket (session, uploads, the message
 * frame), child of the active context (the delivery attempt's). Never the guest id, the
 * session token or the frame.
 */
export function startSendSpan(request: TransportRequest, serverAddress: string): Span {
  return gtxTracer().startSpan(
    WEB_MESSAGING_SEND_SPAN,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTRIBUTE.commandId]: request.commandId,
        [ATTRIBUTE.attempt]: request.attempt,
        [ATTR_SERVER_ADDRESS]: serverAddress,
      },
    },
    context.active(),
  );
}

export function endSendSpan(span: Span, outcome: TransportOutcome): void {
  if (!outcome.ok) {
    const { code, kind } = outcome.failure;
    const type = code ?? kind;
    span.setAttribute(ATTRIBUTE.failureKind, kind);
    span.setAttribute(ATTR_ERROR_TYPE, type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: type });
  }
  span.end();
}
