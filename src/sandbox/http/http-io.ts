import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

export type BodyRead =
  { readonly kind: 'ok'; readonly text: string } | { readonly kind: 'tooLarge' };

/**
 * Reads the whole request body. An oversized body is still drained, not cut off: closing the
 * socket while the client is writing makes the kernel send RST, and the client would see
 * ECONNRESET instead of the 413 it should be told about.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.once('end', () => {
      resolve(
        size > maxBytes
          ? { kind: 'tooLarge' }
          : { kind: 'ok', text: Buffer.concat(chunks, size).toString('utf8') },
      );
    });
    request.once('error', reject);
    // A client that disconnects mid-body may only emit 'close'; without this the read never settles.
    request.once('close', () => {
      if (!request.complete) reject(new Error('the client closed the request before its end'));
    });
  });
}

export interface Answer {
  readonly status: number;
  /** Serialised as JSON; undefined sends an empty body. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export function writeAnswer(response: ServerResponse, answer: Answer, correlationId: string): void {
  const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
  const extraHeaders = answer.headers ?? {};
  const headers: OutgoingHttpHeaders = { 'ININ-Correlation-Id': correlationId };
  if (payload !== '' && !hasHeader(extraHeaders, 'content-type')) {
    headers['Content-Type'] = 'application/json; charset=UTF-8';
  }
  for (const [name, value] of Object.entries(extraHeaders)) {
    if (name.toLowerCase() !== 'content-length') headers[name] = value;
  }
  // Set last so a scripted header can never break the framing of a keep-alive connection.
  headers['Content-Length'] = Buffer.byteLength(payload);
  response.writeHead(answer.status, headers);
  response.end(payload);
}

function hasHeader(headers: Readonly<Record<string, string>>, lowerCaseName: string): boolean {
  return Object.keys(headers).some((name) => name.toLowerCase() === lowerCaseName);
}
