import type { FastifyPluginCallback } from 'fastify';
import { ConversationNotFoundError } from '../../application/agent-replies/transcript-errors.js';
import type { Transmitter } from '../../application/transmitter.js';
import { errorBody } from './error-body.js';
import { answer, failure, TRANSCRIPT_SCHEMA } from './response-schemas.js';

export interface TranscriptRouteOptions {
  readonly transmitter: Transmitter;
  /** GTX_TRANSCRIPT_REVEAL=allow; otherwise `?reveal=true` is refused 403. */
  readonly revealAllowed: boolean;
}

const PARAMS_SCHEMA = {
  type: 'object',
  properties: { ref: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['ref'],
} as const;

const QUERY_SCHEMA = {
  type: 'object',
  properties: { reveal: { type: 'boolean', default: false } },
  additionalProperties: false,
} as const;

/** GET /v1/conversations/:ref/transcript: both sides of one conversation, in order. */
export const transcriptRoutes: FastifyPluginCallback<TranscriptRouteOptions> = (
  app,
  { transmitter, revealAllowed },
  done,
) => {
  app.route({
    method: 'GET',
    url: '/v1/conversations/:ref/transcript',
    schema: {
      summary:
        'One conversation from the ledger: the guest messages and what Genesys sent back, with states and receipts',
      tags: ['status'],
      params: PARAMS_SCHEMA,
      querystring: QUERY_SCHEMA,
      response: {
        200: answer(TRANSCRIPT_SCHEMA, 'The transcript; content as hashes unless revealed'),
        400: failure('The reference is not 1 to 256 characters, or a query parameter is bad'),
        403: failure('reveal=true while GTX_TRANSCRIPT_REVEAL is not allow (REVEAL_NOT_ALLOWED)'),
        404: failure('No event of the ledger names this conversation (CONVERSATION_NOT_FOUND)'),
      },
    },
    handler: async (request, reply) => {
      const { ref } = request.params as { ref: string };
      const { reveal } = request.query as { reveal: boolean };
      if (reveal && !revealAllowed) {
        return reply
          .code(403)
          .send(
            errorBody(
              request,
              'REVEAL_NOT_ALLOWED',
              'this service does not reveal message text (set GTX_TRANSCRIPT_REVEAL=allow)',
            ),
          );
      }
      try {
        return await reply.send(await transmitter.transcript(ref, { reveal }));
      } catch (error) {
        if (error instanceof ConversationNotFoundError) {
          return reply.code(404).send(errorBody(request, error.code, error.message));
        }
        throw error;
      }
    },
  });
  done();
};
