import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { EventStore, Logger } from '../../application/ports/index.js';
import type { Transmitter } from '../../application/transmitter.js';
import type { ServiceMetrics } from './metrics/service-metrics.js';
import { errorBody } from './error-body.js';
import type { ApiKeys } from './api-keys.js';
import { authPlugin } from './auth-plugin.js';
import { errorMappingPlugin } from './error-mapping.js';
import { eventsRoutes } from './events-routes.js';
import { SchemaCompiler, type HttpPart } from './http-schemas.js';
import { intakeRoutes } from './intake-routes.js';
import { metricsRoute } from './metrics-route.js';
import { openApiPlugin } from './openapi-plugin.js';
import { outboundWebhookRoutes, type OutboundWebhookOptions } from './outbound-webhook-routes.js';
import { probeRoutes } from './probe-routes.js';
import { rateLimitPlugin } from './rate-limit-plugin.js';
import type { Readiness } from './readiness.js';
import { requestContextPlugin, requestIdOf } from './request-context-plugin.js';
import { ShutdownGate } from './shutdown-gate.js';
import { redriveRoutes } from './redrive-routes.js';
import { statusRoutes } from './status-routes.js';
import { transcriptRoutes } from './transcript-routes.js';

export type { ErrorBody } from './error-body.js';
export type { IntakeItem } from './intake-routes.js';

export interface HttpApiSettings {
  readonly maxBatch: number;
  readonly bodyLimitBytes: number;
  readonly version: string;
  /** GTX_API_RATE_PER_MINUTE: requests per API key (per client address without keys). */
  readonly ratePerMinute: number;
  /** Genesys' outbound webhook (agent replies); not served without its signature secret. */
  /** GTX_TRANSCRIPT_REVEAL=allow: the transcript route may answer `?reveal=true`. */
  readonly transcriptReveal?: boolean;
  readonly outboundWebhook?: Omit<OutboundWebhookOptions, 'transmitter' | 'logger'> | null;
}

export interface HttpApiDependencies {
  readonly transmitter: Transmitter;
  readonly ledger: EventStore;
  readonly metrics: ServiceMetrics;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly apiKeys: ApiKeys;
}

export interface HttpApi {
  readonly app: FastifyInstance;
  /**
   * Stops listening, answers new requests on open connections 503 SHUTTING_DOWN, waits up to
   * `timeoutMs` for requests being handled, then closes every connection that is left.
   */
  close(timeoutMs: number): Promise<void>;
}

/**
 * The HTTP intake and read API on fastify, one plugin per concern. The order of registration is
 * the order of the request hooks: request id and log, the shutdown gate, authentication, the
 * rate limit; then the error mapping, the OpenAPI generator (it records the routes registered
 * after it) and the routes.
 */
export function buildHttpApi(deps: HttpApiDependencies, settings: HttpApiSettings): HttpApi {
  const { transmitter, ledger, metrics, readiness, logger, apiKeys } = deps;
  const compiler = new SchemaCompiler();
  const gate = new ShutdownGate();

  const app = Fastify({
    logger: false,
    bodyLimit: settings.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: requestIdOf,
    return503OnClosing: true,
    // The router's own refusals (a URL that does not decode, a path parameter over its length)
    // answer in our error shape too, not fastify's.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const status: 400 | 414 = tooLong ? 414 : 400;
      void (reply as FastifyReply)
        .code(status)
        .send(
          errorBody(
            request,
            tooLong ? 'URL_PARAMETER_TOO_LONG' : 'URL_INVALID',
            tooLong
              ? 'a path parameter is longer than the router accepts'
              : 'the URL does not decode',
          ),
        );
    },
  });
  // JSON only: a text/plain body is answered 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    compiler.compile(schema as Record<string, unknown>, (httpPart ?? 'body') as HttpPart),
  );
  // Response schemas document the answers; bodies are written with JSON.stringify as they are,
  // never filtered or coerced by a schema-built serializer.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  void app.register(requestContextPlugin, { metrics, logger });
  void app.register(gate.plugin);
  void app.register(authPlugin, { apiKeys });
  void app.register(rateLimitPlugin, { perMinute: settings.ratePerMinute });
  void app.register(errorMappingPlugin, { bodyLimitBytes: settings.bodyLimitBytes, logger });
  void app.register(openApiPlugin, { version: settings.version });
  void app.register(intakeRoutes, { transmitter, metrics, logger, maxBatch: settings.maxBatch });
  void app.register(statusRoutes, { transmitter });
  void app.register(redriveRoutes, { transmitter, logger });
  void app.register(eventsRoutes, { ledger });
  void app.register(transcriptRoutes, {
    transmitter,
    revealAllowed: settings.transcriptReveal === true,
  });
  void app.register(metricsRoute, { metrics });
  void app.register(probeRoutes, { readiness });
  if (settings.outboundWebhook !== undefined && settings.outboundWebhook !== null) {
    void app.register(outboundWebhookRoutes, { transmitter, logger, ...settings.outboundWebhook });
  }

  return { app, close: (timeoutMs) => gate.close(app, timeoutMs) };
}
