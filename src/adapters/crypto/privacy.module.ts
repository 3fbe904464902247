import { ContainerModule } from 'inversify';
import { LOGGER, type Logger } from '../../application/ports/logger.port.js';
import { GUEST_KEY_STORE } from '../../application/ports/guest-key-store.port.js';
import { PERSONAL_DATA_VAULT } from '../../application/ports/personal-data-vault.port.js';
import { InMemoryGuestKeyStore } from '../memory/in-memory-guest-key-store.js';
import { SqliteGuestKeyStore } from '../sqlite/sqlite-guest-key-store.js';
import type { SqliteLedgerSettings } from '../sqlite/sqlite-ledger-options.js';
import { AesGcmPersonalDataVault } from './aes-gcm-personal-data-vault.js';
import { MASTER_KEY, resolveMasterKey, type MasterKeySource } from './master-key.js';

export interface PrivacyOptions extends MasterKeySource {
  /** Told once, when a new master key file was created next to the ledger (default: a log warning). */
  readonly onKeyGenerated?: (path: string) => void;
}

export interface PrivacyModuleSettings extends PrivacyOptions {
  /** The ledger file that also holds the guest keys, or null to keep them in memory. */
  readonly keyStore: SqliteLedgerSettings | null;
}

/**
 * Binds the AES-GCM vault, its master key and its guest key store. Everything is resolved
 * lazily: a container whose vault is replaced never reads or creates a key file.
 */
export function privacyModule(settings: PrivacyModuleSettings): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const { keyStore } = settings;
    if (keyStore === null) {
      bind(GUEST_KEY_STORE).to(InMemoryGuestKeyStore).inSingletonScope();
    } else {
      bind(GUEST_KEY_STORE)
        .toResolvedValue(() => SqliteGuestKeyStore.open(keyStore))
        .inSingletonScope();
    }
    bind(MASTER_KEY)
      .toResolvedValue(
        (logger: Logger) =>
          resolveMasterKey({
            ...(settings.masterKey === undefined ? {} : { masterKey: settings.masterKey }),
            ...(settings.masterKeyFile === undefined
              ? {}
              : { masterKeyFile: settings.masterKeyFile }),
            ledgerPath: keyStore?.path ?? ':memory:',
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
