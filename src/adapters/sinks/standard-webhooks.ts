import { createHmac } from 'node:crypto';
import { GtxError } from '../../domain/index.js';

const SECRET_PREFIX = 'whsec_';

/** The signing secret is not in Standard Webhooks' `whsec_<base64>` form. */
export class WebhookSecretInvalidError extends GtxError {
  constructor(reason: string) {
    super('WEBHOOK_SECRET_INVALID', `ANALYTICS_WEBHOOK_SECRET ${reason}`, {
      details: { setting: 'ANALYTICS_WEBHOOK_SECRET' },
    });
  }
}

/** The key bytes of a `whsec_<base64>` secret (at least 24 bytes, as the spec advises). */
export function parseWebhookSecret(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new WebhookSecretInvalidError('must start with whsec_');
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new WebhookSecretInvalidError('must be whsec_ followed by base64');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 24) throw new WebhookSecretInvalidError('must hold at least 24 bytes of key');
  return key;
}

export interface SignatureInput {
  readonly id: string;
  /** Seconds since the epoch, as sent in `webhook-timestamp`. */
  readonly timestampSeconds: number;
  /** The exact bytes posted; a string is signed as its UTF-8 bytes. */
  readonly body: string | Buffer;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`: the `webhook-signature` header value. */
export function signWebhook(key: Buffer, input: SignatureInput): string {
  // Fed in two parts: the same bytes as `id.timestamp.body`, without copying a large body.
  const mac = createHmac('sha256', key)
    .update(`${input.id}.${String(input.timestampSeconds)}.`)
    .update(input.body)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * `Retry-After` as milliseconds from `nowMs`: delay-seconds or an HTTP date. Null when absent or
 * unreadable (the caller then backs off on its own).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}
