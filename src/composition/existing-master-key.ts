import type { CliIo } from '../adapters/cli/cli-io.js';
import { readSettings } from '../adapters/cli/cli-runtime.js';
import { resolveMasterKey, type MasterKey } from '../adapters/crypto/master-key.js';
import { SqliteGuestKeyStore } from '../adapters/sqlite/sqlite-guest-key-store.js';
import { ledgerLocationOf } from './ledger-files.js';

/**
 * The master key of an existing ledger for a reader (export --reveal, lookups on a
 * pseudonymised ledger, the old key of a rotation): GTX_MASTER_KEY, GTX_MASTER_KEY_FILE or, for
 * a SQLite file, `<ledger>.key`. Never created here: a reader that finds none is refused.
 */
export function existingMasterKey(io: CliIo, ledgerTarget: string): MasterKey {
  const settings = readSettings(io);
  return resolveMasterKey({
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
}
