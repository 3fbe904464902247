/**
 * Settings -> the transport's options: Open Messaging (the SDK) or the Web Messaging guest API,
 * aimed at Genesys Cloud or at an in-process sandbox.
 */
import type { EnvironmentSettings } from '../adapters/config/environment-settings.js';
import { ConfigurationError } from '../adapters/config/environment-settings.js';
import {
  SANDBOX_CLIENT,
  SANDBOX_DEPLOYMENT_ID,
  SANDBOX_INTEGRATION_ID,
} from '../adapters/cli/cli-runtime.js';
import type { OpenMessagingOptions } from '../adapters/genesys/open-messaging/open-messaging-options.js';
import type { RunningSandbox } from '../sandbox/index.js';
import type { WebMessagingOptions } from '../adapters/genesys/web-messaging/web-messaging-options.js';

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
