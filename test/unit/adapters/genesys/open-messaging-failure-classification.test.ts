import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RATE_LIMIT_RETRY_MS,
  MAX_FAILURE_MESSAGE_LENGTH,
  classifyRejection,
  failureKindForStatus,
} from '../../../../src/adapters/genesys/open-messaging/failure-classification.js';
import {
  headerValue,
  parseRetryAfterMs,
  rateLimitHintOf,
} from '../../../../src/adapters/genesys/open-messaging/response-headers.js';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const context = { nowMs: NOW };

/** The SDK's rejection with `setReturnExtendedResponses(true)` (contract §2.1). */
function extended(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  statusText = '',
) {
  return {
    status,
    statusText,
    headers,
    body,
    text: undefined,
    error: Object.assign(new Error(`Request failed with status code ${status}`), {
      isAxiosError: true,
      code: status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
    }),
  };
}

/** A Node/axios error without a response (connection-level). */
function networkError(code: string, message: string) {
  return Object.assign(new Error(message), { isAxiosError: true, code, name: 'AxiosError' });
}

function genesysBody(status: number, code: string, message: string, contextId = 'ctx-1') {
  return { message, code, status, contextId, details: [], errors: [] };
}

describe('classifyRejection: extended-response rejections', () => {
  it('turns a 400 into a permanent failure carrying the Genesys code, message and correlation id', () => {
    const rejection = extended(
      400,
      genesysBody(
        400,
        'bad.request',
        'The request could not be understood by the server due to malformed syntax.',
      ),
      { 'inin-correlation-id': 'corr-400' },
    );
    expect(classifyRejection(rejection, context)).toEqual({
      failure: {
        kind: 'permanent',
        status: 400,
        code: 'bad.request',
        message: 'The request could not be understood by the server due to malformed syntax.',
        retryAfterMs: null,
        correlationId: 'corr-400',
      },
    });
  });

  it.each([403, 404, 409, 413, 422])('treats %i as permanent', (status) => {
    const { failure } = classifyRejection(
      extended(status, genesysBody(status, 'x', 'no')),
      context,
    );
    expect(failure).toMatchObject({ kind: 'permanent', status, code: 'x', message: 'no' });
  });

  it.each([408, 500, 502, 503, 504])('treats %i as transient', (status) => {
    const { failure } = classifyRejection(
      extended(status, genesysBody(status, 'y', 'later')),
      context,
    );
    expect(failure).toMatchObject({ kind: 'transient', status, retryAfterMs: null });
  });

  it('treats 401 as an expired token', () => {
    const { failure } = classifyRejection(
      extended(401, genesysBody(401, 'bad.credentials', 'Invalid login credentials.')),
      context,
    );
    expect(failure).toMatchObject({ kind: 'authExpired', status: 401, code: 'bad.credentials' });
  });

  it('honours Retry-After on a 503', () => {
    const { failure } = classifyRejection(
      extended(503, genesysBody(503, 'service.unavailable', 'busy'), { 'retry-after': '7' }),
      context,
    );
    expect(failure).toMatchObject({ kind: 'transient', retryAfterMs: 7000 });
  });

  it('keeps the status of a 503 with an empty body and names it by status', () => {
    const { failure } = classifyRejection(extended(503, '', {}, 'Service Unavailable'), context);
    expect(failure).toEqual({
      kind: 'transient',
      status: 503,
      code: 'HTTP_503',
      message: 'HTTP 503 Service Unavailable',
      retryAfterMs: null,
      correlationId: null,
    });
  });

  it('uses a non-JSON body (a proxy page) as the message', () => {
    const { failure } = classifyRejection(extended(502, '<html>Bad Gateway</html>'), context);
    expect(failure).toMatchObject({
      kind: 'transient',
      code: 'HTTP_502',
      message: '<html>Bad Gateway</html>',
    });
  });

  it('falls back to the body contextId when the correlation header is missing', () => {
    const { failure } = classifyRejection(
      extended(404, genesysBody(404, 'not.found', 'gone', 'ctx-404')),
      context,
    );
    expect(failure.correlationId).toBe('ctx-404');
  });

  it('truncates long server messages', () => {
    const { failure } = classifyRejection(
      extended(400, genesysBody(400, 'bad.request', 'x'.repeat(2000))),
      context,
    );
    expect(failure.message).toHaveLength(MAX_FAILURE_MESSAGE_LENGTH);
    expect(failure.message?.endsWith('…')).toBe(true);
  });

  it('reads the rate-limit budget headers of a failure', () => {
    const rejection = extended(503, '', {
      'inin-ratelimit-allowed': '300',
      'inin-ratelimit-count': '12',
      'inin-ratelimit-reset': '41',
    });
    expect(classifyRejection(rejection, context).rateLimit).toEqual({
      allowed: 300,
      count: 12,
      resetMs: 41_000,
    });
  });

  it('reads headers whatever their case, as arrays or numbers', () => {
    const rejection = extended(503, '', {});
    rejection.headers = { 'Retry-After': ['4', '9'] } as unknown as Record<string, string>;
    expect(classifyRejection(rejection, context).failure.retryAfterMs).toBe(4000);
    expect(headerValue({ 'Inin-Ratelimit-Reset': 12 }, 'inin-ratelimit-reset')).toBe('12');
  });
});

describe('classifyRejection: 429 and how long to wait', () => {
  const body = genesysBody(
    429,
    'too.many.requests.retry.after',
    'Rate limit exceeded the maximum. Retry the request in [42] seconds',
  );

  it('uses Retry-After in seconds first', () => {
    const { failure } = classifyRejection(
      extended(429, body, {
        'retry-after': '3',
        'inin-ratelimit-reset': '50',
        'inin-correlation-id': 'c429',
      }),
      context,
    );
    expect(failure).toEqual({
      kind: 'rateLimited',
      status: 429,
      code: 'too.many.requests.retry.after',
      message: 'Rate limit exceeded the maximum. Retry the request in [42] seconds',
      retryAfterMs: 3000,
      correlationId: 'c429',
    });
  });

  it('accepts Retry-After as an HTTP date', () => {
    const at = new Date(NOW + 90_000).toUTCString();
    expect(
      classifyRejection(extended(429, body, { 'retry-after': at }), context).failure.retryAfterMs,
    ).toBe(90_000);
  });

  it('falls back to inin-ratelimit-reset when Retry-After is missing or unreadable', () => {
    const headers = { 'retry-after': 'soon', 'inin-ratelimit-reset': '17' };
    expect(classifyRejection(extended(429, body, headers), context).failure.retryAfterMs).toBe(
      17_000,
    );
  });

  it('falls back to the seconds in the normalised Genesys message', () => {
    expect(classifyRejection(extended(429, body), context).failure.retryAfterMs).toBe(42_000);
  });

  it('falls back to a default when nothing says how long', () => {
    const bare = genesysBody(429, 'too.many.requests', 'slow down');
    expect(classifyRejection(extended(429, bare), context).failure.retryAfterMs).toBe(
      DEFAULT_RATE_LIMIT_RETRY_MS,
    );
    expect(
      classifyRejection(extended(429, bare), { ...context, defaultRateLimitRetryMs: 1234 }).failure
        .retryAfterMs,
    ).toBe(1234);
  });
});

describe('classifyRejection: the other shapes', () => {
  it('classifies a bare Genesys body (extended responses off) by its status field', () => {
    const { failure } = classifyRejection(
      genesysBody(429, 'too.many.requests.retry.after', 'Retry the request in [5] seconds', 'ctx'),
      context,
    );
    expect(failure).toMatchObject({
      kind: 'rateLimited',
      status: 429,
      retryAfterMs: 5000,
      correlationId: 'ctx',
    });
    expect(classifyRejection(genesysBody(400, 'bad.request', 'no'), context).failure.kind).toBe(
      'permanent',
    );
  });

  it('treats a bare body without a status as transient', () => {
    expect(classifyRejection({ message: 'odd', code: 'weird' }, context).failure).toEqual({
      kind: 'transient',
      status: null,
      code: 'weird',
      message: 'odd',
      retryAfterMs: null,
      correlationId: null,
    });
  });

  it('treats undefined (an empty error body with extended responses off) as transient', () => {
    expect(classifyRejection(undefined, context).failure).toMatchObject({
      kind: 'transient',
      status: null,
      code: 'EMPTY_ERROR_RESPONSE',
    });
  });

  it.each([
    ['ECONNABORTED', 'timeout of 16000ms exceeded'],
    ['ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443'],
    ['ECONNRESET', 'socket hang up'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'],
    ['EPIPE', 'write EPIPE'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND api.example.invalid'],
  ])('treats %s without a response as transient with that code', (code, message) => {
    expect(classifyRejection(networkError(code, message), context).failure).toEqual({
      kind: 'transient',
      status: null,
      code,
      message,
      retryAfterMs: null,
      correlationId: null,
    });
  });

  it('names a cancelled request ABORTED', () => {
    const canceled = Object.assign(new Error('canceled'), {
      code: 'ERR_CANCELED',
      name: 'CanceledError',
    });
    expect(classifyRejection(canceled, context).failure).toMatchObject({
      kind: 'transient',
      code: 'ABORTED',
    });
    const abort = new DOMException('This operation was aborted', 'AbortError');
    expect(classifyRejection(abort, context).failure.code).toBe('ABORTED');
  });

  it('classifies a raw AxiosError with a response (how a login fails) by its status', () => {
    const loginError = Object.assign(new Error('Request failed with status code 401'), {
      isAxiosError: true,
      code: 'ERR_BAD_REQUEST',
      response: {
        status: 401,
        statusText: 'Unauthorized',
        headers: {},
        data: { error: 'invalid_client' },
      },
    });
    expect(classifyRejection(loginError, context).failure).toEqual({
      kind: 'authExpired',
      status: 401,
      code: 'HTTP_401',
      message: 'HTTP 401 Unauthorized',
      retryAfterMs: null,
      correlationId: null,
    });
  });

  it('treats a string thrown by the SDK (a missing parameter) as permanent', () => {
    const thrown =
      'Missing the required parameter "integrationId" when calling postConversationsMessageInboundOpenReceipt';
    expect(classifyRejection(thrown, context).failure).toEqual({
      kind: 'permanent',
      status: null,
      code: 'SDK_INVALID_CALL',
      message: thrown,
      retryAfterMs: null,
      correlationId: null,
    });
  });

  it('treats any other error as transient, keeping its code or name', () => {
    expect(classifyRejection(new Error('boom'), context).failure).toMatchObject({
      kind: 'transient',
      code: 'UNEXPECTED_ERROR',
      message: 'boom',
    });
    expect(classifyRejection(new TypeError('bad'), context).failure.code).toBe('TypeError');
    const coded = Object.assign(new Error('weird'), { code: 'ERR_SOMETHING' });
    expect(classifyRejection(coded, context).failure.code).toBe('ERR_SOMETHING');
    expect(classifyRejection(42, context).failure).toMatchObject({
      kind: 'transient',
      code: 'UNEXPECTED_REJECTION',
    });
  });
});

describe('failureKindForStatus', () => {
  it.each([
    [429, 'rateLimited'],
    [401, 'authExpired'],
    [408, 'transient'],
    [500, 'transient'],
    [599, 'transient'],
    [400, 'permanent'],
    [418, 'permanent'],
    [304, 'transient'],
  ] as const)('%i → %s', (status, kind) => {
    expect(failureKindForStatus(status)).toBe(kind);
  });
});

describe('parseRetryAfterMs', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 5 ', 5000],
    ['1.5', 1500],
  ])('reads delay-seconds %j', (value, expected) => {
    expect(parseRetryAfterMs(value, NOW)).toBe(expected);
  });

  it('reads an HTTP date, and a past date as 0', () => {
    expect(parseRetryAfterMs('Sat, 28 Nov 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfterMs('Sat, 28 Nov 2026 11:00:00 GMT', NOW)).toBe(0);
  });

  it.each([undefined, '', 'soon', '-5', '1e3'])('ignores %j', (value) => {
    expect(parseRetryAfterMs(value, NOW)).toBeNull();
  });
});

describe('rateLimitHintOf', () => {
  it('needs all three headers', () => {
    expect(
      rateLimitHintOf({ 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '1' }),
    ).toBeUndefined();
    expect(rateLimitHintOf(undefined)).toBeUndefined();
    expect(
      rateLimitHintOf({
        'inin-ratelimit-allowed': '180',
        'inin-ratelimit-count': '1',
        'inin-ratelimit-reset': '61',
      }),
    ).toEqual({ allowed: 180, count: 1, resetMs: 61_000 });
  });
});
