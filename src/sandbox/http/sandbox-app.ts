import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fastify } from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readRawBody } from './raw-body.js';
import type { RawBody } from './raw-body.js';

export type SandboxApp = FastifyInstance<Server, IncomingMessage, ServerResponse>;

export interface SandboxAppOptions {
  /** The default body limit of a route, in bytes; larger bodies are drained and flagged. */
  readonly bodyLimit: number;
  /** Answers a request whose path the router cannot decode (e.g. a bad percent escape). */
  readonly onUndecodableUrl: (request: FastifyRequest, reply: FastifyReply) => void;
}

/** The Content-Type each request arrived with; see the onRequest hook below. */
const contentTypes = new WeakMap<IncomingMessage, string>();

export function requestContentType(request: FastifyRequest): string | undefined {
  return contentTypes.get(request.raw);
}

/**
 * The fastify instance both protocols of the sandbox register their routes on.
 *
 * The node server is ours (`serverFactory`), so listening, keep-alive and closing stay exactly
 * as the sandbox needs them: a keep-alive timeout longer than any client agent's idle timeout,
 * so the server never closes a socket a client is about to reuse (that race would look like an
 * injected connection reset).
 *
 * Bodies: the JSON endpoints answer a wrong Content-Type with 415 themselves, in Genesys' error
 * body and in Genesys' order (after the token and its rate window); fastify would answer first,
 * in its own shape. So the header is taken off the request on arrival (kept for
 * `requestContentType`) and one catch-all parser reads every body as bytes, with the route's
 * `bodyLimit`.
 */
export function createSandboxApp(options: SandboxAppOptions): SandboxApp {
  const app = fastify({
    serverFactory: (handler) => createServer({ keepAliveTimeout: 65_000 }, handler),
    genReqId: () => randomUUID(),
    bodyLimit: options.bodyLimit,
    exposeHeadRoutes: false,
    // The integration id is a path parameter of any length, as the SDK may send it.
    routerOptions: { maxParamLength: 65_536 },
    frameworkErrors: (_error, request, reply) => {
      options.onUndecodableUrl(request, reply);
    },
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const contentType = request.raw.headers['content-type'];
    if (contentType !== undefined) {
      contentTypes.set(request.raw, contentType);
      delete request.raw.headers['content-type'];
    }
    done();
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    (request: FastifyRequest, payload: IncomingMessage): Promise<RawBody> =>
      readRawBody(payload, request.routeOptions.bodyLimit),
  );
  return app;
}
