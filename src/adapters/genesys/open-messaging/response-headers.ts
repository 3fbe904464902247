import type { RateLimitHint } from '../../../application/ports/index.js';

/**
 * Reads headers of an SDK extended response. They arrive as an `AxiosHeaders` instance whose own
 * properties are the lower-cased names, but tests and other HTTP clients hand in plain objects
 * with any case, so the lookup is case-insensitive and tolerant of arrays and numbers.
 */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') return first.trim();
    if (typeof first === 'number' && Number.isFinite(first)) return String(first);
    return undefined;
  }
  return undefined;
}

export function correlationIdOf(headers: unknown): string | null {
  const value = headerValue(headers, 'inin-correlation-id');
  return value === undefined || value === '' ? null : value;
}

/** `inin-ratelimit-allowed/count/reset` (reset in seconds); all three or nothing. */
export function rateLimitHintOf(headers: unknown): RateLimitHint | undefined {
  const allowed = nonNegativeNumber(headerValue(headers, 'inin-ratelimit-allowed'));
  const count = nonNegativeNumber(headerValue(headers, 'inin-ratelimit-count'));
  const resetSeconds = nonNegativeNumber(headerValue(headers, 'inin-ratelimit-reset'));
  if (allowed === null || count === null || resetSeconds === null) return undefined;
  return { allowed, count, resetMs: Math.round(resetSeconds * 1000) };
}

/**
 * RFC 9110 §10.2.3: `Retry-After` is either delay-seconds or an HTTP-date. A date in the past
 * means "now" (0). Anything unparseable is ignored (null) so a fallback can apply.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // Only strings that look like a date: Date.parse also accepts bare numbers like "-5" or "1e3".
  if (!/[a-z]/i.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** `inin-ratelimit-reset` in seconds, as milliseconds. */
export function rateLimitResetMs(headers: unknown): number | null {
  const seconds = nonNegativeNumber(headerValue(headers, 'inin-ratelimit-reset'));
  return seconds === null ? null : Math.round(seconds * 1000);
}

function nonNegativeNumber(value: string | undefined): number | null {
  if (value === undefined || !/^\d+(?:\.\d+)?$/.test(value)) return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}
