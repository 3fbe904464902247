import type { FastifyError, FastifyPluginCallback } from 'fastify';
import { InvalidCommandInputError } from '../../application/commands/command-input.js';
import type { Logger } from '../../application/ports/index.js';
import { isCommandIdReusedError } from '../../application/transmission/command-fingerprint.js';
import { isGtxError } from '../../domain/index.js';
import { errorBody, HttpProblem } from './error-body.js';
import { problemsOf } from './http-schemas.js';
import { unencapsulated } from './unencapsulated.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The code of a body that does not match the route's schema (INVALID_COMMAND_INPUT). */
    readonly bodyErrorCode?: string;
  }
}

/** Failures of a dependency rather than of the request: the answer is 503. */
const OUTAGE_CODES: ReadonlySet<string> = new Set([
  'TRANSMITTER_CLOSED',
  'LEDGER_UNAVAILABLE',
  'LEDGER_CLOSED',
  // The database refuses this worker's role: an operator's fix, not the caller's.
  'LEDGER_PERMISSION_DENIED',
]);

export interface ErrorMappingOptions {
  readonly bodyLimitBytes: number;
  readonly logger: Logger;
}

/**
 * Every failure as `{ error: { code, message, requestId, problems? } }` with its status: schema
 * violations 400 (with JSON pointers), a command id reused for another command 409
 * COMMAND_ID_REUSED, refusals raised as `HttpProblem` with their own status,
 * fastify's body errors 400/413/415, our GtxError codes of an outage 503 with Retry-After, any
 * other error 500 with its code (and a log line). An unmatched URL is 404 NOT_FOUND.
 */
export const errorMappingPlugin: FastifyPluginCallback<ErrorMappingOptions> = unencapsulated(
  (app, { bodyLimitBytes, logger }, done) => {
    app.setNotFoundHandler(async (request, reply) =>
      reply
        .code(404)
        .send(errorBody(request, 'NOT_FOUND', `no route ${request.method} ${request.url}`)),
    );

    app.setErrorHandler(async (error: FastifyError, request, reply) => {
      if (error.validation !== undefined) {
        const part = error.validationContext ?? 'body';
        const bodyCode = request.routeOptions.config.bodyErrorCode ?? 'INVALID_COMMAND_INPUT';
        const code = part === 'body' ? bodyCode : 'INVALID_REQUEST';
        const problems = problemsOf(error.validation as Parameters<typeof problemsOf>[0]);
        return reply
          .code(400)
          .send(errorBody(request, code, `the ${part} does not match the schema`, problems));
      }
      if (error instanceof HttpProblem) {
        return reply.code(error.statusCode).send(errorBody(request, error.code, error.message));
      }
      if (isCommandIdReusedError(error)) {
        return reply.code(409).send(errorBody(request, error.code, error.message));
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
                `the body is larger than ${bodyLimitBytes} bytes`,
              ),
            );
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          return reply
            .code(415)
            .send(
              errorBody(request, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json'),
            );
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
    done();
  },
);
