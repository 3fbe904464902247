import { context, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
} from '@opentelemetry/semantic-conventions';
import { gtxTracer } from '../../../application/tracing/gtx-tracer.js';
import type { TransportFailure } from '../../../domain/index.js';
import type { OpenMessagingCall } from './open-message-mapping.js';

/** The route of each SDK call (the Open Messaging inbound endpoints, docs/genesys.md). */
const URL_TEMPLATES: Record<OpenMessagingCall['endpoint'], string> = {
  message: '/api/v2/conversations/messages/{integrationId}/inbound/open/message',
  receipt: '/api/v2/conversations/messages/{integrationId}/inbound/open/receipt',
  event: '/api/v2/conversations/messages/{integrationId}/inbound/open/event',
};

/** Built once: no string is made per call when nobody records. */
const SPAN_NAMES: Record<OpenMessagingCall['endpoint'], string> = {
  message: `POST ${URL_TEMPLATES.message}`,
  receipt: `POST ${URL_TEMPLATES.receipt}`,
  event: `POST ${URL_TEMPLATES.event}`,
};

/** Not yet stable in @opentelemetry/semantic-conventions: copied, as its README advises. */
const ATTR_URL_TEMPLATE = 'url.template';

/**
 * The CLIENT span of one SDK call, named `POST <url template>` as the HTTP semantic conventions
 * name client spans, child of the active context (the delivery attempt's). It records the
 * method, route, host and the answer's status code, never a body, a header or the integration
 * id in a full URL.
 */
export function startCallSpan(
  endpoint: OpenMessagingCall['endpoint'],
  serverAddress: string,
): Span {
  const template = URL_TEMPLATES[endpoint];
  return gtxTracer().startSpan(
    SPAN_NAMES[endpoint],
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: 'POST',
        [ATTR_URL_TEMPLATE]: template,
        [ATTR_SERVER_ADDRESS]: serverAddress,
      },
    },
    context.active(),
  );
}

/** Ends the call's span with Genesys' status code (or the failure's code when none came). */
export function endCallSpan(
  span: Span,
  answer: { status: number | null; failure?: TransportFailure },
): void {
  if (answer.status !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, answer.status);
  if (answer.failure !== undefined) {
    const type =
      answer.status === null ? (answer.failure.code ?? answer.failure.kind) : String(answer.status);
    span.setAttribute(ATTR_ERROR_TYPE, type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: type });
  }
  span.end();
}
