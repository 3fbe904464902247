import { ContainerModule } from 'inversify';
import { LOGGER, type Logger } from '../../application/ports/logger.port.js';
import {
  GUEST_KEY_STORE,
  type GuestKeyStore,
} from '../../application/ports/guest-key-store.port.js';
import { PERSONAL_DATA_VAULT } from '../../application/ports/personal-data-vault.port.js';
import { AesGcmPersonalDataVault } from './aes-gcm-personal-data-vault.js';
import { MASTER_KEY, resolveMasterKey, type MasterKeySource } from './master-key.js';

export interface PrivacyOptions extends MasterKeySource {
  /** Told once, when a new master key file was created next to the ledger (default: a log warning). */
  readonly onKeyGenerated?: (path: string) => void;
}

export interface PrivacyModuleSettings extends PrivacyOptions {
  /**
   * The ledger file the default master key file `<ledger>.key` sits beside (`:memory:`: a key
   * for this process only; null: a database, whose key must be given).
   */
  readonly ledgerPath: string | null;
  /** Opens the guest key store the composition root chose (the ledger file's, or in memory). */
  readonly openGuestKeys: () => GuestKeyStore;
  /** How many guest keys the ledger holds already: with any, a lost key file is not replaced. */
  readonly countGuestKeys?: () => number;
}

/**
 * Binds the AES-GCM vault, its master key and its guest key store. Everything is resolved
 * lazily: a container whose vault is replaced never reads or creates a key file, and opens no
 * guest key store.
 */
export function privacyModule(settings: PrivacyModuleSettings): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(GUEST_KEY_STORE)
      .toResolvedValue(() => settings.openGuestKeys())
      .inSingletonScope();
    bind(MASTER_KEY)
      .toResolvedValue(
        (logger: Logger) =>
          resolveMasterKey({
            ...(settings.masterKey === undefined ? {} : { masterKey: settings.masterKey }),
            ...(settings.masterKeyFile === undefined
              ? {}
              : { masterKeyFile: settings.masterKeyFile }),
            ledgerPath: settings.ledgerPath,
            ...(settings.countGuestKeys === undefined
              ? {}
              : { countGuestKeys: settings.countGuestKeys }),
            onGenerated:
              settings.onKeyGenerated ??
              ((path) => {
                logger.warn('created a master key file for personal data; back it up', { path });
              }),
          }),
        [LOGGER],
      )
      .inSingletonScope();
    bind(PERSONAL_DATA_VAULT).to(AesGcmPersonalDataVault).inSingletonScope();
  });
}
