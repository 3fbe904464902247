import type { FastifyPluginCallback } from 'fastify';
import type { ApiKeys } from './api-keys.js';
import { errorBody } from './error-body.js';
import { unencapsulated } from './unencapsulated.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without an API key and outside the rate limit (probes, the API description). */
    readonly publicRoute?: boolean;
  }
  interface FastifyRequest {
    /**
     * Who the request is accounted to once it passed authentication: the key's name (`key-1`…),
     * or `address:IP` when no key is configured. Null on public routes and refused requests.
     */
    caller: string | null;
  }
}

/** Route config of a route that needs no key; every other route (and an unmatched URL) does. */
export const PUBLIC_ROUTE = { publicRoute: true } as const;

export interface AuthOptions {
  readonly apiKeys: ApiKeys;
}

/**
 * Bearer API keys (compared in constant time by `ApiKeys`). A missing header is 401
 * AUTH_REQUIRED, a wrong key 401 AUTH_INVALID, both with `WWW-Authenticate: Bearer`. Without
 * configured keys (loopback only, checked at start) every request passes and is accounted to
 * its client address.
 */
export const authPlugin: FastifyPluginCallback<AuthOptions> = unencapsulated(
  (app, { apiKeys }, done) => {
    app.decorateRequest('caller', null);
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.publicRoute === true) return undefined;
      if (!apiKeys.configured) {
        request.caller = `address:${request.ip}`;
        return undefined;
      }
      const key = apiKeys.authenticate(request.headers.authorization);
      if (key === null) {
        void reply.header('www-authenticate', 'Bearer realm="gtx"');
        const code = request.headers.authorization === undefined ? 'AUTH_REQUIRED' : 'AUTH_INVALID';
        return reply
          .code(401)
          .send(errorBody(request, code, 'a valid API key is required: Authorization: Bearer KEY'));
      }
      request.caller = key.name;
      return undefined;
    });
    done();
  },
);
