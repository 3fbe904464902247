import type { FastifyPluginCallback } from 'fastify';
import type { ServiceMetrics } from './metrics/service-metrics.js';

export interface MetricsRouteOptions {
  readonly metrics: ServiceMetrics;
}

/** GET /metrics: the service's Prometheus registry (needs a key, like every /v1 route). */
export const metricsRoute: FastifyPluginCallback<MetricsRouteOptions> = (
  app,
  { metrics },
  done,
) => {
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        tags: ['operations'],
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metricsText()),
  );
  done();
};
