import type { RateLimitHint } from '../../../application/ports/index.js';
import type { FailureKind, TransportFailure } from '../../../domain/index.js';
import {
  correlationIdOf,
  headerValue,
  parseRetryAfterMs,
  rateLimitHintOf,
  rateLimitResetMs,
} from './response-headers.js';

/**
 * Turns every way a `purecloud-platform-client-v2` call can fail into a TransportFailure the
 * retry policy understands. Pure: the current time comes in, nothing is logged.
 *
 * The shapes (contract §2.1, checked against the SDK source and loopback tests):
 * - extended-response rejection `{status, statusText, headers, body, text, error}`;
 * - a bare Genesys error body (extended responses off), or `undefined` for an empty body;
 * - an AxiosError with `response` (what `loginClientCredentialsGrant` rejects with);
 * - an AxiosError or Node error without `response` (refused, reset, timeout, DNS…);
 * - a string thrown by the SDK for a missing required parameter;
 * - anything else.
 */

export interface ClassificationContext {
  /** Epoch ms, to turn an HTTP-date `Retry-After` into a delay. */
  readonly nowMs: number;
  /** Wait suggested for a 429 that says nothing about when to come back. */
  readonly defaultRateLimitRetryMs?: number;
}

export interface ClassifiedFailure {
  readonly failure: TransportFailure;
  readonly rateLimit?: RateLimitHint;
}

export const DEFAULT_RATE_LIMIT_RETRY_MS = 5_000;
export const MAX_FAILURE_MESSAGE_LENGTH = 500;

/** Connection-level errors: the request may or may not have reached Genesys; retrying is safe to try. */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
]);

export function classifyRejection(
  rejection: unknown,
  context: ClassificationContext,
): ClassifiedFailure {
  if (rejection === undefined || rejection === null) return { failure: emptyRejection() };
  if (typeof rejection === 'string') return { failure: sdkRefusedCall(rejection) };
  const answer = httpAnswerOf(rejection);
  if (answer !== undefined) return classifyHttpAnswer(answer, context);
  if (isBareErrorBody(rejection)) return { failure: classifyBareBody(rejection, context) };
  return { failure: classifyThrown(rejection) };
}

export function failureKindForStatus(status: number): FailureKind {
  if (status === 429) return 'rateLimited';
  if (status === 401) return 'authExpired';
  if (status === 408 || status >= 500) return 'transient';
  if (status >= 400) return 'permanent';
  // A non-2xx the HTTP client did not follow (3xx without Location, 1xx): nothing we sent was wrong.
  return 'transient';
}

/** An HTTP status with whatever came with it, from either rejection shape that has one. */
interface HttpAnswer {
  readonly status: number;
  readonly statusText: string | null;
  readonly headers: unknown;
  readonly body: unknown;
}

function httpAnswerOf(rejection: unknown): HttpAnswer | undefined {
  if (!isRecord(rejection)) return undefined;
  // Extended response: the SDK copies status/headers/body off the axios response and keeps `error`.
  if (typeof rejection['status'] === 'number' && 'headers' in rejection && 'error' in rejection) {
    return {
      status: rejection['status'],
      statusText: stringOrNull(rejection['statusText']),
      headers: rejection['headers'],
      body: rejection['body'],
    };
  }
  // Raw AxiosError with a response: how loginClientCredentialsGrant rejects.
  const response = rejection['response'];
  if (isRecord(response) && typeof response['status'] === 'number') {
    return {
      status: response['status'],
      statusText: stringOrNull(response['statusText']),
      headers: response['headers'],
      body: response['data'],
    };
  }
  return undefined;
}

function classifyHttpAnswer(answer: HttpAnswer, context: ClassificationContext): ClassifiedFailure {
  const kind = failureKindForStatus(answer.status);
  const body = isRecord(answer.body) ? answer.body : undefined;
  const failure: TransportFailure = {
    kind,
    status: answer.status,
    code: stringOrNull(body?.['code']) ?? `HTTP_${answer.status}`,
    message: truncate(messageOf(answer)),
    retryAfterMs: retryAfterFor(kind, answer, context),
    correlationId: correlationIdOf(answer.headers) ?? stringOrNull(body?.['contextId']),
  };
  const rateLimit = rateLimitHintOf(answer.headers);
  return rateLimit === undefined ? { failure } : { failure, rateLimit };
}

function retryAfterFor(
  kind: FailureKind,
  answer: HttpAnswer,
  context: ClassificationContext,
): number | null {
  const asked = parseRetryAfterMs(headerValue(answer.headers, 'retry-after'), context.nowMs);
  if (kind === 'transient') return asked; // a 503 may say when to come back; honour it
  if (kind !== 'rateLimited') return null;
  return (
    asked ??
    rateLimitResetMs(answer.headers) ??
    secondsInGenesysMessage(answer.body) ??
    context.defaultRateLimitRetryMs ??
    DEFAULT_RATE_LIMIT_RETRY_MS
  );
}

/** The normalised 429 body says "Retry the request in [42] seconds" (contract §5). */
function secondsInGenesysMessage(body: unknown): number | null {
  if (!isRecord(body)) return null;
  const message = stringOrNull(body['message']);
  const match = message === null ? null : /\[(\d+)\]\s*seconds?/i.exec(message);
  return match?.[1] === undefined ? null : Number(match[1]) * 1000;
}

function messageOf(answer: HttpAnswer): string | null {
  if (isRecord(answer.body)) {
    const message = stringOrNull(answer.body['message']);
    if (message !== null) return message;
  }
  if (typeof answer.body === 'string' && answer.body.trim() !== '') return answer.body.trim();
  const statusText =
    answer.statusText === null || answer.statusText === '' ? '' : ` ${answer.statusText}`;
  return `HTTP ${answer.status}${statusText}`;
}

/** With extended responses off, the SDK rejects with the parsed body only (status inside, if any). */
function isBareErrorBody(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value) || value instanceof Error) return false;
  return ['status', 'code', 'message', 'contextId'].some((key) => key in value);
}

function classifyBareBody(
  body: Record<string, unknown>,
  context: ClassificationContext,
): TransportFailure {
  const status = typeof body['status'] === 'number' ? body['status'] : null;
  if (status !== null) {
    return classifyHttpAnswer({ status, statusText: null, headers: undefined, body }, context)
      .failure;
  }
  return {
    kind: 'transient',
    status: null,
    code: stringOrNull(body['code']) ?? 'UNKNOWN_ERROR_BODY',
    message: truncate(stringOrNull(body['message'])),
    retryAfterMs: null,
    correlationId: stringOrNull(body['contextId']),
  };
}

/** Extended responses off and an empty error body (a 5xx from a proxy): the status is lost. */
function emptyRejection(): TransportFailure {
  return failure(
    'transient',
    'EMPTY_ERROR_RESPONSE',
    'the SDK rejected without a response body or status',
  );
}

/** The SDK throws a string when a required parameter is missing: the call is wrong, never retry. */
function sdkRefusedCall(text: string): TransportFailure {
  return failure('permanent', 'SDK_INVALID_CALL', truncate(text));
}

function classifyThrown(error: unknown): TransportFailure {
  if (!isRecord(error)) {
    return failure('transient', 'UNEXPECTED_REJECTION', truncate(String(error)));
  }
  const code = stringOrNull(error['code']);
  const message = truncate(stringOrNull(error['message']));
  if (
    code === 'ERR_CANCELED' ||
    error['name'] === 'AbortError' ||
    error['name'] === 'CanceledError'
  ) {
    return failure('transient', 'ABORTED', message ?? 'the request was aborted');
  }
  if (code !== null && NETWORK_ERROR_CODES.has(code)) return failure('transient', code, message);
  return failure('transient', code ?? errorName(error), message);
}

function failure(kind: FailureKind, code: string, message: string | null): TransportFailure {
  return { kind, status: null, code, message, retryAfterMs: null, correlationId: null };
}

function errorName(error: Record<string, unknown>): string {
  const name = stringOrNull(error['name']);
  return name === null || name === 'Error' ? 'UNEXPECTED_ERROR' : name;
}

export function truncate(text: string | null): string | null {
  if (text === null) return null;
  return text.length <= MAX_FAILURE_MESSAGE_LENGTH
    ? text
    : `${text.slice(0, MAX_FAILURE_MESSAGE_LENGTH - 1)}…`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
