import type { CliIo } from '../adapters/cli/cli-io.js';
import type { OpenedPersonalDataViewer } from '../adapters/cli/cli-services.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { AesGcmPersonalDataVault } from '../adapters/crypto/aes-gcm-personal-data-vault.js';
import { PersonalDataRowViewer } from '../application/privacy/personal-data-row-viewer.js';
import { existingMasterKey } from './existing-master-key.js';
import { openGuestKeyStore } from './ledger-files.js';

/**
 * The decrypting viewer of a ledger file for read-only commands: the master key from
 * GTX_MASTER_KEY, GTX_MASTER_KEY_FILE or `<ledger>.key` (never created here), the guest keys
 * from the ledger's own file.
 */
export function openPersonalDataViewer(io: CliIo, ledgerPath: string): OpenedPersonalDataViewer {
  const masterKey = existingMasterKey(io, ledgerPath);
  const vault = new AesGcmPersonalDataVault(
    openGuestKeyStore(ledgerPath),
    masterKey,
    new SystemClock(),
  );
  return { viewer: new PersonalDataRowViewer(vault), vault, close: () => vault.close() };
}
