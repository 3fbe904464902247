import type { ServiceIdentifier } from 'inversify';
import type { WrappedGuestKey } from './guest-key-store.port.js';

/**
 * The two steps of moving a guest key from the old master key to a new one. Each returns the
 * key's next wrapped form, or null when the key is at that step already, so a rotation that
 * stopped is finished by running it again.
 */
export interface MasterKeyRewrapper {
  /** The wraps with one by the new master key added (the old one still opens the key). */
  addNewWrap(key: WrappedGuestKey): string | null;
  /** Only the new master key's wrap, after checking that it opens the key. */
  dropOldWraps(key: WrappedGuestKey): string | null;
}

export const MASTER_KEY_REWRAPPER: ServiceIdentifier<MasterKeyRewrapper> =
  Symbol.for('gtx.MasterKeyRewrapper');
