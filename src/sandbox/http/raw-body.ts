import type { IncomingMessage } from 'node:http';

/** A request body as bytes, or the fact that it was larger than the route's limit. */
export type RawBody =
  { readonly kind: 'ok'; readonly bytes: Buffer } | { readonly kind: 'tooLarge' };

export const EMPTY_BODY: RawBody = { kind: 'ok', bytes: Buffer.alloc(0) };

/**
 * Reads the whole request body. An oversized body is still drained, not cut off: closing the
 * socket while the client is writing makes the kernel send RST, and the client would see
 * ECONNRESET instead of the 413 it should be told about. That is also why the sandbox reads
 * bodies itself instead of with fastify's `bodyLimit`, which answers 413 at once and closes.
 */
export function readRawBody(request: IncomingMessage, maxBytes: number): Promise<RawBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.once('end', () => {
      resolve(
        size > maxBytes ? { kind: 'tooLarge' } : { kind: 'ok', bytes: Buffer.concat(chunks, size) },
      );
    });
    request.once('error', reject);
    // A client that disconnects mid-body may only emit 'close'; without this the read never settles.
    request.once('close', () => {
      if (!request.complete) reject(new Error('the client closed the request before its end'));
    });
  });
}

/** The body fastify parsed for a route of the sandbox; a request without a body has none. */
export function rawBodyOf(body: unknown): RawBody {
  return isRawBody(body) ? body : EMPTY_BODY;
}

function isRawBody(value: unknown): value is RawBody {
  if (typeof value !== 'object' || value === null || !('kind' in value)) return false;
  return value.kind === 'tooLarge' || (value.kind === 'ok' && 'bytes' in value);
}
