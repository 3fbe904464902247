/**
 * The CLI's and the service's transmitter, built from settings: the transport options, an
 * optional in-process sandbox, the SQLite ledger (optionally decorated), the master key, and
 * a logger on the run's standard error. Built on the library's composition (src/main.ts).
 */
import type { CliIo } from '../adapters/cli/cli-io.js';
import {
  readSettings,
  type CliRuntime,
  type RuntimeOptions as CliRuntimeOptions,
} from '../adapters/cli/cli-runtime.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { startSandbox } from '../sandbox/index.js';
import { WinstonLogger } from '../adapters/logging/winston-logger.js';
import { openSqliteLedger } from '../adapters/sqlite/sqlite-ledger.js';
import type { Ledger } from '../application/ports/index.js';
import type { PipelineObserver } from '../application/transmission/delivery-pipeline.js';
import { buildTransmitter, type TransmitterOptions } from '../main.js';
import { cliPrivacyOptions } from './privacy-options.js';
import {
  genesysOptions,
  missingTransportSettings,
  webMessagingOptions,
} from './transport-options.js';

export interface RuntimeOptions extends CliRuntimeOptions {
  readonly pipeline?: TransmitterOptions['pipeline'];
  readonly rateLimitPerMinute?: number;
  /** Sees every transport answer (the service's metrics). */
  readonly observer?: PipelineObserver;
  /** Wraps the SQLite ledger, e.g. its event store in a timing decorator; the runtime closes it. */
  readonly decorateLedger?: (ledger: Ledger) => Ledger;
  /** How long closing lets in-flight attempts finish. */
  readonly closeTimeoutMs?: number;
}

/**
 * Everything a sending command needs: settings, optionally an in-process sandbox, and a started
 * transmitter whose credentials were checked (GENESYS_AUTH_FAILED otherwise, exit code 4).
 */
export async function openRuntime(io: CliIo, options: RuntimeOptions): Promise<CliRuntime> {
  const settings = readSettings(io, (values) =>
    missingTransportSettings(values, {
      sandbox: options.sandbox,
      ...(options.transport === undefined ? {} : { transport: options.transport }),
    }),
  );
  const ledgerPath = options.ledgerPath ?? settings.GTX_LEDGER;
  const sandbox = options.sandbox ? await startSandbox(options.sandboxOptions) : null;
  try {
    const decorated =
      options.decorateLedger === undefined
        ? undefined
        : options.decorateLedger(openSqliteLedger({ path: ledgerPath, clock: new SystemClock() }));
    const transmitter = buildTransmitter({
      ledger: { path: ledgerPath },
      ...(options.observer === undefined ? {} : { observer: options.observer }),
      ...(options.closeTimeoutMs === undefined ? {} : { closeTimeoutMs: options.closeTimeoutMs }),
      ...((options.transport ?? settings.GTX_TRANSPORT) === 'web-messaging'
        ? { webMessaging: webMessagingOptions(settings, sandbox) }
        : { genesys: genesysOptions(settings, sandbox) }),
      ...(options.policy === undefined ? {} : { policy: options.policy }),
      pipeline: { concurrency: settings.GTX_CONCURRENCY, ...options.pipeline },
      rateLimit: { perMinute: options.rateLimitPerMinute ?? settings.GTX_RATE_LIMIT_PER_MINUTE },
      privacy: cliPrivacyOptions(settings, io),
      adapters: {
        logger: WinstonLogger.create({ level: settings.GTX_LOG_LEVEL, stream: io.stderr }),
        ...(decorated === undefined ? {} : { ledger: decorated }),
      },
    });
    try {
      await transmitter.verifyTransport();
      transmitter.start();
    } catch (error) {
      await transmitter.close({ drain: false });
      throw error;
    }
    return {
      transmitter,
      settings,
      sandbox,
      ledgerPath,
      close: async () => {
        await transmitter.close();
        await sandbox?.close();
      },
    };
  } catch (error) {
    await sandbox?.close();
    throw error;
  }
}
