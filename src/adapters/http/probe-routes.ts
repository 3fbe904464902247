import type { FastifyPluginCallback } from 'fastify';
import { PUBLIC_ROUTE } from './auth-plugin.js';
import type { Readiness } from './readiness.js';
import { ERROR_SCHEMA } from './response-schemas.js';

export interface ProbeOptions {
  readonly readiness: Readiness;
}

const READINESS_BODY = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    checks: {
      type: 'object',
      description: "Check name -> 'ok' or the reason it failed",
      additionalProperties: { type: 'string' },
    },
  },
} as const;

/** GET /healthz (liveness) and GET /readyz (every readiness check, named), both public. */
export const probeRoutes: FastifyPluginCallback<ProbeOptions> = (app, { readiness }, done) => {
  app.get(
    '/healthz',
    {
      config: PUBLIC_ROUTE,
      schema: {
        summary: 'Liveness',
        tags: ['operations'],
        response: {
          200: {
            description: 'alive',
            type: 'object',
            properties: { status: { type: 'string', enum: ['alive'] } },
          },
        },
      },
    },
    async (_request, reply) => reply.send({ status: 'alive' }),
  );
  app.get(
    '/readyz',
    {
      config: PUBLIC_ROUTE,
      schema: {
        summary: 'Readiness: ledger writable, Genesys reachable with our credentials, feed on',
        tags: ['operations'],
        response: {
          200: { description: 'ready', ...READINESS_BODY },
          503: {
            description: 'Not ready, with the reason of each failed check; or shutting down',
            oneOf: [READINESS_BODY, { $ref: ERROR_SCHEMA.$id }],
          },
        },
      },
    },
    async (_request, reply) => {
      const report = await readiness.report();
      return reply
        .code(report.ready ? 200 : 503)
        .send({ status: report.ready ? 'ready' : 'unavailable', checks: report.checks });
    },
  );
  done();
};
