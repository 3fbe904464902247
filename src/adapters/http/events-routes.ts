import type { FastifyPluginCallback } from 'fastify';
import type { EventStore } from '../../application/ports/index.js';
import { EVENTS_QUERY_SCHEMA } from './http-schemas.js';
import { eventJson } from './recorded-event-json.js';
import { answer, EVENTS_PAGE_SCHEMA, failure } from './response-schemas.js';

export interface EventsOptions {
  readonly ledger: EventStore;
}

interface EventsQuery {
  readonly after: number;
  readonly limit: number;
  readonly type?: string[];
  readonly stream?: string[];
}

function split(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).filter((value) => value !== '');
}

/**
 * GET /v1/events: the audit read API, ledger events after a position, optionally of some types
 * and streams, with the cursor of the next page in the body and (while there is more) in `Link`.
 */
export const eventsRoutes: FastifyPluginCallback<EventsOptions> = (app, { ledger }, done) => {
  app.route({
    method: 'GET',
    url: '/v1/events',
    schema: {
      summary: 'The audit read API: ledger events by global position',
      tags: ['audit'],
      querystring: EVENTS_QUERY_SCHEMA,
      response: {
        200: answer(EVENTS_PAGE_SCHEMA, 'One page of events (Link: rel="next" while hasMore)'),
        400: failure('Bad query'),
      },
    },
    handler: async (request, reply) => {
      const query = request.query as EventsQuery;
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
  done();
};
