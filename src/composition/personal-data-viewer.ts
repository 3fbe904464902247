import type { CliIo } from '../adapters/cli/cli-io.js';
import { readSettings } from '../adapters/cli/cli-runtime.js';
import type { OpenedPersonalDataViewer } from '../adapters/cli/cli-services.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { AesGcmPersonalDataVault } from '../adapters/crypto/aes-gcm-personal-data-vault.js';
import { resolveMasterKey } from '../adapters/crypto/master-key.js';
import { SqliteGuestKeyStore } from '../adapters/sqlite/sqlite-guest-key-store.js';
import { PersonalDataRowViewer } from '../application/privacy/personal-data-row-viewer.js';
import { ledgerLocationOf, openGuestKeyStore } from './ledger-files.js';

/**
 * The decrypting viewer of a ledger file for read-only commands: the master key from
 * GTX_MASTER_KEY, GTX_MASTER_KEY_FILE or `<ledger>.key` (never created here), the guest keys
 * from the ledger's own file.
 */
export function openPersonalDataViewer(io: CliIo, ledgerPath: string): OpenedPersonalDataViewer {
  const settings = readSettings(io);
  const masterKey = resolveMasterKey({
    ...(settings.GTX_MASTER_KEY === undefined ? {} : { masterKey: settings.GTX_MASTER_KEY }),
    ...(settings.GTX_MASTER_KEY_FILE === undefined
      ? {}
      : { masterKeyFile: settings.GTX_MASTER_KEY_FILE }),
    ...(ledgerLocationOf(ledgerPath).kind === 'postgres'
      ? { ledgerPath: null }
      : { ledgerPath, countGuestKeys: () => SqliteGuestKeyStore.countKeys(ledgerPath) }),
    readOnly: true,
  });
  const vault = new AesGcmPersonalDataVault(
    openGuestKeyStore(ledgerPath),
    masterKey,
    new SystemClock(),
  );
  return { viewer: new PersonalDataRowViewer(vault), vault, close: () => vault.close() };
}
