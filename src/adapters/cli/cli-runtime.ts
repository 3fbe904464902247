import { join } from 'node:path';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox/index.js';
import type { OpenMessagingOptions } from '../genesys/open-messaging/open-messaging-options.js';
import type { WebMessagingOptions } from '../genesys/web-messaging/web-messaging-options.js';
import { WinstonLogger } from '../logging/winston-logger.js';
import {
  ConfigurationError,
  loadEnvironmentSettings,
  type EnvironmentSettings,
} from '../config/environment-settings.js';
import type { Transmitter } from '../../application/transmitter.js';
import type { Ledger } from '../../application/ports/index.js';
import type { PipelineObserver } from '../../application/transmission/delivery-pipeline.js';
import { SystemClock } from '../clock/system-clock.js';
import { openSqliteLedger } from '../sqlite/sqlite-ledger.js';
import type { PolicySettings } from '../../domain/policies/index.js';
import { buildTransmitter, type TransmitterOptions } from '../../main.js';
import type { CliIo } from './cli-io.js';
import { cliPrivacyOptions } from './cli-privacy.js';

export const SANDBOX_CLIENT = {
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-secret',
} as const;
export const SANDBOX_INTEGRATION_ID = 'sandbox-integration';
export const SANDBOX_DEPLOYMENT_ID = 'sandbox-deployment';

export type TransportChoice = EnvironmentSettings['GTX_TRANSPORT'];

export interface RuntimeOptions {
  readonly sandbox: boolean;
  /** Overrides GTX_TRANSPORT (e.g. `gtx demo --transport web-messaging`). */
  readonly transport?: TransportChoice;
  readonly ledgerPath?: string;
  readonly sandboxOptions?: SandboxOptions;
  readonly policy?: PolicySettings;
  readonly pipeline?: TransmitterOptions['pipeline'];
  readonly rateLimitPerMinute?: number;
  /** Sees every transport answer (the service's metrics). */
  readonly observer?: PipelineObserver;
  /** Wraps the SQLite ledger, e.g. its event store in a timing decorator; the runtime closes it. */
  readonly decorateLedger?: (ledger: Ledger) => Ledger;
  /** How long closing lets in-flight attempts finish. */
  readonly closeTimeoutMs?: number;
}

export interface CliRuntime {
  readonly transmitter: Transmitter;
  readonly settings: EnvironmentSettings;
  readonly sandbox: RunningSandbox | null;
  readonly ledgerPath: string;
  close(): Promise<void>;
}

export function readSettings(io: CliIo): EnvironmentSettings {
  return loadEnvironmentSettings(io.env, join(io.cwd, '.env'));
}

function genesysOptions(
  settings: EnvironmentSettings,
  sandbox: RunningSandbox | null,
): OpenMessagingOptions {
  const timeout = { requestTimeoutMs: settings.GTX_REQUEST_TIMEOUT_MS };
  if (sandbox !== null) {
    return {
      environment: settings.GENESYS_ENVIRONMENT,
      apiUrl: sandbox.url,
      ...SANDBOX_CLIENT,
      integrationId: SANDBOX_INTEGRATION_ID,
      ...timeout,
    };
  }
  const clientId = settings.GENESYS_CLIENT_ID;
  const clientSecret = settings.GENESYS_CLIENT_SECRET;
  const integrationId = settings.GENESYS_INTEGRATION_ID;
  const hint = 'is required to reach Genesys Cloud (or pass --sandbox)';
  if (clientId === undefined) throw new ConfigurationError('GENESYS_CLIENT_ID', hint);
  if (clientSecret === undefined) throw new ConfigurationError('GENESYS_CLIENT_SECRET', hint);
  if (integrationId === undefined) throw new ConfigurationError('GENESYS_INTEGRATION_ID', hint);
  return {
    environment: settings.GENESYS_ENVIRONMENT,
    ...(settings.GENESYS_API_URL === undefined ? {} : { apiUrl: settings.GENESYS_API_URL }),
    clientId,
    clientSecret,
    integrationId,
    ...timeout,
  };
}

function webMessagingOptions(
  settings: EnvironmentSettings,
  sandbox: RunningSandbox | null,
): WebMessagingOptions {
  const timeout = { answerTimeoutMs: settings.GTX_REQUEST_TIMEOUT_MS };
  if (sandbox !== null) {
    return {
      environment: settings.GENESYS_ENVIRONMENT,
      url: sandbox.webMessaging.url,
      deploymentId: SANDBOX_DEPLOYMENT_ID,
      // The sandbox serves uploads (and the demo its attachments) on loopback.
      allowLoopbackAttachments: true,
      ...timeout,
    };
  }
  const deploymentId = settings.GENESYS_DEPLOYMENT_ID;
  if (deploymentId === undefined) {
    throw new ConfigurationError(
      'GENESYS_DEPLOYMENT_ID',
      'is required for GTX_TRANSPORT=web-messaging (or pass --sandbox)',
    );
  }
  return {
    environment: settings.GENESYS_ENVIRONMENT,
    ...(settings.GENESYS_WEBMESSAGING_URL === undefined
      ? {}
      : { url: settings.GENESYS_WEBMESSAGING_URL }),
    deploymentId,
    ...timeout,
  };
}

/**
 * Everything a sending command needs: settings, optionally an in-process sandbox, and a started
 * transmitter whose credentials were checked (GENESYS_AUTH_FAILED otherwise, exit code 4).
 */
export async function openRuntime(io: CliIo, options: RuntimeOptions): Promise<CliRuntime> {
  const settings = readSettings(io);
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
