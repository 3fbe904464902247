/**
 * The CLI's and the service's transmitter, built from settings: the content policy
 * (GTX_POLICY_FILE), the transport options, an optional in-process sandbox, the ledger
 * (a SQLite file or PostgreSQL, optionally decorated), the master key, and a logger on the run's
 * standard error. Built on the library's composition (src/main.ts).
 */
import { resolve } from 'node:path';
import type { CliIo } from '../adapters/cli/cli-io.js';
import {
  readSettings,
  SANDBOX_INTEGRATION_ID,
  type CliRuntime,
  type RuntimeOptions as CliRuntimeOptions,
} from '../adapters/cli/cli-runtime.js';
import {
  describeLedgerLocation,
  parseLedgerLocation,
  type LedgerLocation,
} from '../adapters/config/ledger-location.js';
import { loadPolicyFile } from '../adapters/config/policy-file.js';
import { startSandbox } from '../sandbox/index.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { WinstonLogger } from '../adapters/logging/winston-logger.js';
import type { MediaTypesObserver } from '../application/policy/integration-media-types.js';
import { holdTracing } from '../adapters/telemetry/otel-sdk.js';
import type { Ledger } from '../application/ports/index.js';
import type { PipelineObserver } from '../application/transmission/delivery-pipeline.js';
import { buildTransmitter, type TransmitterOptions } from '../main.js';
import { openMediaPolicy, type OpenedMediaPolicy } from './media-policy.js';
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
  /** Wraps the ledger, e.g. its event store in a timing decorator; the runtime closes it. */
  readonly decorateLedger?: (ledger: Ledger) => Ledger;
  /** How long closing lets in-flight attempts finish. */
  readonly closeTimeoutMs?: number;
  /** Sees each refresh of a GTX_MEDIA_POLICY=from-integration profile (the service's metrics). */
  readonly mediaPolicyObserver?: MediaTypesObserver;
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
  // The file first; what the command itself sets (the demo's policy) goes on top.
  const policy = {
    ...(settings.GTX_POLICY_FILE === undefined
      ? {}
      : loadPolicyFile(resolve(io.cwd, settings.GTX_POLICY_FILE))),
    ...options.policy,
  };
  const location = parseLedgerLocation(options.ledgerPath ?? settings.GTX_LEDGER, io.cwd);
  const logger = WinstonLogger.create({ level: settings.GTX_LOG_LEVEL, stream: io.stderr });
  // Before the transmitter, so its first spans are exported; released after it closed.
  const tracing = holdTracing(io.env, logger);
  // The sandbox serves the integration the transport is pointed at (transport-options.ts).
  const sandbox = options.sandbox
    ? await startSandbox({ integrationIds: [SANDBOX_INTEGRATION_ID], ...options.sandboxOptions })
    : null;
  let mediaPolicy: OpenedMediaPolicy | null = null;
  try {
    mediaPolicy = await openMediaPolicy(
      settings,
      sandbox,
      new SystemClock(),
      logger,
      options.mediaPolicyObserver,
    );
    const transmitter = buildTransmitter({
      ledger: ledgerSettings(location),
      ...(options.observer === undefined ? {} : { observer: options.observer }),
      ...(options.closeTimeoutMs === undefined ? {} : { closeTimeoutMs: options.closeTimeoutMs }),
      ...((options.transport ?? settings.GTX_TRANSPORT) === 'web-messaging'
        ? { webMessaging: webMessagingOptions(settings, sandbox) }
        : { genesys: genesysOptions(settings, sandbox) }),
      policy,
      ...(mediaPolicy === null ? {} : { mediaTypes: mediaPolicy.mediaTypes }),
      pipeline: {
        concurrency: settings.GTX_CONCURRENCY,
        leaseMs: settings.GTX_LEASE_MS,
        ...options.pipeline,
      },
      rateLimit: { perMinute: options.rateLimitPerMinute ?? settings.GTX_RATE_LIMIT_PER_MINUTE },
      privacy: cliPrivacyOptions(settings, io),
      agentReceipts: settings.GTX_AGENT_RECEIPTS,
      adapters: {
        logger,
        ...(options.decorateLedger === undefined ? {} : { decorateLedger: options.decorateLedger }),
      },
    });
    try {
      await transmitter.ready();
      await transmitter.verifyTransport();
      if (options.startPipeline !== false) transmitter.start();
    } catch (error) {
      await transmitter.close({ drain: false });
      throw error;
    }
    return {
      transmitter,
      settings,
      sandbox,
      ledgerPath: describeLedgerLocation(location),
      ledgerLocation: location,
      close: async () => {
        try {
          await transmitter.close();
          await mediaPolicy?.close();
          await sandbox?.close();
        } finally {
          await tracing?.release();
        }
      },
    };
  } catch (error) {
    await mediaPolicy?.close();
    await sandbox?.close();
    await tracing?.release();
    throw error;
  }
}

function ledgerSettings(location: LedgerLocation): NonNullable<TransmitterOptions['ledger']> {
  return location.kind === 'sqlite'
    ? { path: location.path }
    : { url: location.url, schema: location.schema };
}
