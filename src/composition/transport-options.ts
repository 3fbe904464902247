/**
 * Settings -> the transport's options: Open Messaging (the SDK) or the Web Messaging guest API,
 * aimed at Genesys Cloud or at an in-process sandbox.
 */
import {
  ConfigurationError,
  type EnvironmentSettings,
  type SettingProblem,
} from '../adapters/config/environment-settings.js';
import {
  SANDBOX_CLIENT,
  SANDBOX_DEPLOYMENT_ID,
  SANDBOX_INTEGRATION_ID,
} from '../adapters/cli/cli-runtime.js';
import type { OpenMessagingOptions } from '../adapters/genesys/open-messaging/open-messaging-options.js';
import type { RunningSandbox } from '../sandbox/index.js';
import type { WebMessagingOptions } from '../adapters/genesys/web-messaging/web-messaging-options.js';

const CLOUD_HINT = 'is required to reach Genesys Cloud (or pass --sandbox)';
const DEPLOYMENT_HINT = 'is required for GTX_TRANSPORT=web-messaging (or pass --sandbox)';

/**
 * What reaching the real Genesys Cloud needs, checked with every other setting so one run names
 * all that is missing: the client and integration for Open Messaging, the deployment for Web
 * Messaging. A sandbox needs none of them.
 */
export function missingTransportSettings(
  settings: Readonly<EnvironmentSettings>,
  options: { readonly sandbox: boolean; readonly transport?: EnvironmentSettings['GTX_TRANSPORT'] },
): SettingProblem[] {
  if (options.sandbox) return [];
  if ((options.transport ?? settings.GTX_TRANSPORT) === 'web-messaging') {
    const deployment: SettingProblem[] =
      settings.GENESYS_DEPLOYMENT_ID === undefined
        ? [{ setting: 'GENESYS_DEPLOYMENT_ID', reason: DEPLOYMENT_HINT }]
        : [];
    // The profile is read through the Open Messaging API, whatever sends the messages.
    return settings.GTX_MEDIA_POLICY === 'from-integration'
      ? [...deployment, ...missingIntegrationSettings(settings, MEDIA_POLICY_HINT)]
      : deployment;
  }
  return missingIntegrationSettings(settings, CLOUD_HINT);
}

const MEDIA_POLICY_HINT = 'is required for GTX_MEDIA_POLICY=from-integration (or pass --sandbox)';

/** The OAuth client and the integration: what the Open Messaging API needs. */
export function missingIntegrationSettings(
  settings: Readonly<EnvironmentSettings>,
  reason: string = CLOUD_HINT,
): SettingProblem[] {
  const required = [
    'GENESYS_CLIENT_ID',
    'GENESYS_CLIENT_SECRET',
    'GENESYS_INTEGRATION_ID',
  ] as const;
  return required
    .filter((setting) => settings[setting] === undefined)
    .map((setting) => ({ setting, reason }));
}

export function genesysOptions(
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
  if (clientId === undefined || clientSecret === undefined || integrationId === undefined) {
    const [first, ...more] = missingTransportSettings(settings, { sandbox: false });
    throw new ConfigurationError(first?.setting ?? 'GENESYS_CLIENT_ID', CLOUD_HINT, more);
  }
  return {
    environment: settings.GENESYS_ENVIRONMENT,
    ...(settings.GENESYS_API_URL === undefined ? {} : { apiUrl: settings.GENESYS_API_URL }),
    clientId,
    clientSecret,
    integrationId,
    ...timeout,
  };
}

export function webMessagingOptions(
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
    throw new ConfigurationError('GENESYS_DEPLOYMENT_ID', DEPLOYMENT_HINT);
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
