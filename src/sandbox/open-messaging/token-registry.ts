import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SandboxClient } from './types.js';

export type TokenCheck = 'valid' | 'unknown' | 'expired' | 'revoked';

interface TokenRecord {
  readonly expiresAt: number;
  revoked: boolean;
}

export interface IssuedToken {
  readonly accessToken: string;
  /** Whole seconds, rounded up, as OAuth answers them. */
  readonly expiresInSeconds: number;
}

/** Hashing first gives equal-length inputs, so the comparison time does not leak the secret. */
function secretsMatch(expected: string, given: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * Client-credentials clients and the bearer tokens issued to them. Revoked tokens are kept
 * (marked) rather than forgotten, so `issuedTokens()` can hand every one to log scanners.
 */
export class TokenRegistry {
  private readonly secretsByClient: ReadonlyMap<string, string>;
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly issueOrder: string[] = [];

  constructor(
    clients: readonly SandboxClient[],
    private readonly lifetimeSeconds: number,
  ) {
    this.secretsByClient = new Map(clients.map((client) => [client.clientId, client.clientSecret]));
  }

  authenticateClient(clientId: string, clientSecret: string): boolean {
    const expected = this.secretsByClient.get(clientId);
    return expected !== undefined && secretsMatch(expected, clientSecret);
  }

  issue(now: number): IssuedToken {
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, { expiresAt: now + this.lifetimeSeconds * 1000, revoked: false });
    this.issueOrder.push(accessToken);
    return { accessToken, expiresInSeconds: Math.ceil(this.lifetimeSeconds) };
  }

  check(accessToken: string, now: number): TokenCheck {
    const record = this.tokens.get(accessToken);
    if (record === undefined) return 'unknown';
    if (record.revoked) return 'revoked';
    return now >= record.expiresAt ? 'expired' : 'valid';
  }

  revoke(accessToken: string): void {
    const record = this.tokens.get(accessToken);
    if (record !== undefined) record.revoked = true;
  }

  revokeAll(): void {
    for (const record of this.tokens.values()) record.revoked = true;
  }

  issued(): readonly string[] {
    return [...this.issueOrder];
  }
}
