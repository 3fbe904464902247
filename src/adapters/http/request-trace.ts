import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { gtxTracer } from '../../application/tracing/gtx-tracer.js';
import { markFailed } from '../../application/tracing/span-scope.js';
import { contextFromHeaders } from '../../application/tracing/trace-metadata.js';

type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/**
 * Runs an intake route inside a SERVER span `POST <route>`, child of the caller's W3C
 * `traceparent` (and `tracestate`) when the request carries a valid one, so each command's
 * `gtx.intake` span, and every delivery attempt after it, joins the caller's trace. A malformed
 * header is ignored (a new trace starts), as the W3C recommendation asks; it is never an error.
 */
export function tracedRoute(route: string, handler: RouteHandler): RouteHandler {
  const name = `POST ${route}`;
  return async (request, reply) => {
    await inServerSpan(name, route, request, reply, handler);
    return reply;
  };
}

async function inServerSpan(
  name: string,
  route: string,
  request: FastifyRequest,
  reply: FastifyReply,
  handler: RouteHandler,
): Promise<void> {
  const parent = contextFromHeaders(ROOT_CONTEXT, request.headers);
  const span = gtxTracer().startSpan(
    name,
    {
      kind: SpanKind.SERVER,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: 'POST', [ATTR_HTTP_ROUTE]: route },
    },
    parent,
  );
  try {
    // The handler's promise settles once the reply is sent (it returns the thenable reply).
    await context.with(trace.setSpan(parent, span), () => handler(request, reply));
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
  } catch (error) {
    // The error handler turns it into the answer (4xx/5xx); the span names its code.
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}
