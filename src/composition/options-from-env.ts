/**
 * `TransmitterOptions` from the environment variables the CLI reads (README, Configuration), so
 * an application can be pointed at Genesys Cloud, a gateway or `gtx sandbox` the same way as
 * `gtx` itself.
 */
import {
  loadEnvironmentSettings,
  type EnvironmentSettings,
} from '../adapters/config/environment-settings.js';
import type { TransmitterOptions } from '../main.js';
import {
  genesysOptions,
  missingTransportSettings,
  webMessagingOptions,
} from './transport-options.js';

export interface OptionsFromEnvSettings {
  /** A dotenv file that fills in what `env` does not set, as `./.env` does for the CLI; default none. */
  readonly dotenvPath?: string | null;
}

/** The options `settings` describe: transport, ledger, rate, concurrency, log level, master key. */
export function transmitterOptionsFromSettings(settings: EnvironmentSettings): TransmitterOptions {
  const transport =
    settings.GTX_TRANSPORT === 'web-messaging'
      ? { webMessaging: webMessagingOptions(settings, null) }
      : { genesys: genesysOptions(settings, null) };
  return {
    ledger: { path: settings.GTX_LEDGER },
    ...transport,
    pipeline: { concurrency: settings.GTX_CONCURRENCY },
    rateLimit: { perMinute: settings.GTX_RATE_LIMIT_PER_MINUTE },
    logLevel: settings.GTX_LOG_LEVEL,
    agentReceipts: settings.GTX_AGENT_RECEIPTS,
    privacy: {
      ...(settings.GTX_MASTER_KEY === undefined ? {} : { masterKey: settings.GTX_MASTER_KEY }),
      ...(settings.GTX_MASTER_KEY_FILE === undefined
        ? {}
        : { masterKeyFile: settings.GTX_MASTER_KEY_FILE }),
      pseudonymiseGuestIds: settings.GTX_PSEUDONYMISE === 'guest-ids',
    },
  };
}

/**
 * Reads GENESYS_* and GTX_* from `env` (default `process.env`) and checks them all at once: a
 * ConfigurationError (`CONFIG_INVALID`) names every value that is wrong or missing.
 */
export function transmitterOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  settings: OptionsFromEnvSettings = {},
): TransmitterOptions {
  const read = loadEnvironmentSettings(env, settings.dotenvPath ?? null, (values) =>
    missingTransportSettings(values, { sandbox: false }),
  );
  return transmitterOptionsFromSettings(read);
}
