import { ContainerModule } from 'inversify';
import { CLOCK } from '../../application/ports/clock.port.js';
import { LEDGER } from '../../application/ports/ledger.port.js';
import { GUEST_PSEUDONYMISER } from '../../application/ports/guest-pseudonymiser.port.js';
import { LOGGER, type Logger } from '../../application/ports/logger.port.js';
import { LedgerGuestPseudonymiser } from '../../application/privacy/ledger-pseudonymiser.js';
import {
  GUEST_KEY_STORE,
  type GuestKeyStore,
} from '../../application/ports/guest-key-store.port.js';
import { PERSONAL_DATA_VAULT } from '../../application/ports/personal-data-vault.port.js';
import { AesGcmPersonalDataVault } from './aes-gcm-personal-data-vault.js';
import { MASTER_KEY, resolveMasterKey, type MasterKeySource } from './master-key.js';
import { WrappedPseudonymisationKeyring } from './wrapped-pseudonymisation-keyring.js';

export interface PrivacyOptions extends MasterKeySource {
  /** Told once, when a new master key file was created next to the ledger (default: a log warning). */
  readonly onKeyGenerated?: (path: string) => void;
  /**
   * Store keyed hashes (HMAC-SHA-256 under a key of the ledger's own, wrapped by the master
   * key) of guest ids and conversation refs instead of the values (`GTX_PSEUDONYMISE=guest-ids`).
   * Only on a new ledger; a pseudonymised ledger then needs it on (docs/privacy.md).
   */
  readonly pseudonymiseGuestIds?: boolean;
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
 * Binds the AES-GCM vault, its master key, its guest key store and the ledger's pseudonymiser.
 * Everything is resolved lazily: a container whose vault is replaced never reads or creates a
 * key file, and opens no guest key store (unless pseudonymisation is on).
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
    bind(GUEST_PSEUDONYMISER)
      .toDynamicValue(
        (context) =>
          new LedgerGuestPseudonymiser({
            // The master key is read only once a pseudonymisation key is found or made.
            keyring: new WrappedPseudonymisationKeyring(
              () => context.get(GUEST_KEY_STORE),
              () => context.get(MASTER_KEY),
              context.get(CLOCK),
            ),
            events: context.get(LEDGER).events,
            enabled: settings.pseudonymiseGuestIds === true,
            use: 'write',
          }),
      )
      .inSingletonScope();
  });
}
