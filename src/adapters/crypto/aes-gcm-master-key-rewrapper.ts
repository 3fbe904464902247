import type { WrappedGuestKey } from '../../application/ports/guest-key-store.port.js';
import type { MasterKeyRewrapper } from '../../application/ports/master-key-rewrapper.port.js';
import { MasterKeyInvalidError } from '../../application/privacy/privacy-errors.js';
import {
  formatWraps,
  hasWrapBy,
  parseWraps,
  unwrapDataKey,
  wrapDataKey,
} from './guest-key-wrapping.js';
import type { MasterKey } from './master-key.js';

/** Re-wraps guest keys from the master key in use to a new one (AES-256-GCM, tagged wraps). */
export class AesGcmMasterKeyRewrapper implements MasterKeyRewrapper {
  constructor(
    private readonly oldKey: MasterKey,
    private readonly newKey: MasterKey,
  ) {
    if (oldKey.fingerprint() === newKey.fingerprint()) {
      throw new MasterKeyInvalidError(
        '--new-key-file',
        'is the master key in use already: a rotation needs a new one (32 random bytes in base64, e.g. openssl rand -base64 32)',
      );
    }
  }

  addNewWrap(key: WrappedGuestKey): string | null {
    if (hasWrapBy(this.newKey, key)) return null;
    const wraps = parseWraps(key.wrapped);
    return formatWraps([...wraps, wrapDataKey(this.newKey, key, unwrapDataKey(this.oldKey, key))]);
  }

  dropOldWraps(key: WrappedGuestKey): string | null {
    const wraps = parseWraps(key.wrapped);
    const fingerprint = this.newKey.fingerprint();
    if (wraps.length === 1 && wraps[0]?.fingerprint === fingerprint) return null;
    const kept = wraps.filter((wrap) => wrap.fingerprint === fingerprint);
    // A key made by a worker still on the old master key since the first step: wrap it now.
    const next =
      kept.length > 0
        ? formatWraps(kept.slice(0, 1))
        : formatWraps([wrapDataKey(this.newKey, key, unwrapDataKey(this.oldKey, key))]);
    // The old wraps go only once the new one is known to open the key.
    unwrapDataKey(this.newKey, { ...key, wrapped: next }).fill(0);
    return next;
  }
}
