import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { Logger } from '../../application/ports/index.js';
import type { RedriveResult } from '../../application/redrive/redrive-service.js';
import type { Transmitter } from '../../application/transmitter.js';
import { isGtxError } from '../../domain/index.js';
import { HttpProblem } from './error-body.js';
import { COMMAND_ID_PARAMS_SCHEMA } from './http-schemas.js';
import { statusUrl } from './intake-routes.js';
import { answer, failure, REDRIVE_RESULT_SCHEMA } from './response-schemas.js';

export interface RedriveRouteOptions {
  readonly transmitter: Transmitter;
  readonly logger: Logger;
}

const REDRIVE_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: {
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: 500,
      description: 'Why it is re-driven: recorded in the ledger (no personal data)',
    },
    redriveId: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description:
        'Names this redrive: repeating it re-opens nothing (default: the dead letter it re-opens)',
    },
  },
} as const;

/** Caller errors a redrive answers with their own status; anything else is the error mapping's. */
const REFUSAL_STATUS: Readonly<Record<string, number>> = {
  REDRIVE_NOT_ALLOWED: 409,
  REDRIVE_INPUT_INVALID: 400,
};

/** The Idempotency-Key header, or the body's redriveId: one name for the redrive, not two. */
function redriveIdOf(request: FastifyRequest, bodyId: string | undefined): string | undefined {
  const header = request.headers['idempotency-key'];
  if (Array.isArray(header)) {
    throw new HttpProblem(400, 'IDEMPOTENCY_KEY_INVALID', 'send one Idempotency-Key header');
  }
  if (header === undefined) return bodyId;
  if (bodyId !== undefined && bodyId !== header) {
    throw new HttpProblem(
      400,
      'IDEMPOTENCY_KEY_MISMATCH',
      'Idempotency-Key and the body redriveId differ; send one of them',
    );
  }
  return header;
}

async function redriveOf(
  transmitter: Transmitter,
  input: Parameters<Transmitter['redrive']>[0],
): Promise<RedriveResult> {
  try {
    return await transmitter.redrive(input);
  } catch (error) {
    if (!isGtxError(error)) throw error;
    if (error.code === 'COMMAND_UNKNOWN') {
      throw new HttpProblem(404, 'COMMAND_NOT_FOUND', 'no command with this id in the ledger');
    }
    const status = REFUSAL_STATUS[error.code];
    if (status === undefined) throw error;
    throw new HttpProblem(status, error.code, error.message);
  }
}

/**
 * POST /v1/messages/:id/redrive: re-opens a dead letter for new attempts, recorded with the
 * reason and the API key's name as the operator. 202 re-opened (delivery follows: GET the status
 * URL), 200 this redrive was recorded before (nothing re-opened again), 409 REDRIVE_NOT_ALLOWED.
 */
export const redriveRoutes: FastifyPluginCallback<RedriveRouteOptions> = (
  app,
  { transmitter, logger },
  done,
) => {
  app.route({
    method: 'POST',
    url: '/v1/messages/:id/redrive',
    schema: {
      summary: 'Re-drive a dead-lettered transmission with the same Genesys messageId',
      tags: ['dead letters'],
      params: COMMAND_ID_PARAMS_SCHEMA,
      body: REDRIVE_BODY_SCHEMA,
      response: {
        200: answer(REDRIVE_RESULT_SCHEMA, 'This redrive was recorded before: nothing re-opened'),
        202: answer(REDRIVE_RESULT_SCHEMA, 'Re-opened; delivery follows'),
        400: failure('The body does not match the schema, or a bad Idempotency-Key'),
        404: failure('No command with this id'),
        409: failure(
          'REDRIVE_NOT_ALLOWED: rejected by the policies, not dead-lettered (open or delivered), or its content was erased',
        ),
        503: failure('Shutting down, or the ledger cannot record now (Retry-After)'),
      },
    },
    config: { bodyErrorCode: 'REDRIVE_INPUT_INVALID' },
    handler: async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = request.body as { reason: string; redriveId?: string };
      // Authentication ran before: the caller is the key's name (or the address without keys).
      const operator = request.caller;
      if (operator === null) throw new Error('a redrive reached its handler unauthenticated');
      const result = await redriveOf(transmitter, {
        commandId: id,
        reason: body.reason,
        operator,
        redriveId: redriveIdOf(request, body.redriveId),
      });
      logger.info('redrive over http', {
        requestId: request.id,
        commandId: result.commandId,
        redriveId: result.redriveId,
        status: result.status,
        caller: operator,
      });
      const url = statusUrl(result.commandId);
      void reply.header('location', url);
      return reply
        .code(result.status === 'redriven' ? 202 : 200)
        .send({ ...result, statusUrl: url });
    },
  });
  done();
};
