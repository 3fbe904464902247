import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  readSignedBody,
  signatureMatches,
} from '../../../../src/adapters/http/webhook-signature.js';

const SECRET = 'a-secret-of-enough-length';

function chunks(...parts: string[]): Readable {
  return Readable.from(parts.map((part) => Buffer.from(part)));
}

describe('reading a signed webhook body', () => {
  it('signs, hashes and keeps a body within the limit, as node:crypto computes them', async () => {
    const body = await readSignedBody(chunks('{"id":', '"m1"}'), SECRET, 1024, 4096);
    expect(body.bytes?.toString()).toBe('{"id":"m1"}');
    expect(body.sizeBytes).toBe(11);
    expect(body.sha256).toBe(createHash('sha256').update('{"id":"m1"}').digest('hex'));
    expect(body.expectedSignature).toBe(
      `sha256=${createHmac('sha256', SECRET).update('{"id":"m1"}').digest('base64')}`,
    );
  });

  it('over the limit keeps no bytes but still measures, hashes and signs all of them', async () => {
    const text = 'x'.repeat(300);
    const body = await readSignedBody(
      chunks(text.slice(0, 150), text.slice(150)),
      SECRET,
      100,
      1000,
    );
    expect(body.bytes).toBeNull();
    expect(body.sizeBytes).toBe(300);
    expect(body.sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('past the point of abandoning, fails with 413 and reads no further', async () => {
    await expect(readSignedBody(chunks('x'.repeat(600)), SECRET, 100, 500)).rejects.toMatchObject({
      statusCode: 413,
      code: 'WEBHOOK_BODY_TOO_LARGE',
    });
  });
});

describe('comparing the signature', () => {
  const expected = `sha256=${createHmac('sha256', SECRET).update('{}').digest('base64')}`;

  it('accepts the exact value, with surrounding spaces', () => {
    expect(signatureMatches(expected, expected)).toBe(true);
    expect(signatureMatches(` ${expected} `, expected)).toBe(true);
  });

  it('refuses a missing, repeated, shortened or altered header', () => {
    expect(signatureMatches(undefined, expected)).toBe(false);
    expect(signatureMatches([expected, expected], expected)).toBe(false);
    expect(signatureMatches(expected.slice(0, -2), expected)).toBe(false);
    expect(signatureMatches(`${expected.slice(0, -2)}AA`, expected)).toBe(false);
    expect(signatureMatches(expected.replace('sha256=', 'sha1='), expected)).toBe(false);
  });
});
