import { createHash } from 'node:crypto';
import type { ServiceIdentifier } from 'inversify';

/**
 * Where each guest's session token is kept, so a restart resumes the same Web Messaging
 * session. The token is a credential (whoever holds it can write as the guest), so it is not
 * put in the ledger: ledger rows are exported, fed to analytics and can never be deleted.
 */
export interface StoredGuestSession {
  /** `guestSessionKey(deploymentId, guestId)`: no guest id in clear. */
  readonly key: string;
  readonly token: string;
  /** ISO-8601. */
  readonly updatedAt: string;
}

export interface GuestSessionStore {
  find(key: string): Promise<StoredGuestSession | null>;
  /** Inserts or replaces the guest's token. */
  save(session: StoredGuestSession): Promise<void>;
  delete(key: string): Promise<void>;
  /** How many tokens are stored, of every guest and deployment. */
  count(): Promise<number>;
  close(): Promise<void>;
}

export const GUEST_SESSION_STORE: ServiceIdentifier<GuestSessionStore> = Symbol.for(
  'gtx.WebMessagingGuestSessionStore',
);

/** SHA-256 of the deployment and guest id: the store's key. */
export function guestSessionKey(deploymentId: string, guestId: string): string {
  return createHash('sha256')
    .update('gtx-webmessaging-session\u0000', 'utf8')
    .update(deploymentId, 'utf8')
    .update('\u0000', 'utf8')
    .update(guestId, 'utf8')
    .digest('hex');
}

/** Tokens for one process only: every restart starts new sessions. */
export class InMemoryGuestSessionStore implements GuestSessionStore {
  private readonly sessions = new Map<string, StoredGuestSession>();

  find(key: string): Promise<StoredGuestSession | null> {
    return Promise.resolve(this.sessions.get(key) ?? null);
  }

  save(session: StoredGuestSession): Promise<void> {
    this.sessions.set(session.key, session);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.sessions.delete(key);
    return Promise.resolve();
  }

  count(): Promise<number> {
    return Promise.resolve(this.sessions.size);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
