import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import './auth-plugin.js';
import { HttpProblem } from './error-body.js';
import { unencapsulated } from './unencapsulated.js';

export interface RateLimitOptions {
  /** GTX_API_RATE_PER_MINUTE: requests per caller per minute. */
  readonly perMinute: number;
}

function callerKey(request: FastifyRequest): string {
  return request.caller ?? `address:${request.ip}`;
}

/**
 * The per-caller budget from `@fastify/rate-limit`: `perMinute` requests per API key (per client
 * address without keys) in a one-minute window, one budget across every route, unmatched URLs
 * included; public routes are outside it. Runs after authentication (the plugin's hook is a
 * route-level onRequest hook, and those run after the root's), so a refused key spends nothing.
 * Past the budget: 429 RATE_LIMITED with Retry-After (seconds until the window ends); allowed
 * answers carry X-RateLimit-Remaining, as before the plugin.
 */
export const rateLimitPlugin: FastifyPluginAsync<RateLimitOptions> = unencapsulated(
  async (app, { perMinute }) => {
    await app.register(fastifyRateLimit, {
      global: true,
      max: perMinute,
      timeWindow: 60_000,
      hook: 'onRequest',
      keyGenerator: callerKey,
      allowList: (request) => request.routeOptions.config.publicRoute === true,
      addHeadersOnExceeding: {
        'x-ratelimit-limit': false,
        'x-ratelimit-remaining': true,
        'x-ratelimit-reset': false,
      },
      addHeaders: {
        'x-ratelimit-limit': false,
        'x-ratelimit-remaining': false,
        'x-ratelimit-reset': false,
        'retry-after': true,
      },
      errorResponseBuilder: (_request, context) => {
        const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
        return new HttpProblem(
          429,
          'RATE_LIMITED',
          `too many requests for this API key; retry in ${seconds} s`,
        );
      },
    });
    // The plugin limits the routes it sees registered; an unmatched URL has no route, so its
    // request takes from the same budget here (after authentication, like a route's).
    const limitUnmatched = app.rateLimit();
    app.addHook('onRequest', async (request, reply) => {
      if (request.is404) await limitUnmatched.call(app, request, reply);
    });
  },
);
