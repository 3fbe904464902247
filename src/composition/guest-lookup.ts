import type { CliIo } from '../adapters/cli/cli-io.js';
import type { OpenedGuestLookup } from '../adapters/cli/cli-services.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import type { MasterKey } from '../adapters/crypto/master-key.js';
import { WrappedPseudonymisationKeyring } from '../adapters/crypto/wrapped-pseudonymisation-keyring.js';
import type { GuestKeyStore } from '../application/ports/guest-key-store.port.js';
import { LedgerGuestPseudonymiser } from '../application/privacy/ledger-pseudonymiser.js';
import { existingMasterKey } from './existing-master-key.js';
import { openGuestKeyStore } from './ledger-files.js';

/**
 * How a ledger names guests and conversations, for commands that look them up by the value the
 * user typed: whatever the ledger is, whatever GTX_PSEUDONYMISE says. The guest key store is
 * opened at the first lookup, and the master key (GTX_MASTER_KEY, GTX_MASTER_KEY_FILE or
 * `<ledger>.key`, never created here) read only when the ledger pseudonymises.
 */
export function openGuestLookup(io: CliIo, ledgerTarget: string): OpenedGuestLookup {
  const masterKey = (): MasterKey => existingMasterKey(io, ledgerTarget);
  let keys: GuestKeyStore | null = null;
  const keyring = new WrappedPseudonymisationKeyring(
    () => (keys ??= openGuestKeyStore(ledgerTarget)),
    masterKey,
    new SystemClock(),
  );
  return {
    pseudonymiser: new LedgerGuestPseudonymiser({ keyring, use: 'lookup' }),
    close: () => keys?.close() ?? Promise.resolve(),
  };
}
