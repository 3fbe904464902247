/**
 * The pipeline of the three inbound endpoints: faults (infrastructure in front of the API, so
 * they neither need nor count against a token), size, auth, the token's rate window, the
 * Content-Type, the integration, JSON (`admitMessaging`, fastify's preValidation), then the model (fastify's
 * ajv validation plus the endpoint checks) and only then acceptance (`acceptMessaging`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultDecision } from '../faults/fault-plan.js';
import type { Answer } from '../http/answer.js';
import { isJsonContentType } from '../http/json-content-type.js';
import { rawBodyOf } from '../http/raw-body.js';
import { requestContentType } from '../http/sandbox-app.js';
import { bearerToken } from './credentials.js';
import {
  badCredentialsBody,
  badRequestBody,
  integrationNotFoundBody,
  missingTokenBody,
  rateLimitedBody,
  serviceUnavailableBody,
  tooLargeBody,
  unsupportedMediaTypeBody,
} from './genesys-errors.js';
import type { FieldIssue } from './genesys-errors.js';
import { inboundIssues } from './inbound-issues.js';
import type { SchemaError } from './inbound-issues.js';
import type { InboundEvent, InboundMessage, InboundReceipt } from './inbound-models.js';
import { normalizedEvent, normalizedMessage, normalizedReceipt } from './normalized-responses.js';
import type { OpenMessagingSandbox } from './open-messaging-sandbox.js';
import { rateLimitHeaders } from './rate-window.js';
import type { MessagingEndpoint, ScriptedAnswer } from './types.js';

export type MessagingRequest = FastifyRequest<{ Params: { integrationId: string } }>;

type Continuation = 'continue' | 'answered';

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function duplicateKey(...parts: readonly string[]): string {
  return parts.join('\u0000');
}

function prefetchConversationId(url: string): boolean {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return false;
  return new URLSearchParams(url.slice(queryStart + 1)).get('prefetchConversationId') === 'true';
}

/**
 * Everything before the model check. Answers (and returns 'answered') on the first refusal;
 * otherwise leaves the parsed JSON as the body for the schema, and the counted window's
 * rate-limit headers on the reply for every answer after it.
 */
export async function admitMessaging(
  sandbox: OpenMessagingSandbox,
  request: MessagingRequest,
  reply: FastifyReply,
): Promise<Continuation> {
  if ((await applyFault(sandbox, request, reply, sandbox.faults.next())) === 'answered') {
    return 'answered';
  }
  const { settings } = sandbox;
  const body = rawBodyOf(request.body);
  if (body.kind === 'tooLarge') {
    sandbox.send(reply, { status: 413, body: tooLargeBody(settings.maxBodyBytes, request.id) });
    return 'answered';
  }
  const token = authenticate(sandbox, request, reply);
  if (token === null) return 'answered';
  const hit = sandbox.rateWindows.hit(token, settings.now());
  reply.headers(rateLimitHeaders(hit));
  if (hit.exceeded) {
    sandbox.counters.windowExceeded();
    const headers = { 'Retry-After': String(hit.resetSeconds) };
    const limited = rateLimitedBody(hit.resetSeconds, request.id);
    sandbox.send(reply, { status: 429, body: limited, headers });
    return 'answered';
  }
  const contentType = requestContentType(request);
  if (!isJsonContentType(contentType)) {
    const unsupported = unsupportedMediaTypeBody(contentType, request.id);
    sandbox.send(reply, { status: 415, body: unsupported });
    return 'answered';
  }
  const { integrationId } = request.params;
  if (!settings.integrationIds.has(integrationId)) {
    const notFound = integrationNotFoundBody(integrationId, request.id);
    sandbox.send(reply, { status: 404, body: notFound });
    return 'answered';
  }
  const json = parseJson(body.bytes.toString('utf8'));
  if (!json.ok) {
    const invalid = badRequestBody('The request body is not valid JSON.', request.id);
    sandbox.send(reply, { status: 400, body: invalid });
    return 'answered';
  }
  request.body = json.value;
  return 'continue';
}

/** Answers 401 itself and returns null when the bearer token is missing or not valid. */
function authenticate(
  sandbox: OpenMessagingSandbox,
  request: FastifyRequest,
  reply: FastifyReply,
): string | null {
  const token = bearerToken(request.headers.authorization);
  if (token === null) {
    sandbox.send(reply, { status: 401, body: missingTokenBody(request.id) });
    return null;
  }
  if (sandbox.tokens.check(token, sandbox.settings.now()) !== 'valid') {
    sandbox.send(reply, { status: 401, body: badCredentialsBody(request.id) });
    return null;
  }
  return token;
}

function validationFailure(issues: readonly FieldIssue[], contextId: string): Answer {
  const fields = issues.map((issue) => issue.fieldName).join(', ');
  return {
    status: 400,
    body: badRequestBody(`Invalid request body: ${fields}`, contextId, issues),
  };
}

/** The handler: the model's verdict (ajv's errors, attached by fastify, and the checks), then acceptance. */
export function acceptMessaging(
  sandbox: OpenMessagingSandbox,
  endpoint: MessagingEndpoint,
  request: MessagingRequest,
  reply: FastifyReply,
): FastifyReply {
  const json = request.body;
  // Ajv's ErrorObject[], which fastify's types leave as `any`.
  const schemaErrors = request.validationError?.validation as readonly SchemaError[] | undefined;
  const issues = inboundIssues(endpoint, json, schemaErrors ?? []);
  if (issues.length > 0) return sandbox.send(reply, validationFailure(issues, request.id));
  const { integrationId } = request.params;
  // The schema and the checks above proved each shape; the casts restate it.
  switch (endpoint) {
    case 'message':
      return acceptMessage(sandbox, request, reply, json as InboundMessage);
    case 'receipt':
      return acceptReceipt(sandbox, integrationId, reply, json as InboundReceipt);
    case 'event':
      return acceptEvent(sandbox, integrationId, reply, json as InboundEvent);
  }
}

function acceptMessage(
  sandbox: OpenMessagingSandbox,
  request: MessagingRequest,
  reply: FastifyReply,
  message: InboundMessage,
): FastifyReply {
  const { integrationId } = request.params;
  const messageId = message.channel.messageId ?? null;
  const conversationId = sandbox.conversations.conversationFor(
    integrationId,
    message.channel.from.id,
  );
  const acceptance = sandbox.record({
    endpoint: 'message',
    integrationId,
    messageId,
    duplicateKey: messageId === null ? null : duplicateKey('message', integrationId, messageId),
    body: message,
    conversationId,
  });
  const prefetched = prefetchConversationId(request.url) ? conversationId : undefined;
  const body = normalizedMessage(message, integrationId, acceptance.genesysMessageId, prefetched);
  const answered = sandbox.send(reply, { status: 200, body });
  // Told after the answer is written: the agent's work never holds the inbound answer back.
  // A repeated copy is the same guest message, so the agent answers its first copy only.
  if (!acceptance.duplicate) {
    sandbox.agent.openMessageAccepted({
      integrationId,
      guestId: message.channel.from.id,
      guestMessageId: messageId,
      genesysMessageId: acceptance.genesysMessageId,
      text: message.text ?? '',
      attachments: message.content?.length ?? 0,
    });
  }
  return answered;
}

/** A receipt is a duplicate when the same receipt id reports the same status again. */
function acceptReceipt(
  sandbox: OpenMessagingSandbox,
  integrationId: string,
  reply: FastifyReply,
  receipt: InboundReceipt,
): FastifyReply {
  const acceptance = sandbox.record({
    endpoint: 'receipt',
    integrationId,
    messageId: receipt.id,
    duplicateKey: duplicateKey('receipt', integrationId, receipt.id, receipt.status),
    body: receipt,
    conversationId: sandbox.conversations.conversationFor(integrationId, receipt.channel.to.id),
  });
  sandbox.agent.receiptAccepted({
    receiptId: receipt.id,
    status: receipt.status,
    ...(receipt.reasons === undefined ? {} : { reasons: receipt.reasons }),
  });
  const body = normalizedReceipt(receipt, integrationId, acceptance.genesysMessageId);
  return sandbox.send(reply, { status: 200, body });
}

function acceptEvent(
  sandbox: OpenMessagingSandbox,
  integrationId: string,
  reply: FastifyReply,
  event: InboundEvent,
): FastifyReply {
  const acceptance = sandbox.record({
    endpoint: 'event',
    integrationId,
    messageId: null,
    duplicateKey: null,
    body: event,
    conversationId: sandbox.conversations.conversationFor(integrationId, event.channel.from.id),
  });
  const body = normalizedEvent(event, integrationId, acceptance.genesysMessageId);
  return sandbox.send(reply, { status: 200, body });
}

async function applyFault(
  sandbox: OpenMessagingSandbox,
  request: FastifyRequest,
  reply: FastifyReply,
  fault: FaultDecision<ScriptedAnswer>,
): Promise<Continuation> {
  const { counters } = sandbox;
  switch (fault.kind) {
    case 'none':
      return 'continue';
    case 'scripted':
      counters.fault('scripted');
      return applyScripted(sandbox, request, reply, fault.answer);
    case 'slow':
      counters.fault('slow');
      await sandbox.delay(fault.ms);
      return 'continue';
    case 'connectionReset':
      counters.fault('connectionReset');
      resetConnection(sandbox, request, reply);
      return 'answered';
    case 'serverError':
      counters.fault('serverError');
      sandbox.send(reply, { status: 503, body: serviceUnavailableBody(request.id) });
      return 'answered';
    case 'serverErrorEmptyBody':
      counters.fault('serverErrorEmptyBody');
      sandbox.send(reply, { status: fault.status });
      return 'answered';
    case 'rateLimited': {
      counters.fault('rateLimited');
      const seconds = sandbox.settings.retryAfterSeconds;
      const body = rateLimitedBody(seconds, request.id);
      sandbox.send(reply, { status: 429, body, headers: { 'Retry-After': String(seconds) } });
      return 'answered';
    }
  }
}

async function applyScripted(
  sandbox: OpenMessagingSandbox,
  request: FastifyRequest,
  reply: FastifyReply,
  answer: ScriptedAnswer,
): Promise<Continuation> {
  switch (answer.kind) {
    case 'status':
      sandbox.send(reply, {
        status: answer.status,
        ...(answer.body === undefined ? {} : { body: answer.body }),
        ...(answer.headers === undefined ? {} : { headers: answer.headers }),
      });
      return 'answered';
    case 'reset':
      resetConnection(sandbox, request, reply);
      return 'answered';
    case 'delay':
      await sandbox.delay(answer.ms);
      return 'continue';
    case 'revokeToken': {
      const token = bearerToken(request.headers.authorization);
      if (token !== null) sandbox.tokens.revoke(token);
      sandbox.send(reply, { status: 401, body: badCredentialsBody(request.id) });
      return 'answered';
    }
  }
}

/** Drops the socket after the request was read, without an answer: fastify is told not to write one. */
function resetConnection(
  sandbox: OpenMessagingSandbox,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  sandbox.counters.connectionReset();
  reply.hijack();
  request.raw.socket.destroy();
}
