import { writeLine, type CliIo } from '../adapters/cli/cli-io.js';
import type { EnvironmentSettings } from '../adapters/config/environment-settings.js';
import type { PrivacyOptions } from '../adapters/crypto/privacy.module.js';

/**
 * The master key a CLI transmitter uses: GTX_MASTER_KEY, else GTX_MASTER_KEY_FILE, else the key
 * file next to the ledger, created on first use with one line on stderr.
 */
export function cliPrivacyOptions(settings: EnvironmentSettings, io: CliIo): PrivacyOptions {
  return {
    ...(settings.GTX_MASTER_KEY === undefined ? {} : { masterKey: settings.GTX_MASTER_KEY }),
    ...(settings.GTX_MASTER_KEY_FILE === undefined
      ? {}
      : { masterKeyFile: settings.GTX_MASTER_KEY_FILE }),
    pseudonymiseGuestIds: settings.GTX_PSEUDONYMISE === 'guest-ids',
    onKeyGenerated: (path) => {
      writeLine(
        io.stderr,
        `gtx: created master key file ${path} (mode 0600): it unlocks the personal data in the ledger; back it up, or set GTX_MASTER_KEY / GTX_MASTER_KEY_FILE`,
      );
    },
  };
}
