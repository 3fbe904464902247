import type { CliIo } from '../adapters/cli/cli-io.js';
import { readSettings } from '../adapters/cli/cli-runtime.js';
import type { OpenedGuestLookup } from '../adapters/cli/cli-services.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { resolveMasterKey, type MasterKey } from '../adapters/crypto/master-key.js';
import { WrappedPseudonymisationKeyring } from '../adapters/crypto/wrapped-pseudonymisation-keyring.js';
import { SqliteGuestKeyStore } from '../adapters/sqlite/sqlite-guest-key-store.js';
import type { GuestKeyStore } from '../application/ports/guest-key-store.port.js';
import { LedgerGuestPseudonymiser } from '../application/privacy/ledger-pseudonymiser.js';
import { ledgerLocationOf, openGuestKeyStore } from './ledger-files.js';

/**
 * How a ledger names guests and conversations, for commands that look them up by the value the
 * user typed: whatever the ledger is, whatever GTX_PSEUDONYMISE says. The guest key store is
 * opened at the first lookup, and the master key (GTX_MASTER_KEY, GTX_MASTER_KEY_FILE or
 * `<ledger>.key`, never created here) read only when the ledger pseudonymises.
 */
export function openGuestLookup(io: CliIo, ledgerTarget: string): OpenedGuestLookup {
  const settings = readSettings(io);
  const masterKey = (): MasterKey =>
    resolveMasterKey({
      ...(settings.GTX_MASTER_KEY === undefined ? {} : { masterKey: settings.GTX_MASTER_KEY }),
      ...(settings.GTX_MASTER_KEY_FILE === undefined
        ? {}
        : { masterKeyFile: settings.GTX_MASTER_KEY_FILE }),
      ...(ledgerLocationOf(ledgerTarget).kind === 'postgres'
        ? { ledgerPath: null }
        : {
            ledgerPath: ledgerTarget,
            countGuestKeys: () => SqliteGuestKeyStore.countKeys(ledgerTarget),
          }),
      readOnly: true,
    });
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
