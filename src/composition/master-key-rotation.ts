import type { CliIo } from '../adapters/cli/cli-io.js';
import { readSettings } from '../adapters/cli/cli-runtime.js';
import { AesGcmMasterKeyRewrapper } from '../adapters/crypto/aes-gcm-master-key-rewrapper.js';
import { resolveMasterKey } from '../adapters/crypto/master-key.js';
import { SqliteGuestKeyStore } from '../adapters/sqlite/sqlite-guest-key-store.js';
import {
  MasterKeyRotation,
  type MasterKeyRotationReport,
} from '../application/privacy/master-key-rotation.js';
import { ledgerLocationOf, openGuestKeyStore } from './ledger-files.js';

/**
 * `gtx privacy rotate-master-key`: the key in use from GTX_MASTER_KEY, GTX_MASTER_KEY_FILE or
 * `<ledger>.key` (never created here), the new one from `newKeyFile`, the guest keys of the
 * ledger.
 */
export async function rotateLedgerMasterKey(
  io: CliIo,
  ledgerTarget: string,
  newKeyFile: string,
): Promise<MasterKeyRotationReport> {
  const settings = readSettings(io);
  const oldKey = resolveMasterKey({
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
  const newKey = resolveMasterKey({ masterKeyFile: newKeyFile, ledgerPath: null });
  const rewrapper = new AesGcmMasterKeyRewrapper(oldKey, newKey);
  const keys = openGuestKeyStore(ledgerTarget);
  try {
    return await new MasterKeyRotation({ keys, rewrapper }).run();
  } finally {
    await keys.close();
  }
}
