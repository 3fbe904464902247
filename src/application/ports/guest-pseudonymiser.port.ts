import type { ServiceIdentifier } from 'inversify';

/**
 * How the ledger names a guest and a conversation in its clear fields and indexes: the value
 * itself, or (with `GTX_PSEUDONYMISE=guest-ids`) its keyed hash, `hmac:<base64url>`. Every
 * writer stores, and every lookup searches for, what this returns for the value the user typed,
 * so "the same guest" and "the same conversation" mean the same thing whichever mode a ledger
 * is in. Deterministic per ledger: one ref gives one name, so per-conversation order holds.
 */
export interface GuestPseudonymiser {
  /** The guest id as the ledger stores it (`data.guestId`). */
  guestId(guestId: string): Promise<string>;
  /** The conversation ref as the ledger stores it (`data.conversationRef`, the work queue). */
  conversationRef(conversationRef: string): Promise<string>;
  /**
   * Settles how the ledger names them now, so a writer whose setting disagrees with its ledger
   * refuses to start (PSEUDONYMISATION_REQUIRED, PSEUDONYMISATION_LEDGER_NOT_EMPTY).
   */
  ready?(): Promise<void>;
}

export const GUEST_PSEUDONYMISER: ServiceIdentifier<GuestPseudonymiser> =
  Symbol.for('gtx.GuestPseudonymiser');
