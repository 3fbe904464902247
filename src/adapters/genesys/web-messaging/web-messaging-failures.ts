import type { FailureKind, TransportFailure } from '../../../domain/index.js';

/**
 * What each server error code means for a retry (contract §4.4). The table is the one in
 * docs/web-messaging.md; 4006/4007 are handled before this (a new session, one retry).
 */
export interface CodeMeaning {
  readonly kind: FailureKind;
  readonly code: string;
}

export const WEB_MESSAGING_CODES: Readonly<Record<number, CodeMeaning>> = {
  400: { kind: 'permanent', code: 'WEB_MESSAGING_BAD_REQUEST' },
  401: { kind: 'permanent', code: 'WEB_MESSAGING_UNAUTHORIZED' },
  403: { kind: 'permanent', code: 'WEB_MESSAGING_FORBIDDEN' },
  404: { kind: 'permanent', code: 'WEB_MESSAGING_NOT_FOUND' },
  408: { kind: 'transient', code: 'WEB_MESSAGING_TIMEOUT' },
  429: { kind: 'rateLimited', code: 'WEB_MESSAGING_RATE_LIMITED' },
  4000: { kind: 'permanent', code: 'WEB_MESSAGING_FEATURE_UNAVAILABLE' },
  4001: { kind: 'permanent', code: 'WEB_MESSAGING_FILE_TYPE_INVALID' },
  4002: { kind: 'permanent', code: 'WEB_MESSAGING_FILE_SIZE_INVALID' },
  4003: { kind: 'permanent', code: 'WEB_MESSAGING_FILE_CONTENT_INVALID' },
  4004: { kind: 'permanent', code: 'WEB_MESSAGING_FILE_NAME_INVALID' },
  4005: { kind: 'permanent', code: 'WEB_MESSAGING_FILE_NAME_TOO_LONG' },
  4006: { kind: 'authExpired', code: 'WEB_MESSAGING_SESSION_EXPIRED' },
  4007: { kind: 'authExpired', code: 'WEB_MESSAGING_SESSION_NOT_FOUND' },
  4008: { kind: 'transient', code: 'WEB_MESSAGING_ATTACHMENT_EXPIRED' },
  4009: { kind: 'transient', code: 'WEB_MESSAGING_ATTACHMENT_NOT_FOUND' },
  4010: { kind: 'transient', code: 'WEB_MESSAGING_ATTACHMENT_NOT_UPLOADED' },
  4011: { kind: 'permanent', code: 'WEB_MESSAGING_MESSAGE_TOO_LONG' },
  4013: { kind: 'permanent', code: 'WEB_MESSAGING_CUSTOM_DATA_TOO_LARGE' },
  4017: { kind: 'permanent', code: 'WEB_MESSAGING_CANNOT_DOWNGRADE' },
  4020: { kind: 'permanent', code: 'WEB_MESSAGING_MISSING_PARAMETER' },
  4029: { kind: 'rateLimited', code: 'WEB_MESSAGING_RATE_LIMITED' },
  5000: { kind: 'transient', code: 'WEB_MESSAGING_UNEXPECTED_ERROR' },
};

/** Session codes: the transport starts a new session once and sends again. */
export const SESSION_GONE_CODES: ReadonlySet<number> = new Set([4006, 4007]);

export function meaningOf(code: number): CodeMeaning {
  const known = WEB_MESSAGING_CODES[code];
  if (known !== undefined) return known;
  if (code >= 500 && code < 600) return { kind: 'transient', code: `WEB_MESSAGING_HTTP_${code}` };
  if (code >= 4000 && code < 5000) return { kind: 'permanent', code: `WEB_MESSAGING_${code}` };
  if (code >= 400 && code < 500) return { kind: 'permanent', code: `WEB_MESSAGING_HTTP_${code}` };
  return { kind: 'transient', code: `WEB_MESSAGING_${code}` };
}

export function serverFailure(
  code: number,
  message: string | null,
  retryAfterMs: number | null = null,
): TransportFailure {
  const meaning = meaningOf(code);
  return {
    kind: meaning.kind,
    status: code,
    code: meaning.code,
    message: truncate(message),
    retryAfterMs: meaning.kind === 'rateLimited' ? (retryAfterMs ?? 1000) : retryAfterMs,
    correlationId: null,
  };
}

export function localFailure(
  kind: FailureKind,
  code: string,
  message: string,
  retryAfterMs: number | null = null,
): TransportFailure {
  return {
    kind,
    status: null,
    code,
    message: truncate(message),
    retryAfterMs,
    correlationId: null,
  };
}

export const MAX_FAILURE_MESSAGE_LENGTH = 500;

function truncate(text: string | null): string | null {
  if (text === null) return null;
  return text.length <= MAX_FAILURE_MESSAGE_LENGTH
    ? text
    : `${text.slice(0, MAX_FAILURE_MESSAGE_LENGTH - 1)}…`;
}
