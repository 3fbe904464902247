import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { readOutboundWebhookBody } from '../../application/agent-replies/outbound-webhook-body.js';
import type { InputProblem } from '../../application/commands/command-input.js';
import type { Logger } from '../../application/ports/index.js';
import type { Transmitter } from '../../application/transmitter.js';
import { PUBLIC_ROUTE } from './auth-plugin.js';
import { errorBody } from './error-body.js';
import { answer, failure, WEBHOOK_ACCEPTED_SCHEMA } from './response-schemas.js';
import {
  readSignedBody,
  SIGNATURE_HEADER,
  signatureMatches,
  type SignedBody,
} from './webhook-signature.js';

export interface OutboundWebhookOptions {
  readonly transmitter: Transmitter;
  readonly logger: Logger;
  /** GTX_OUTBOUND_WEBHOOK_PATH, default /v1/genesys/outbound. */
  readonly path: string;
  /** GENESYS_OUTBOUND_WEBHOOK_SECRET: the integration's signature secret. */
  readonly secret: string;
  /** GTX_OUTBOUND_WEBHOOK_BODY_LIMIT_BYTES. */
  readonly bodyLimitBytes: number;
}

/** Past this many times the limit, a body is not read to its end (nor recorded). */
const ABANDON_FACTOR = 16;

const utf8 = new TextDecoder('utf-8', { fatal: true });

declare module 'fastify' {
  interface FastifyRequest {
    signedBody?: SignedBody;
  }
}

type Reading =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: InputProblem };

function parseJson(bytes: Buffer): Reading {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, problem: { field: '', message: 'is not UTF-8 text' } };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    // V8 quotes the input around the error: only the position is kept, never body content.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    const where = position === undefined ? '' : ` (at byte ${position})`;
    return { ok: false, problem: { field: '', message: `is not JSON${where}` } };
  }
}

/**
 * POST GTX_OUTBOUND_WEBHOOK_PATH: Genesys' outbound webhook (agent replies, typing, receipts).
 * It is authenticated by its signature alone (Genesys sends no API key): `X-Hub-Signature-256`
 * is checked over the raw body, in constant time, before anything else; a missing or wrong one
 * is 401 and nothing is recorded. A signed body is recorded before the 2xx; a signed body that
 * is not a message is 400/413 and recorded as a refused delivery (size and hash, not content).
 * Any content type is read as the raw body, in this plugin's scope only.
 */
export const outboundWebhookRoutes: FastifyPluginCallback<OutboundWebhookOptions> = (
  app,
  { transmitter, logger, path, secret, bodyLimitBytes },
  done,
) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, parsed) => {
    readSignedBody(payload, secret, bodyLimitBytes, bodyLimitBytes * ABANDON_FACTOR).then(
      (body) => {
        request.signedBody = body;
        parsed(null, null);
      },
      (error: unknown) => {
        parsed(error instanceof Error ? error : new Error(String(error)), undefined);
      },
    );
  });

  const refuse = async (
    request: FastifyRequest,
    reply: FastifyReply,
    body: SignedBody,
    status: 400 | 413,
    problems: readonly InputProblem[],
  ): Promise<FastifyReply> => {
    const recorded = await transmitter.recordAgentWebhookRefusal({
      sizeBytes: body.sizeBytes,
      bodySha256: body.sha256,
      status,
      problems,
    });
    logger.warn('outbound webhook body refused', {
      streamId: recorded.streamId,
      duplicate: recorded.duplicate,
      sizeBytes: body.sizeBytes,
      bodySha256: body.sha256,
      status,
    });
    const code = status === 413 ? 'WEBHOOK_BODY_TOO_LARGE' : 'WEBHOOK_BODY_INVALID';
    const message = problems
      .map((p) => `${p.field === '' ? 'the body' : p.field} ${p.message}`)
      .join('; ');
    return reply.code(status).send(
      errorBody(
        request,
        code,
        message,
        problems.map((p) => ({ code, field: p.field, message: p.message })),
      ),
    );
  };

  app.post(
    path,
    {
      config: PUBLIC_ROUTE,
      schema: {
        summary: "Genesys' outbound webhook: agent replies, typing, receipts (signed)",
        description:
          'Authenticated by X-Hub-Signature-256 (sha256= + base64 HMAC-SHA256 of the raw body under the integration secret), not by an API key. Recorded before the 2xx; a retry of the same message id is recorded once.',
        tags: ['genesys'],
        headers: {
          type: 'object',
          properties: { [SIGNATURE_HEADER]: { type: 'string' } },
        },
        response: {
          200: answer(WEBHOOK_ACCEPTED_SCHEMA, 'Recorded (or recorded before: duplicate)'),
          400: failure('Signed, but not a normalized message (recorded as refused)'),
          401: failure('Signature missing or wrong: nothing recorded'),
          413: failure('Over the body limit (recorded as refused)'),
        },
      },
    },
    async (request, reply) => {
      const body = request.signedBody;
      if (body === undefined) {
        return reply
          .code(400)
          .send(errorBody(request, 'WEBHOOK_BODY_INVALID', 'the request has no body'));
      }
      const header = request.headers[SIGNATURE_HEADER];
      if (header === undefined) {
        return reply
          .code(401)
          .send(
            errorBody(
              request,
              'WEBHOOK_SIGNATURE_REQUIRED',
              `the ${SIGNATURE_HEADER} header is required`,
            ),
          );
      }
      if (!signatureMatches(header, body.expectedSignature)) {
        logger.warn('outbound webhook signature does not match', {
          sizeBytes: body.sizeBytes,
          bodySha256: body.sha256,
        });
        return reply
          .code(401)
          .send(
            errorBody(
              request,
              'WEBHOOK_SIGNATURE_INVALID',
              `the ${SIGNATURE_HEADER} signature does not match the body`,
            ),
          );
      }
      if (body.bytes === null) {
        return refuse(request, reply, body, 413, [
          { field: '', message: `is ${body.sizeBytes} bytes, over the limit of ${bodyLimitBytes}` },
        ]);
      }
      const json = parseJson(body.bytes);
      if (!json.ok) return refuse(request, reply, body, 400, [json.problem]);
      const reading = readOutboundWebhookBody(json.value);
      if (!reading.ok) return refuse(request, reply, body, 400, reading.problems);
      const recorded = await transmitter.recordAgentMessage(reading.arrival);
      return reply.code(200).send({
        recorded: true,
        duplicate: recorded.duplicate,
        streamId: recorded.streamId,
        type: recorded.type,
        matched: recorded.conversationRef !== null,
        receiptCommandId: recorded.receiptCommandId,
      });
    },
  );
  done();
};
