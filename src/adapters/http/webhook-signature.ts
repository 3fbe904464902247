import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';

/** A webhook body as read off the wire: measured, hashed and signed in one pass. */
export interface SignedBody {
  /** The body, or null when it was over the limit (only measured and hashed then). */
  readonly bytes: Buffer | null;
  readonly sizeBytes: number;
  readonly sha256: string;
  /** `sha256=` + base64 HMAC-SHA256 of the body under the secret: what Genesys must send. */
  readonly expectedSignature: string;
}

export const SIGNATURE_HEADER = 'x-hub-signature-256';

/**
 * Reads a request body keeping at most `limitBytes` of it, while hashing and signing all of it,
 * so a body over the limit is still verified and described (size, hash) with flat memory. A
 * body past `abandonBytes` is not worth finishing: the read fails and nothing is recorded.
 */
export function readSignedBody(
  payload: Readable,
  secret: string,
  limitBytes: number,
  abandonBytes: number,
): Promise<SignedBody> {
  return new Promise((resolve, reject) => {
    const hmac = createHmac('sha256', secret);
    const digest = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > abandonBytes) {
        payload.destroy();
        reject(new BodyAbandonedError(abandonBytes));
        return;
      }
      hmac.update(chunk);
      digest.update(chunk);
      if (size <= limitBytes) chunks.push(chunk);
    });
    payload.once('error', reject);
    payload.once('end', () => {
      resolve({
        bytes: size <= limitBytes ? Buffer.concat(chunks) : null,
        sizeBytes: size,
        sha256: digest.digest('hex'),
        expectedSignature: `sha256=${hmac.digest('base64')}`,
      });
    });
  });
}

/** The signature header matches, compared in constant time (its length is no secret). */
export function signatureMatches(header: string | string[] | undefined, expected: string): boolean {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header.trim(), 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export class BodyAbandonedError extends Error {
  readonly statusCode = 413;
  readonly code = 'WEBHOOK_BODY_TOO_LARGE';
  constructor(abandonBytes: number) {
    super(`the body is over ${abandonBytes} bytes; it was not read to the end`);
  }
}
