/**
 * GTX_MEDIA_POLICY=from-integration: the integration's Supported Content profile as the media
 * policy, read before the transmitter starts (a failure stops the start, MEDIA_POLICY_UNAVAILABLE)
 * and again every GTX_MEDIA_POLICY_REFRESH_MS.
 */
import { SystemClock } from '../adapters/clock/system-clock.js';
import type { EnvironmentSettings } from '../adapters/config/environment-settings.js';
import type { OpenMessagingOptions } from '../adapters/genesys/open-messaging/open-messaging-options.js';
import { WinstonLogger } from '../adapters/logging/winston-logger.js';
import { SdkIntegrationDirectory } from '../adapters/genesys/open-messaging/sdk-integration-directory.js';
import type { Clock, Logger } from '../application/ports/index.js';
import {
  IntegrationMediaTypes,
  type MediaTypesObserver,
} from '../application/policy/integration-media-types.js';
import type { RunningSandbox } from '../sandbox/index.js';
import { genesysOptions } from './transport-options.js';

const DEFAULT_REFRESH_MS = 300_000;

export interface OpenedMediaPolicy {
  readonly mediaTypes: IntegrationMediaTypes;
  close(): Promise<void>;
}

/** The profile, loaded and refreshing; null when the policy's own media types apply. */
export function openMediaPolicy(
  settings: EnvironmentSettings,
  sandbox: RunningSandbox | null,
  clock: Clock,
  logger: Logger,
  observer: MediaTypesObserver = {},
): Promise<OpenedMediaPolicy | null> {
  if (settings.GTX_MEDIA_POLICY !== 'from-integration') return Promise.resolve(null);
  return openIntegrationMediaTypes(genesysOptions(settings, sandbox), {
    refreshEveryMs: settings.GTX_MEDIA_POLICY_REFRESH_MS,
    clock,
    logger,
    observer,
  });
}

export interface IntegrationMediaTypesSettings {
  /** How often the profile is read again; default 300000 (5 minutes). */
  readonly refreshEveryMs?: number;
  readonly clock?: Clock;
  /** Default: JSON lines on standard error at `warn`. */
  readonly logger?: Logger;
  readonly observer?: MediaTypesObserver;
}

/**
 * For the library (`createTransmitter({ mediaTypes })`): the integration's inbound media types,
 * read now (MediaPolicyUnavailableError when they cannot be) and refreshed until `close()`.
 */
export async function openIntegrationMediaTypes(
  options: OpenMessagingOptions,
  settings: IntegrationMediaTypesSettings = {},
): Promise<OpenedMediaPolicy> {
  const clock = settings.clock ?? new SystemClock();
  const logger = settings.logger ?? WinstonLogger.create({ level: 'warn' });
  const directory = new SdkIntegrationDirectory(options, clock, logger);
  const mediaTypes = new IntegrationMediaTypes(
    directory,
    clock,
    logger.child({ component: 'media-policy' }),
    {
      integrationId: options.integrationId,
      refreshEveryMs: settings.refreshEveryMs ?? DEFAULT_REFRESH_MS,
    },
    settings.observer ?? {},
  );
  try {
    await mediaTypes.load();
  } catch (error) {
    await directory.close();
    throw error;
  }
  mediaTypes.start();
  return {
    mediaTypes,
    close: async () => {
      mediaTypes.stop();
      await directory.close();
    },
  };
}
