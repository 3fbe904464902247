import type { CliIo } from '../adapters/cli/cli-io.js';
import { AesGcmMasterKeyRewrapper } from '../adapters/crypto/aes-gcm-master-key-rewrapper.js';
import { resolveMasterKey } from '../adapters/crypto/master-key.js';
import {
  MasterKeyRotation,
  type MasterKeyRotationReport,
} from '../application/privacy/master-key-rotation.js';
import { existingMasterKey } from './existing-master-key.js';
import { openGuestKeyStore } from './ledger-files.js';

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
  const oldKey = existingMasterKey(io, ledgerTarget);
  const newKey = resolveMasterKey({ masterKeyFile: newKeyFile, ledgerPath: null });
  const rewrapper = new AesGcmMasterKeyRewrapper(oldKey, newKey);
  const keys = openGuestKeyStore(ledgerTarget);
  try {
    return await new MasterKeyRotation({ keys, rewrapper }).run();
  } finally {
    await keys.close();
  }
}
