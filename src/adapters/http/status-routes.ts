import type { FastifyPluginCallback } from 'fastify';
import type { Transmitter } from '../../application/transmitter.js';
import { errorBody } from './error-body.js';
import { COMMAND_ID_PARAMS_SCHEMA } from './http-schemas.js';
import { eventJson } from './recorded-event-json.js';
import { answer, COMMAND_STATUS_SCHEMA, failure } from './response-schemas.js';

export interface StatusOptions {
  readonly transmitter: Transmitter;
}

/** GET /v1/messages/:id: the state, outcome and event history of one command of any kind. */
export const statusRoutes: FastifyPluginCallback<StatusOptions> = (app, { transmitter }, done) => {
  app.route({
    method: 'GET',
    url: '/v1/messages/:id',
    schema: {
      summary: 'Current state and event history of one command (any kind)',
      tags: ['status'],
      params: COMMAND_ID_PARAMS_SCHEMA,
      response: {
        200: answer(COMMAND_STATUS_SCHEMA, 'The command'),
        400: failure('The id is not 1 to 256 characters'),
        404: failure('No command with this id'),
      },
    },
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
  done();
};
