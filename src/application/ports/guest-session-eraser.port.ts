import type { ServiceIdentifier } from 'inversify';

/**
 * Deletes the credentials a transport keeps for a guest outside the ledger (a Web Messaging
 * session token), so a forgotten guest leaves nothing that could write or read as them.
 */
export interface GuestSessionEraser {
  /** Deletes every stored session token of the guest; returns how many were deleted. */
  eraseGuestSessions(guestId: string): Promise<number>;
  close(): Promise<void>;
}

export const GUEST_SESSION_ERASER: ServiceIdentifier<GuestSessionEraser> =
  Symbol.for('gtx.GuestSessionEraser');
