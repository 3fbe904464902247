import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../application/ports/index.js';
import type { AcceptedCommand } from '../../application/transmission/transmission-service.js';
import type { Transmitter } from '../../application/transmitter.js';
import type { OutboundKind } from '../../domain/index.js';
import type { ParsedCommand } from '../../application/commands/parsed-command.js';
import type { ServiceMetrics } from './metrics/service-metrics.js';
import { HttpProblem } from './error-body.js';
import { commandBodySchema } from './http-schemas.js';
import { documentRoute } from './openapi-plugin.js';
import { tracedRoute } from './request-trace.js';
import { answer, BATCH_RESULT_SCHEMA, failure, INTAKE_ITEM_SCHEMA } from './response-schemas.js';

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

export interface IntakeOptions {
  readonly transmitter: Transmitter;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  readonly maxBatch: number;
}

const INTAKE_ROUTES: readonly (readonly [string, OutboundKind, string])[] = [
  ['/v1/messages', 'message', 'Send one message or a batch'],
  ['/v1/receipts', 'receipt', 'Acknowledge agent messages'],
  ['/v1/typing', 'typing', 'Send typing indicators'],
];

export function statusUrl(commandId: string): string {
  return `/v1/messages/${encodeURIComponent(commandId)}`;
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

/** The body's items, with the Idempotency-Key header as the id of a single command. */
function itemsOf(
  body: Record<string, unknown> | Record<string, unknown>[],
  header: string | string[] | undefined,
): Record<string, unknown>[] {
  if (Array.isArray(header)) {
    throw new HttpProblem(400, 'IDEMPOTENCY_KEY_INVALID', 'send one Idempotency-Key header');
  }
  if (Array.isArray(body)) {
    if (header !== undefined) {
      throw new HttpProblem(
        400,
        'IDEMPOTENCY_KEY_ON_BATCH',
        'Idempotency-Key is for a single command; give each command of a batch its own id',
      );
    }
    return body;
  }
  if (header === undefined) return [body];
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
  return [{ ...body, id: header }];
}

/** Documented only: the header is checked by the handler, so its errors keep their own codes. */
const IDEMPOTENCY_KEY_HEADER = {
  type: 'object',
  properties: {
    'Idempotency-Key': {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      description: 'The command id of a single command (not allowed on a batch)',
    },
  },
} as const;

const INTAKE_RESPONSES = {
  200: answer(INTAKE_ITEM_SCHEMA, 'A duplicate of a command that is already final'),
  202: {
    description: 'In the ledger; delivery follows (batch: no command rejected)',
    oneOf: [{ $ref: INTAKE_ITEM_SCHEMA.$id }, { $ref: BATCH_RESULT_SCHEMA.$id }],
  },
  207: answer(
    BATCH_RESULT_SCHEMA,
    'Batch: some commands rejected by the policies (recorded as rejected), others accepted',
  ),
  400: failure('The body does not match the schema, or a bad Idempotency-Key: nothing recorded'),
  409: failure(
    'COMMAND_ID_REUSED: a command id (or Idempotency-Key) that the ledger holds for a different command; nothing recorded',
  ),
  413: failure('The body is larger than GTX_HTTP_BODY_LIMIT_BYTES'),
  415: failure('The body is not application/json'),
  422: {
    description: 'Rejected by the policies (recorded as rejected); for a batch, every command was',
    oneOf: [{ $ref: INTAKE_ITEM_SCHEMA.$id }, { $ref: BATCH_RESULT_SCHEMA.$id }],
  },
  500: failure('The ledger failed; commands with an id may be resent (duplicates are detected)'),
  503: failure('Shutting down, or the ledger cannot record now (Retry-After)'),
} as const;

/**
 * POST /v1/messages, /v1/receipts, /v1/typing: one command or a batch, checked against the
 * library's command schemas before anything is recorded (a bad item of a batch records nothing),
 * then accepted into the ledger. 202 accepted, 200 duplicate of a final command, 409 an id reused
 * for a different command, 422 rejected by the policies; a batch with some rejected is 207.
 */
export const intakeRoutes: FastifyPluginCallback<IntakeOptions> = (app, options, done) => {
  const { transmitter, metrics, logger, maxBatch } = options;

  const intake =
    (kind: OutboundKind) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const body = request.body as Record<string, unknown> | Record<string, unknown>[];
      const items = itemsOf(body, request.headers['idempotency-key']);
      const commands = items.map((item) => transmitter.parse({ ...item, kind }));
      // A batch is refused whole (409) before any of it is recorded; one command refuses itself.
      if (commands.length > 1) await transmitter.assertIdsNotReused(commands);
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

  for (const [url, kind, summary] of INTAKE_ROUTES) {
    app.route({
      method: 'POST',
      url,
      schema: {
        summary,
        tags: ['intake'],
        body: commandBodySchema(kind, maxBatch),
        response: INTAKE_RESPONSES,
      },
      config: {
        swaggerTransform: (route) => {
          const documented = documentRoute(route);
          return {
            ...documented,
            schema: { ...documented.schema, headers: IDEMPOTENCY_KEY_HEADER },
          };
        },
      },
      handler: tracedRoute(url, intake(kind)),
    });
  }
  done();
};
