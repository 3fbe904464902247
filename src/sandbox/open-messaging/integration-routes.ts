/**
 * The two configuration reads of the Open Messaging API the SDK offers for an integration
 * (`getConversationsMessagingIntegrationsOpenIntegrationId`,
 * `getConversationsMessagingSupportedcontentSupportedContentId`): bearer token, the token's rate
 * window, then 404 with Genesys' error body for an id the sandbox does not serve. Answers carry a
 * `Date` from the sandbox's clock, so tests can move it and see the skew.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Answer } from '../http/answer.js';
import type { SandboxApp } from '../http/sandbox-app.js';
import { bearerToken } from './credentials.js';
import {
  badCredentialsBody,
  integrationNotFoundBody,
  missingTokenBody,
  notFoundBody,
  rateLimitedBody,
} from './genesys-errors.js';
import type { IntegrationSettings } from './integration-settings.js';
import type { OpenMessagingSandbox } from './open-messaging-sandbox.js';
import { rateLimitHeaders } from './rate-window.js';

type Admission = { readonly kind: 'admitted' } | { readonly kind: 'answered' };

/** Configuration reads are not messaging requests: they are left out of the stats. */
function answer(
  sandbox: OpenMessagingSandbox,
  reply: FastifyReply,
  answered: Answer,
): FastifyReply {
  reply.header('Date', new Date(sandbox.settings.now()).toUTCString());
  return sandbox.send(reply, answered, false);
}

function admit(
  sandbox: OpenMessagingSandbox,
  request: FastifyRequest,
  reply: FastifyReply,
): Admission {
  const token = bearerToken(request.headers.authorization);
  const now = sandbox.settings.now();
  if (token === null) {
    answer(sandbox, reply, { status: 401, body: missingTokenBody(request.id) });
    return { kind: 'answered' };
  }
  if (sandbox.tokens.check(token, now) !== 'valid') {
    answer(sandbox, reply, { status: 401, body: badCredentialsBody(request.id) });
    return { kind: 'answered' };
  }
  const hit = sandbox.rateWindows.hit(token, now);
  reply.headers(rateLimitHeaders(hit));
  if (hit.exceeded) {
    answer(sandbox, reply, {
      status: 429,
      body: rateLimitedBody(hit.resetSeconds, request.id),
      headers: { 'Retry-After': String(hit.resetSeconds) },
    });
    return { kind: 'answered' };
  }
  return { kind: 'admitted' };
}

export function registerIntegrationRoutes(
  app: SandboxApp,
  sandbox: OpenMessagingSandbox,
  integrations: IntegrationSettings,
  baseUrl: () => string,
): void {
  app.get<{ Params: { integrationId: string } }>(
    '/api/v2/conversations/messaging/integrations/open/:integrationId',
    (request, reply) => {
      if (admit(sandbox, request, reply).kind === 'answered') return reply;
      const { integrationId } = request.params;
      if (!sandbox.settings.integrationIds.has(integrationId)) {
        return answer(sandbox, reply, {
          status: 404,
          body: integrationNotFoundBody(integrationId, request.id),
        });
      }
      const body = integrations.openIntegration(integrationId, baseUrl(), sandbox.settings.now());
      return answer(sandbox, reply, { status: 200, body });
    },
  );
  app.get<{ Params: { supportedContentId: string } }>(
    '/api/v2/conversations/messaging/supportedcontent/:supportedContentId',
    (request, reply) => {
      if (admit(sandbox, request, reply).kind === 'answered') return reply;
      const { supportedContentId } = request.params;
      const body = integrations.supportedContent(supportedContentId);
      if (body === null) {
        return answer(sandbox, reply, {
          status: 404,
          body: notFoundBody(`Supported content ${supportedContentId} was not found.`, request.id),
        });
      }
      return answer(sandbox, reply, { status: 200, body });
    },
  );
}
