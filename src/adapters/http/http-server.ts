import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { InvalidCommandInputError } from '../../application/commands/command-input.js';
import type { EventStore, Logger, RecordedEvent } from '../../application/ports/index.js';
import type { AcceptedCommand } from '../../application/transmission/transmission-service.js';
import type { Transmitter } from '../../application/transmitter.js';
import { isGtxError, type OutboundKind } from '../../domain/index.js';
import type { ParsedCommand } from '../../application/commands/parsed-command.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';
import type { ApiKeys } from './api-keys.js';
import {
  COMMAND_ID_PARAMS_SCHEMA,
  commandBodySchema,
  EVENTS_QUERY_SCHEMA,
  problemsOf,
  SchemaCompiler,
  type HttpPart,
  type RequestProblem,
} from './http-schemas.js';
import { buildOpenApiDocument } from './openapi.js';
import type { Readiness } from './readiness.js';
import type { RequestRateLimiter } from './request-rate-limiter.js';

export interface HttpApiSettings {
  readonly maxBatch: number;
  readonly bodyLimitBytes: number;
  readonly version: string;
}

export interface HttpApiDependencies {
  readonly transmitter: Transmitter;
  readonly ledger: EventStore;
  readonly metrics: ServiceMetrics;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly apiKeys: ApiKeys;
  readonly rateLimiter: RequestRateLimiter;
}

export interface HttpApi {
  readonly app: FastifyInstance;
  /**
   * Stops listening, answers new requests on open connections 503 SHUTTING_DOWN, waits up to
   * `timeoutMs` for requests being handled, then closes every connection that is left.
   */
  close(timeoutMs: number): Promise<void>;
}

/** Answers that are not 2xx share one shape: `{ error: { code, message, requestId, … } }`. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly requestId: string;
    readonly problems?: readonly RequestProblem[];
  };
}

/** Per-command result of an intake, in the order of the request. */
export interface IntakeItem {
  readonly commandId: string;
  /** The command's state: accepted (in the ledger, not final), or its final status. */
  readonly status: 'accepted' | 'rejected' | 'delivered' | 'deadLettered';
  /** The id was already in the ledger: nothing new was recorded. */
  readonly duplicate: boolean;
  readonly statusUrl: string;
  readonly violations?: readonly { code: string; field: string; message: string }[];
}

const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/openapi.json']);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const INTAKE_ROUTES: readonly (readonly [string, OutboundKind])[] = [
  ['/v1/messages', 'message'],
  ['/v1/receipts', 'receipt'],
  ['/v1/typing', 'typing'],
];

function statusUrl(commandId: string): string {
  return `/v1/messages/${encodeURIComponent(commandId)}`;
}

function errorBody(
  request: FastifyRequest,
  code: string,
  message: string,
  problems?: readonly RequestProblem[],
): ErrorBody {
  return {
    error: {
      code,
      message,
      requestId: request.id,
      ...(problems === undefined ? {} : { problems }),
    },
  };
}

function eventJson(event: RecordedEvent): Record<string, unknown> {
  return {
    position: event.position,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
    hash: event.hash,
  };
}

function itemOf(accepted: AcceptedCommand): IntakeItem {
  const base = { commandId: accepted.commandId, statusUrl: statusUrl(accepted.commandId) };
  if (accepted.status === 'accepted') {
    return { ...base, status: 'accepted', duplicate: accepted.duplicate };
  }
  const { outcome } = accepted;
  if (outcome.status === 'rejected') {
    return {
      ...base,
      status: 'rejected',
      duplicate: outcome.duplicate,
      violations: outcome.violations.map(({ code, field, message }) => ({ code, field, message })),
    };
  }
  return { ...base, status: outcome.status, duplicate: outcome.duplicate };
}

/** Accepts in request order within each conversation (order matters there), conversations at once. */
async function acceptInOrder(
  transmitter: Transmitter,
  commands: readonly ParsedCommand[],
): Promise<AcceptedCommand[]> {
  const byConversation = new Map<string, number[]>();
  commands.forEach((command, index) => {
    const indexes = byConversation.get(command.conversationRef) ?? [];
    indexes.push(index);
    byConversation.set(command.conversationRef, indexes);
  });
  const results = new Array<AcceptedCommand | undefined>(commands.length);
  const settled = await Promise.allSettled(
    [...byConversation.values()].map(async (indexes) => {
      for (const index of indexes) {
        const command = commands[index];
        if (command !== undefined) results[index] = await transmitter.accept(command);
      }
    }),
  );
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((result) => {
    if (result === undefined) throw new Error('a command of the batch was not accepted');
    return result;
  });
}

class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The HTTP intake and read API on fastify. Bodies are checked against the library's command
 * schemas before anything is recorded; a batch is checked whole, so a bad item records nothing.
 */
/** Failures of a dependency rather than of the request: the answer is 503. */
const OUTAGE_CODES: ReadonlySet<string> = new Set([
  'TRANSMITTER_CLOSED',
  'LEDGER_UNAVAILABLE',
  'LEDGER_CLOSED',
]);

export function buildHttpApi(deps: HttpApiDependencies, settings: HttpApiSettings): HttpApi {
  const { transmitter, ledger, metrics, readiness, logger, apiKeys, rateLimiter } = deps;
  const compiler = new SchemaCompiler();
  const callers = new WeakMap<FastifyRequest, string>();
  let accepting = true;
  let inFlight = 0;
  const idleWaiters = new Set<() => void>();

  const app = Fastify({
    logger: false,
    bodyLimit: settings.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (raw) => {
      const header = raw.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
    return503OnClosing: true,
  });
  // JSON only: a text/plain body is answered 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    compiler.compile(schema as Record<string, unknown>, (httpPart ?? 'body') as HttpPart),
  );

  app.addHook('onRequest', async (request, reply) => {
    inFlight += 1;
    reply.raw.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) for (const resolve of [...idleWaiters]) resolve();
    });
    void reply.header('x-request-id', request.id);
    if (!accepting) {
      void reply.header('connection', 'close');
      return reply
        .code(503)
        .send(errorBody(request, 'SHUTTING_DOWN', 'the service is shutting down'));
    }
    const route = request.routeOptions.url;
    if (route !== undefined && PUBLIC_ROUTES.has(route)) return undefined;
    let caller = `address:${request.ip}`;
    if (apiKeys.configured) {
      const key = apiKeys.authenticate(request.headers.authorization);
      if (key === null) {
        void reply.header('www-authenticate', 'Bearer realm="gtx"');
        const code = request.headers.authorization === undefined ? 'AUTH_REQUIRED' : 'AUTH_INVALID';
        return reply
          .code(401)
          .send(errorBody(request, code, 'a valid API key is required: Authorization: Bearer KEY'));
      }
      caller = key.name;
    }
    callers.set(request, caller);
    const decision = rateLimiter.take(caller);
    if (!decision.allowed) {
      void reply.header('retry-after', String(decision.retryAfterSeconds));
      return reply
        .code(429)
        .send(
          errorBody(
            request,
            'RATE_LIMITED',
            `too many requests for this API key; retry in ${decision.retryAfterSeconds} s`,
          ),
        );
    }
    void reply.header('x-ratelimit-remaining', String(decision.remaining));
    return undefined;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    const caller = callers.get(request);
    logger.info('http request', {
      requestId: request.id,
      method: request.method,
      route,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      ...(caller === undefined ? {} : { caller }),
    });
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .send(errorBody(request, 'NOT_FOUND', `no route ${request.method} ${request.url}`)),
  );

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error.validation !== undefined) {
      const part = error.validationContext ?? 'body';
      const code = part === 'body' ? 'INVALID_COMMAND_INPUT' : 'INVALID_REQUEST';
      const problems = problemsOf(error.validation as Parameters<typeof problemsOf>[0]);
      return reply
        .code(400)
        .send(errorBody(request, code, `the ${part} does not match the schema`, problems));
    }
    if (error instanceof HttpProblem) {
      return reply.code(error.statusCode).send(errorBody(request, error.code, error.message));
    }
    if (error instanceof InvalidCommandInputError) {
      const problems = error.problems.map((p) => ({ code: 'FIELD_INVALID', ...p }));
      return reply.code(400).send(errorBody(request, error.code, error.message, problems));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply
          .code(413)
          .send(
            errorBody(
              request,
              'BODY_TOO_LARGE',
              `the body is larger than ${settings.bodyLimitBytes} bytes`,
            ),
          );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply
          .code(415)
          .send(errorBody(request, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.code(400).send(errorBody(request, 'BODY_EMPTY', 'the body is empty'));
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.code(400).send(errorBody(request, 'BODY_NOT_JSON', 'the body is not JSON'));
      default:
        break;
    }
    if (error instanceof SyntaxError || error.statusCode === 400) {
      return reply.code(400).send(errorBody(request, 'BODY_NOT_JSON', 'the body is not JSON'));
    }
    if (isGtxError(error) && OUTAGE_CODES.has(error.code)) {
      // The service is up but cannot record: a retry later can succeed, so 503, not 500.
      return reply
        .code(503)
        .header('retry-after', '1')
        .send(errorBody(request, error.code, error.message));
    }
    const code = isGtxError(error) ? error.code : 'INTERNAL_ERROR';
    logger.error('http request failed', {
      requestId: request.id,
      route: request.routeOptions.url ?? 'unmatched',
      code,
      error: error.message,
    });
    return reply
      .code(500)
      .send(
        errorBody(
          request,
          code,
          'the request failed; commands with an id may be retried safely (see the status URL)',
        ),
      );
  });

  const intake =
    (kind: OutboundKind) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const body = request.body as Record<string, unknown> | Record<string, unknown>[];
      const header = request.headers['idempotency-key'];
      if (Array.isArray(header)) {
        throw new HttpProblem(400, 'IDEMPOTENCY_KEY_INVALID', 'send one Idempotency-Key header');
      }
      let items: Record<string, unknown>[];
      if (Array.isArray(body)) {
        if (header !== undefined) {
          throw new HttpProblem(
            400,
            'IDEMPOTENCY_KEY_ON_BATCH',
            'Idempotency-Key is for a single command; give each command of a batch its own id',
          );
        }
        items = body;
      } else if (header !== undefined) {
        if (header.length < 1 || header.length > 256) {
          throw new HttpProblem(
            400,
            'IDEMPOTENCY_KEY_INVALID',
            'Idempotency-Key must be 1 to 256 characters',
          );
        }
        if (body['id'] !== undefined && body['id'] !== header) {
          throw new HttpProblem(
            400,
            'IDEMPOTENCY_KEY_MISMATCH',
            'Idempotency-Key and the body id differ; send one of them',
          );
        }
        items = [{ ...body, id: header }];
      } else {
        items = [body];
      }
      const commands = items.map((item) => transmitter.parse({ ...item, kind }));
      const results = (await acceptInOrder(transmitter, commands)).map(itemOf);
      const duplicates = results.filter((item) => item.duplicate).length;
      if (duplicates > 0) metrics.duplicate(duplicates);
      logger.debug('commands accepted over http', {
        requestId: request.id,
        kind,
        commands: results.length,
        commandIds: results
          .slice(0, 20)
          .map((item) => item.commandId)
          .join(','),
        duplicates,
      });
      const rejected = results.filter((item) => item.status === 'rejected').length;
      if (!Array.isArray(body)) {
        const [item] = results;
        if (item === undefined) throw new Error('no result for the command');
        void reply.header('location', item.statusUrl);
        const code = item.status === 'rejected' ? 422 : item.status === 'accepted' ? 202 : 200;
        return reply.code(code).send(item);
      }
      const code = rejected === 0 ? 202 : rejected === results.length ? 422 : 207;
      return reply.code(code).send({
        accepted: results.filter((item) => item.status === 'accepted' && !item.duplicate).length,
        rejected,
        duplicates,
        results,
      });
    };

  for (const [url, kind] of INTAKE_ROUTES) {
    app.route({
      method: 'POST',
      url,
      schema: { body: commandBodySchema(kind, settings.maxBatch) },
      handler: intake(kind),
    });
  }

  app.route({
    method: 'GET',
    url: '/v1/messages/:id',
    schema: { params: COMMAND_ID_PARAMS_SCHEMA },
    handler: async (request, reply) => {
      const { id } = request.params as { id: string };
      const report = await transmitter.status(id);
      if (report.status === 'unknown') {
        return reply
          .code(404)
          .send(errorBody(request, 'COMMAND_NOT_FOUND', 'no command with this id in the ledger'));
      }
      return reply.send({
        commandId: report.commandId,
        status: report.status,
        outcome: report.outcome,
        events: report.events.map(eventJson),
      });
    },
  });

  app.route({
    method: 'GET',
    url: '/v1/events',
    schema: { querystring: EVENTS_QUERY_SCHEMA },
    handler: async (request, reply) => {
      const query = request.query as {
        after: number;
        limit: number;
        type?: string[];
        stream?: string[];
      };
      const split = (values: string[] | undefined): string[] =>
        (values ?? []).flatMap((value) => value.split(',')).filter((value) => value !== '');
      const types = split(query.type);
      const streamIds = split(query.stream);
      const page = await ledger.readAll({
        afterPosition: query.after,
        limit: query.limit,
        ...(types.length === 0 ? {} : { types }),
        ...(streamIds.length === 0 ? {} : { streamIds }),
      });
      const next = page.at(-1)?.position ?? query.after;
      const hasMore = page.length >= query.limit;
      const params = new URLSearchParams({ after: String(next), limit: String(query.limit) });
      for (const type of types) params.append('type', type);
      for (const stream of streamIds) params.append('stream', stream);
      const nextUrl = `/v1/events?${params.toString()}`;
      if (hasMore) void reply.header('link', `<${nextUrl}>; rel="next"`);
      return reply.send({ events: page.map(eventJson), next, nextUrl, hasMore });
    },
  });

  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metricsText()),
  );
  app.get('/healthz', async (_request, reply) => reply.send({ status: 'alive' }));
  app.get('/readyz', async (_request, reply) => {
    const report = await readiness.report();
    return reply
      .code(report.ready ? 200 : 503)
      .send({ status: report.ready ? 'ready' : 'unavailable', checks: report.checks });
  });
  const openApi = buildOpenApiDocument({ maxBatch: settings.maxBatch, version: settings.version });
  app.get('/openapi.json', async (_request, reply) => reply.send(openApi));

  const untilIdle = (timeoutMs: number): Promise<void> =>
    new Promise<void>((resolve) => {
      if (inFlight === 0) {
        resolve();
        return;
      }
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        idleWaiters.delete(done);
        resolve();
      }
      idleWaiters.add(done);
    });

  return {
    app,
    close: async (timeoutMs) => {
      accepting = false;
      const closed = app.close();
      await untilIdle(timeoutMs);
      // Keep-alive connections with no request being handled (or with a request answered 503
      // whose body was never read) would hold server.close() open until their timeouts.
      app.server.closeAllConnections();
      await closed;
    },
  };
}
