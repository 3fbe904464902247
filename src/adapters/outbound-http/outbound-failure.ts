import { HOST_REFUSED, isHostRefusedError } from './address-guard.js';

/**
 * Why an outbound exchange did not produce a (whole) answer. Expected failures are values: each
 * client turns them into its own outcome (a sink failure kind, a transport failure code).
 */
export type OutboundFailureCode =
  /** The URL's host, or an address its name resolves to, is not allowed by the policy. */
  | typeof HOST_REFUSED
  /** The deadline passed: connect, headers or body took too long. */
  | 'OUTBOUND_TIMEOUT'
  /** The caller's signal aborted the exchange. */
  | 'OUTBOUND_ABORTED'
  /** The answer's body is larger than the caller reads. */
  | 'OUTBOUND_ANSWER_TOO_LARGE'
  /** Anything else on the wire: refused, reset, cut off, DNS failure. */
  | 'OUTBOUND_NETWORK';

export interface OutboundFailure {
  readonly code: OutboundFailureCode;
  /** Safe to log: an errno code, a host name or a limit, never a URL's query or a body. */
  readonly detail: string;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export interface FailureContext {
  readonly callerSignal: AbortSignal | undefined;
  readonly deadline: AbortSignal;
  readonly timeoutMs: number;
}

/** Sorts whatever undici rejected with; the signals say who aborted, whatever the error looks like. */
export function failureOf(error: unknown, context: FailureContext): OutboundFailure {
  if (context.callerSignal?.aborted === true)
    return { code: 'OUTBOUND_ABORTED', detail: 'aborted' };
  const code = (error as { code?: unknown } | null)?.code;
  if (context.deadline.aborted || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return {
      code: 'OUTBOUND_TIMEOUT',
      detail: `no answer within ${String(context.timeoutMs)} ms`,
    };
  }
  if (isHostRefusedError(error)) return { code: HOST_REFUSED, detail: error.detail };
  if (typeof code === 'string') return { code: 'OUTBOUND_NETWORK', detail: code };
  return {
    code: 'OUTBOUND_NETWORK',
    detail: error instanceof Error ? error.name : 'request failed',
  };
}
