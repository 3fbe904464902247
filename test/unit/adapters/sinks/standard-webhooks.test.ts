import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  parseWebhookSecret,
  signWebhook,
} from '../../../../src/adapters/sinks/standard-webhooks.js';

const SECRET = `whsec_${Buffer.from('unit-test-secret-0123456789abcdef').toString('base64')}`;

describe('signWebhook', () => {
  // Non-ASCII on purpose: the signature covers the body's UTF-8 bytes, not its UTF-16 units.
  const body = JSON.stringify({ type: 'gtx.analytics.batch', data: { guestId: 'gäst-✓' } });
  const input = { id: 'msg_0123', timestampSeconds: 1_780_000_000 };

  it('signs what the reference implementation signs, for the body as text or as its bytes', () => {
    const reference = new Webhook(SECRET).sign(
      input.id,
      new Date(input.timestampSeconds * 1000),
      body,
    );
    const key = parseWebhookSecret(SECRET);
    expect(signWebhook(key, { ...input, body })).toBe(reference);
    expect(signWebhook(key, { ...input, body: Buffer.from(body, 'utf8') })).toBe(reference);
  });

  it('binds id and timestamp: changing either changes the signature', () => {
    const key = parseWebhookSecret(SECRET);
    const signed = signWebhook(key, { ...input, body });
    expect(signWebhook(key, { ...input, id: 'msg_0124', body })).not.toBe(signed);
    expect(signWebhook(key, { ...input, timestampSeconds: 1_780_000_001, body })).not.toBe(signed);
  });
});
