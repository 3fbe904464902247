import type { FastifyReply } from 'fastify';

/** One HTTP answer of the sandbox, before it is written. */
export interface Answer {
  readonly status: number;
  /** Serialised as JSON; undefined sends an empty body. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Writes an answer the way Genesys frames it: the request's id as `ININ-Correlation-Id` (it is
 * also the error bodies' contextId), JSON unless a scripted header says otherwise, and a
 * Content-Length of our own. Headers set on the reply earlier (the rate-limit hints) stay.
 */
export function sendAnswer(reply: FastifyReply, answer: Answer): FastifyReply {
  const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
  const extraHeaders = answer.headers ?? {};
  // A scripted answer may use any status node writes (100-999); fastify's code() stops at 599.
  if (answer.status >= 100 && answer.status <= 599) reply.code(answer.status);
  else reply.raw.statusCode = answer.status;
  reply.header('ININ-Correlation-Id', reply.request.id);
  if (payload !== '' && !hasHeader(extraHeaders, 'content-type')) {
    reply.header('Content-Type', 'application/json; charset=UTF-8');
  }
  for (const [name, value] of Object.entries(extraHeaders)) {
    if (name.toLowerCase() !== 'content-length') reply.header(name, value);
  }
  // Set last so a scripted header can never break the framing of a keep-alive connection.
  reply.header('Content-Length', Buffer.byteLength(payload));
  // No payload at all for an empty body: a '' would make fastify add a text/plain content type.
  return payload === '' ? reply.send() : reply.send(payload);
}

function hasHeader(headers: Readonly<Record<string, string>>, lowerCaseName: string): boolean {
  return Object.keys(headers).some((name) => name.toLowerCase() === lowerCaseName);
}
