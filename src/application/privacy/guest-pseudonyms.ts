import { createHmac } from 'node:crypto';
import type { GuestPseudonymiser } from '../ports/guest-pseudonymiser.port.js';

/** What every keyed pseudonym starts with, so a reader tells it from a clear id at a glance. */
export const PSEUDONYM_PREFIX = 'hmac:';

/** Which field a pseudonym is for: a guest id and an equal conversation ref get different names. */
export type PseudonymisedField = 'guestId' | 'conversationRef';

/**
 * `hmac:` + base64url(HMAC-SHA-256(key, "gtx-<field>\0" + value)). Domain-separated per field,
 * so the pseudonym of a guest id does not reveal which conversation ref has the same value.
 */
export function keyedPseudonym(key: Buffer, field: PseudonymisedField, value: string): string {
  const mac = createHmac('sha256', key)
    .update(`gtx-${field}\u0000`, 'utf8')
    .update(value, 'utf8')
    .digest('base64url');
  return `${PSEUDONYM_PREFIX}${mac}`;
}

/** A ledger that stores guest ids and conversation refs as they are. */
export const clearGuestIds: GuestPseudonymiser = {
  guestId: (guestId) => Promise.resolve(guestId),
  conversationRef: (conversationRef) => Promise.resolve(conversationRef),
};

/** A ledger that stores keyed hashes under `key` (32 bytes). */
export function keyedGuestPseudonymiser(key: Buffer): GuestPseudonymiser {
  return {
    guestId: (guestId) => Promise.resolve(keyedPseudonym(key, 'guestId', guestId)),
    conversationRef: (conversationRef) =>
      Promise.resolve(keyedPseudonym(key, 'conversationRef', conversationRef)),
  };
}
