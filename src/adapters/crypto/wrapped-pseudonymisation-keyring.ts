import { randomBytes } from 'node:crypto';
import { epochMsToIso } from '../../domain/index.js';
import type { Clock } from '../../application/ports/clock.port.js';
import type { GuestKeyStore } from '../../application/ports/guest-key-store.port.js';
import type { PseudonymisationKeyring } from '../../application/privacy/ledger-pseudonymiser.js';
import { formatWraps, unwrapDataKey, wrapDataKey } from './guest-key-wrapping.js';
import type { MasterKey } from './master-key.js';

/**
 * The owner under which the ledger's pseudonymisation key sits in the guest key store. Not a
 * SHA-256 hex, so no guest's hash (and no `gtx privacy forget`) can ever name it; kept there so
 * everything that handles wrapped keys (rotate-master-key, ledger copy, the master key check
 * at start) handles this one too.
 */
export const PSEUDONYMISATION_KEY_OWNER = 'ledger:pseudonymisation';

const KEY_BYTES = 32;

/** The pseudonymisation key wrapped by the master key, like a guest's data key. */
export class WrappedPseudonymisationKeyring implements PseudonymisationKeyring {
  /**
   * Both are called at the first use; `masterKey` only when a key is found or created, so a
   * clear ledger needs none.
   */
  constructor(
    private readonly keys: () => GuestKeyStore,
    private readonly masterKey: () => MasterKey,
    private readonly clock: Clock,
  ) {}

  async find(): Promise<Buffer | null> {
    const stored = await this.keys().findByGuest(PSEUDONYMISATION_KEY_OWNER);
    return stored === null ? null : unwrapDataKey(this.masterKey(), stored);
  }

  async create(): Promise<Buffer> {
    const master = this.masterKey();
    const keyId = randomBytes(16).toString('base64url');
    const owner = { keyId, guestIdHash: PSEUDONYMISATION_KEY_OWNER };
    const stored = await this.keys().createIfAbsent({
      ...owner,
      wrapped: formatWraps([wrapDataKey(master, owner, randomBytes(KEY_BYTES))]),
      createdAt: epochMsToIso(this.clock.now()),
    });
    return unwrapDataKey(master, stored);
  }
}
