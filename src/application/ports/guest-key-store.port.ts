import type { ServiceIdentifier } from 'inversify';

/**
 * A guest's data key, wrapped (AES-256-GCM) with the master key. The store never sees a key in
 * the clear, and knows guests only by a hash of their id.
 */
export interface WrappedGuestKey {
  readonly keyId: string;
  readonly guestIdHash: string;
  /**
   * The key wrapped by one or more master keys, each wrap tagged with the fingerprint of the
   * master key that made it (see the vault); opaque to the store.
   */
  readonly wrapped: string;
  readonly createdAt: string;
}

/**
 * Where per-guest data keys live. Not the ledger: deleting a key here is how personal content
 * is erased, while the ledger itself is never changed.
 */
export interface GuestKeyStore {
  /** The guest's current key, if it has one. */
  findByGuest(guestIdHash: string): Promise<WrappedGuestKey | null>;
  findById(keyId: string): Promise<WrappedGuestKey | null>;
  /** Stores the key unless the guest already has one; returns the guest's key either way. */
  createIfAbsent(key: WrappedGuestKey): Promise<WrappedGuestKey>;
  /**
   * Up to `limit` keys ordered by key id, after `afterKeyId` (null: from the first), still
   * wrapped: for copying a ledger and for checking the master key at start.
   */
  list(afterKeyId: string | null, limit: number): Promise<readonly WrappedGuestKey[]>;
  /**
   * Compare-and-set: replaces the wrapped form of `keyId` with `newWrapped` only while the row
   * still holds `expectedWrapped`; false when it does not (changed meanwhile, or forgotten).
   * Re-wrapping under a new master key this way never overwrites a concurrent change.
   */
  rewrap(keyId: string, expectedWrapped: string, newWrapped: string): Promise<boolean>;
  /** Destroys every key of the guest; returns the ids destroyed (none when already gone). */
  forget(guestIdHash: string): Promise<readonly string[]>;
  close(): Promise<void>;
}

export const GUEST_KEY_STORE: ServiceIdentifier<GuestKeyStore> = Symbol.for('gtx.GuestKeyStore');
