/**
 * The fault shapes shared by both protocols of the sandbox: the Open Messaging endpoints and the
 * Web Messaging guest API each draw from a FaultPlan of their own (see fault-plan.ts).
 */

/** Each rate is a probability 0..1, drawn from the sandbox's seeded PRNG, per messaging request. */
export interface SandboxFaultRates {
  /** 503 with the Genesys JSON error body. */
  readonly serverError?: number;
  /** 502 or 503 with an empty body, as a proxy in front of the API would answer. */
  readonly serverErrorEmptyBody?: number;
  /** Injected 429 with `Retry-After: retryAfterSeconds` and the normalised body. */
  readonly rateLimited?: number;
  /** Destroy the socket after reading the request, without answering. */
  readonly connectionReset?: number;
  /** Delay the answer by `slowMs`, then answer normally. */
  readonly slow?: number;
  /** Delay used by `slow`; default 250 ms. */
  readonly slowMs?: number;
  /** Invalidate every issued token this often, like a token revoked before its expiry. */
  readonly revokeTokensEveryMs?: number;
}

/** One scripted answer; `nth` is 1-based from the `script` call, omitted = the next free one. */
export interface ScriptedStep<Answer> {
  readonly nth?: number;
  readonly answer: Answer;
}
