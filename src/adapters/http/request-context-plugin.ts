import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyPluginCallback } from 'fastify';
import type { Logger } from '../../application/ports/index.js';
import type { ServiceMetrics } from './metrics/service-metrics.js';
import { unencapsulated } from './unencapsulated.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's own X-Request-Id when it is 1-128 of `A-Z a-z 0-9 . _ : -`, else a new UUID. */
export function requestIdOf(raw: IncomingMessage): string {
  const header = raw.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

export interface RequestContextOptions {
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
}

/**
 * Every answer carries X-Request-Id; every request is counted in the metrics and logged once
 * (`http request`: id, method, route, status, duration and the caller's key name, never the key).
 * Registered first, so the header is set before any hook answers.
 */
export const requestContextPlugin: FastifyPluginCallback<RequestContextOptions> = unencapsulated(
  (app, { metrics, logger }, done) => {
    app.addHook('onRequest', async (request, reply) => {
      void reply.header('x-request-id', request.id);
    });
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      logger.info('http request', {
        requestId: request.id,
        method: request.method,
        route,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        ...(request.caller === null ? {} : { caller: request.caller }),
      });
    });
    done();
  },
);
