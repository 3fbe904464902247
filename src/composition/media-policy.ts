/**
 * GTX_MEDIA_POLICY=from-integration: the integration's Supported Content profile as the media
 * policy, read before the transmitter starts (a failure stops the start, MEDIA_POLICY_UNAVAILABLE)
 * and again every GTX_MEDIA_POLICY_REFRESH_MS.
 */
import type { EnvironmentSettings } from '../adapters/config/environment-settings.js';
import { SdkIntegrationDirectory } from '../adapters/genesys/open-messaging/sdk-integration-directory.js';
import type { Clock, Logger } from '../application/ports/index.js';
import {
  IntegrationMediaTypes,
  type MediaTypesObserver,
} from '../application/policy/integration-media-types.js';
import type { RunningSandbox } from '../sandbox/index.js';
import { genesysOptions } from './transport-options.js';

export interface OpenedMediaPolicy {
  readonly mediaTypes: IntegrationMediaTypes;
  close(): Promise<void>;
}

/** The profile, loaded and refreshing; null when the policy's own media types apply. */
export async function openMediaPolicy(
  settings: EnvironmentSettings,
  sandbox: RunningSandbox | null,
  clock: Clock,
  logger: Logger,
  observer: MediaTypesObserver = {},
): Promise<OpenedMediaPolicy | null> {
  if (settings.GTX_MEDIA_POLICY !== 'from-integration') return null;
  const options = genesysOptions(settings, sandbox);
  const directory = new SdkIntegrationDirectory(options, clock, logger);
  const mediaTypes = new IntegrationMediaTypes(
    directory,
    clock,
    logger.child({ component: 'media-policy' }),
    { integrationId: options.integrationId, refreshEveryMs: settings.GTX_MEDIA_POLICY_REFRESH_MS },
    observer,
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
