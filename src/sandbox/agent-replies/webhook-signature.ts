import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Hub-Signature-256';

/**
 * `X-Hub-Signature-256` as Genesys computes it (contract §9): `sha256=` and the base64 (not hex)
 * HMAC-SHA256 of the exact body bytes, keyed with the integration's secret token.
 */
export function webhookSignature(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;
}
