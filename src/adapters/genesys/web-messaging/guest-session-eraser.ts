import type { GuestSessionEraser } from '../../../application/ports/guest-session-eraser.port.js';
import { GtxError } from '../../../domain/index.js';
import { guestSessionKey, type GuestSessionStore } from './guest-session-store.js';

/**
 * Erases a guest's Web Messaging session token from the store beside the ledger. The store is
 * keyed by a hash of deployment and guest id, so the token is found through the configured
 * deployment (GENESYS_DEPLOYMENT_ID); without one, a store holding tokens cannot be searched and
 * the erasure stops before anything is changed.
 */
export class WebMessagingGuestSessionEraser implements GuestSessionEraser {
  constructor(
    private readonly store: GuestSessionStore,
    private readonly deploymentId: string | undefined,
  ) {}

  async eraseGuestSessions(guestId: string): Promise<number> {
    if (this.deploymentId === undefined) {
      const stored = await this.store.count();
      if (stored === 0) return 0;
      throw new GtxError(
        'DEPLOYMENT_ID_REQUIRED',
        `the ledger holds ${stored} Web Messaging session token(s), found by deployment and guest: set GENESYS_DEPLOYMENT_ID to the deployment they were opened for`,
        { details: { storedSessions: stored } },
      );
    }
    const key = guestSessionKey(this.deploymentId, guestId);
    if ((await this.store.find(key)) === null) return 0;
    await this.store.delete(key);
    return 1;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
