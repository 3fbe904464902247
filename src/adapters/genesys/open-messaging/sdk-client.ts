import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import https from 'node:https';
import { genesysSdk } from '../../config/genesys-sdk-module.js';
import type { ResolvedOpenMessagingOptions } from './open-messaging-options.js';
import type { ApiClient, ConversationsApi } from './sdk-models.js';

/**
 * One independent SDK client (never the module singleton `platformClient.ApiClient`, whose
 * token and settings every other user of the SDK in the process would share), configured in the
 * order contract §1.5 requires, plus the per-call plumbing the SDK has no API for: an
 * AbortSignal and sockets we can close.
 */
export interface SdkClient {
  readonly apiClient: ApiClient;
  readonly conversations: ConversationsApi;
  /** Runs `call` so that the HTTP request it starts is aborted by `signal`. */
  withSignal<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T>;
  /** Destroys the client's sockets; in-flight requests fail, idle ones close. */
  destroy(): void;
}

export function createSdkClient(options: ResolvedOpenMessagingOptions): SdkClient {
  const platformClient = genesysSdk();
  const apiClient = new platformClient.ApiClientClass();
  // First, before anything else: while live reload is on, a ~/.genesyscloudjavascript/config
  // file appearing or changing silently resets environment and gateway (contract §1.5).
  apiClient.config.live_reload_config = false;
  silenceSdkLogger(apiClient);
  apiClient.setEnvironment(options.environment);
  if (options.gateway === null) {
    // The constructor already read the host's config file; a [gateway] there must not win
    // over an explicit environment. getConfUrl ignores a missing gateway.
    delete apiClient.config.gateway;
  } else {
    apiClient.setGateway(options.gateway);
  }
  // Without extended responses a failed call rejects with the body only (or undefined), losing
  // the status and Retry-After (contract §2.1).
  apiClient.setReturnExtendedResponses(true);
  const httpClient = apiClient.getHttpClient();
  // The client copies its `timeout` into the HTTP client once, when that is first created, so
  // the HTTP client is the one place a timeout takes effect (contract §1.8).
  httpClient.setTimeout(options.requestTimeoutMs);

  const agents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };
  const signals = new AsyncLocalStorage<AbortSignal>();
  // HttpRequestOptions carries no signal, so the pre-hook (an axios request interceptor, run in
  // the async context of the call) picks it up from AsyncLocalStorage. The SDK requires the
  // hook to declare exactly one parameter.
  httpClient.setPreHook((config: Record<string, unknown>) => {
    const signal = signals.getStore();
    if (signal !== undefined) config['signal'] = signal;
    config['httpAgent'] = agents.http;
    config['httpsAgent'] = agents.https;
    return Promise.resolve(config);
  });

  return {
    apiClient,
    conversations: new platformClient.ConversationsApi(apiClient),
    withSignal: (signal, call) => signals.run(signal, call),
    destroy: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/**
 * The SDK logs through its own winston logger, configured from the host's config file, which can
 * ask for request bodies (the guest's text) on the console. This adapter logs through the Logger
 * port instead, so the SDK's logger gets no transport at all.
 */
function silenceSdkLogger(apiClient: ApiClient): void {
  const logger = apiClient.config.logger;
  logger.log_level = 'none';
  logger.log_to_console = false;
  logger.log_file_path = '';
  logger.log_request_body = false;
  logger.log_response_body = false;
  logger.setLogger();
  // Even with no transport the SDK formats two log entries per call (deep copies of headers
  // and body, a date string): about 7% of a call's CPU in `npm run bench`. Nothing reads them.
  Object.assign(logger, { log: () => undefined });
}
