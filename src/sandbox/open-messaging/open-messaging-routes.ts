import type { FastifyReply, FastifyRequest } from 'fastify';
import { rawBodyOf } from '../http/raw-body.js';
import type { SandboxApp } from '../http/sandbox-app.js';
import { parseBasicCredentials } from './credentials.js';
import { internalErrorBody, methodNotAllowedBody } from './genesys-errors.js';
import { INBOUND_SCHEMAS, inboundAjv } from './inbound-schemas.js';
import { acceptMessaging, admitMessaging } from './messaging-pipeline.js';
import type { MessagingRequest } from './messaging-pipeline.js';
import type { OpenMessagingSandbox } from './open-messaging-sandbox.js';
import type { MessagingEndpoint } from './types.js';
import { classifyUnrouted, isUsableIntegrationId } from './unrouted.js';

const ENDPOINTS: readonly MessagingEndpoint[] = ['message', 'receipt', 'event'];

function answerToken(
  sandbox: OpenMessagingSandbox,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const body = rawBodyOf(request.body);
  const credentials = parseBasicCredentials(request.headers.authorization);
  if (
    credentials === null ||
    !sandbox.tokens.authenticateClient(credentials.clientId, credentials.clientSecret)
  ) {
    const error = { error: 'invalid_client', description: 'Client authentication failed.' };
    return sandbox.send(reply, { status: 401, body: error });
  }
  const form = body.kind === 'ok' ? body.bytes.toString('utf8') : null;
  const grantType = form === null ? null : new URLSearchParams(form).get('grant_type');
  if (grantType !== 'client_credentials') {
    const error = {
      error: 'unsupported_grant_type',
      description: 'Only grant_type=client_credentials is supported.',
    };
    return sandbox.send(reply, { status: 400, body: error });
  }
  const issued = sandbox.tokens.issue(sandbox.settings.now());
  sandbox.counters.tokenIssued();
  const grant = {
    access_token: issued.accessToken,
    token_type: 'bearer',
    expires_in: issued.expiresInSeconds,
  };
  return sandbox.send(reply, {
    status: 200,
    body: grant,
    headers: { 'Cache-Control': 'no-store' },
  });
}

/** The answer to a request no route took: 405 for a wrong method on one of our paths, else 404. */
export function answerUnrouted(
  sandbox: OpenMessagingSandbox,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const unrouted = classifyUnrouted(request.url);
  if (unrouted.kind === 'notFound') return sandbox.notFound(reply);
  if (unrouted.counted) sandbox.counters.request('unknown');
  const body = methodNotAllowedBody(request.method, request.id);
  const headers = { Allow: unrouted.allow };
  return sandbox.send(reply, { status: 405, body, headers }, unrouted.counted);
}

/**
 * The OAuth token endpoint, the three inbound endpoints, the control endpoints and the error
 * handler of the whole sandbox. Not-found answers come from `answerUnrouted`, which the
 * sandbox wires as fastify's not-found handler.
 */
export function registerOpenMessagingRoutes(app: SandboxApp, sandbox: OpenMessagingSandbox): void {
  const ajv = inboundAjv();
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  // Nothing is logged: an unexpected failure becomes a 500, or a dropped socket if too late.
  app.setErrorHandler((_error, _request, reply) => {
    if (sandbox.closing.aborted || reply.raw.headersSent || reply.raw.destroyed) {
      reply.hijack();
      reply.raw.destroy();
      return;
    }
    // A fresh answer: headers set on the way (the rate-limit hints) belong to another one.
    for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
    sandbox.send(reply, { status: 500, body: internalErrorBody(reply.request.id) }, false);
  });

  app.post('/oauth/token', {
    onRequest: (_request, _reply, done) => {
      sandbox.counters.request('token');
      done();
    },
    handler: (request, reply) => answerToken(sandbox, request, reply),
  });

  app.get('/__sandbox/messages', (_request, reply) =>
    sandbox.send(
      reply,
      { status: 200, body: { messages: sandbox.received(), stats: sandbox.stats() } },
      false,
    ),
  );
  app.get('/__sandbox/health', (_request, reply) =>
    sandbox.send(reply, { status: 200, body: { status: 'ok' } }, false),
  );

  for (const endpoint of ENDPOINTS) {
    app.post<{ Params: { integrationId: string } }>(
      `/api/v2/conversations/messages/:integrationId/inbound/open/${endpoint}`,
      {
        schema: { body: INBOUND_SCHEMAS[endpoint] },
        // The handler merges ajv's errors with the endpoint checks into one 400.
        attachValidation: true,
        onRequest: (request, reply, done) => {
          // Answered here, so `done` is not called: a blank id names no endpoint to count.
          if (!isUsableIntegrationId(request.params.integrationId)) {
            sandbox.notFound(reply);
            return;
          }
          sandbox.counters.request(endpoint);
          done();
        },
        preValidation: async (request, reply) => {
          const admitted = await admitMessaging(sandbox, request, reply);
          return admitted === 'answered' ? reply : undefined;
        },
        handler: (request: MessagingRequest, reply) =>
          acceptMessaging(sandbox, endpoint, request, reply),
      },
    );
  }
}
