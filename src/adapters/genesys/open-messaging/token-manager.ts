import type { Clock, Logger } from '../../../application/ports/index.js';

/** What a successful client-credentials login tells us; the token itself stays in the SDK client. */
export interface IssuedToken {
  /** How long the new token is valid, from the moment the login answered. */
  readonly expiresInMs: number;
}

export type LoginFn = () => Promise<IssuedToken>;

/**
 * One client-credentials token per transport, reused until shortly before it expires: Genesys
 * invalidates a client's oldest tokens when it creates too many (contract §1.3), and the SDK
 * never refreshes a client-credentials token by itself.
 *
 * At most one login runs at a time. Every caller that needs a token meanwhile (on expiry, or
 * after a 401) awaits the same promise, so a burst of rejected in-flight calls causes exactly
 * one login. Tokens are numbered (`generation`) so a 401 for a token that has already been
 * replaced does not log in again.
 */
export class TokenManager {
  private generation = 0;
  private refreshAtMs = Number.NEGATIVE_INFINITY;
  private pending: Promise<number> | undefined;
  private loginCount = 0;

  constructor(
    private readonly login: LoginFn,
    private readonly clock: Clock,
    private readonly refreshMarginMs: number,
    private readonly logger: Logger,
  ) {}

  /** The generation of the token the SDK client will send right now (0: none yet). */
  get currentGeneration(): number {
    return this.generation;
  }

  /** Logins attempted so far, failed ones included. */
  get logins(): number {
    return this.loginCount;
  }

  /** Resolves once the client holds a token that is not about to expire. */
  fresh(): Promise<number> {
    if (this.pending !== undefined) return this.pending;
    if (this.generation > 0 && this.clock.now() < this.refreshAtMs)
      return Promise.resolve(this.generation);
    return this.renew('expired');
  }

  /** After Genesys answered 401 to a call made with `staleGeneration`. */
  renewAfterRejection(staleGeneration: number): Promise<number> {
    if (this.pending !== undefined) return this.pending;
    if (this.generation !== staleGeneration) return Promise.resolve(this.generation);
    return this.renew('rejected');
  }

  private renew(reason: 'expired' | 'rejected'): Promise<number> {
    const pending = this.loginOnce(reason).finally(() => {
      if (this.pending === pending) this.pending = undefined;
    });
    this.pending = pending;
    return pending;
  }

  private async loginOnce(reason: 'expired' | 'rejected'): Promise<number> {
    this.loginCount += 1;
    const startedAt = this.clock.now();
    const issued = await this.login();
    this.generation += 1;
    this.refreshAtMs = refreshDeadline(startedAt, issued.expiresInMs, this.refreshMarginMs);
    this.logger.info('obtained a Genesys access token', {
      generation: this.generation,
      reason: this.generation === 1 ? 'first' : reason,
      expiresInMs: Number.isFinite(issued.expiresInMs) ? issued.expiresInMs : null,
    });
    return this.generation;
  }
}

/**
 * When to log in again. The margin is capped at half the lifetime: with a short-lived token
 * (a sandbox with 2 s tokens, a gateway that shortens them) a fixed 60 s margin would call every
 * token stale at once and log in before every request. Counting from the login's start keeps the
 * deadline on the safe side of the server's clock. An unknown lifetime leaves renewal to the 401.
 */
export function refreshDeadline(
  startedAtMs: number,
  expiresInMs: number,
  marginMs: number,
): number {
  if (!Number.isFinite(expiresInMs)) return Number.POSITIVE_INFINITY;
  const lifetime = Math.max(0, expiresInMs);
  return startedAtMs + lifetime - Math.min(marginMs, lifetime / 2);
}
