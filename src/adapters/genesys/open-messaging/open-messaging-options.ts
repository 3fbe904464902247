import type { ServiceIdentifier } from 'inversify';
import { regionHostProblem } from '../../config/genesys-regions.js';
import { GenesysConfigError } from './genesys-errors.js';

export interface OpenMessagingOptions {
  /** Region host, e.g. `mypurecloud.com` or `mypurecloud.ie` (see PureCloudRegionHosts). */
  readonly environment: string;
  /**
   * GENESYS_API_URL: a gateway or the sandbox, e.g. `http://127.0.0.1:9000` or
   * `https://gw.example.com/genesys`. When set, both /oauth/token and the API go there.
   */
  readonly apiUrl?: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The Open Messaging integration the guest messages arrive on. */
  readonly integrationId: string;
  /** Per HTTP request, login included; default 16000 (the SDK's own default). */
  readonly requestTimeoutMs?: number;
  /** Log in again this long before the token expires; default 60000. */
  readonly tokenRefreshMarginMs?: number;
}

export const OPEN_MESSAGING_OPTIONS: ServiceIdentifier<OpenMessagingOptions> = Symbol.for(
  'gtx.OpenMessagingOptions',
);

export const DEFAULT_REQUEST_TIMEOUT_MS = 16_000;
export const DEFAULT_TOKEN_REFRESH_MARGIN_MS = 60_000;

export interface ResolvedOpenMessagingOptions {
  readonly environment: string;
  readonly gateway: SdkGateway | null;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly integrationId: string;
  readonly requestTimeoutMs: number;
  readonly tokenRefreshMarginMs: number;
}

/** The SDK's `GatewayConfiguration` (a global declaration in its index.d.ts), as we fill it. */
export interface SdkGateway {
  host: string;
  protocol: string;
  port?: number;
  path_params_login?: string;
  path_params_api?: string;
}

export function resolveOpenMessagingOptions(
  options: OpenMessagingOptions,
): ResolvedOpenMessagingOptions {
  const gateway =
    options.apiUrl === undefined || options.apiUrl.trim() === ''
      ? null
      : gatewayFromApiUrl(options.apiUrl);
  const environment = required('environment', options.environment);
  // Without a gateway the SDK logs in at login.<environment>: a typo would only show as DNS.
  const regionProblem = gateway === null ? regionHostProblem(environment) : null;
  if (regionProblem !== null) throw new GenesysConfigError('environment', regionProblem);
  return {
    environment,
    gateway,
    clientId: required('clientId', options.clientId),
    clientSecret: required('clientSecret', options.clientSecret),
    integrationId: required('integrationId', options.integrationId),
    requestTimeoutMs: positive(
      'requestTimeoutMs',
      options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    ),
    tokenRefreshMarginMs: nonNegative(
      'tokenRefreshMarginMs',
      options.tokenRefreshMarginMs ?? DEFAULT_TOKEN_REFRESH_MARGIN_MS,
    ),
  };
}

/**
 * `http://127.0.0.1:9000` → `{protocol: 'http', host: '127.0.0.1', port: 9000}`; a path becomes
 * the prefix of both login and API URLs. The SDK builds `protocol://host[:port][/path]`, so
 * credentials, a query or a fragment in the URL could not be honoured and are refused.
 */
export function gatewayFromApiUrl(apiUrl: string): SdkGateway {
  let url: URL;
  try {
    url = new URL(apiUrl.trim());
  } catch {
    throw new GenesysConfigError(
      'apiUrl',
      'is not an absolute URL (expected e.g. http://127.0.0.1:9000)',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GenesysConfigError('apiUrl', `protocol ${url.protocol} is not http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new GenesysConfigError('apiUrl', 'must not contain credentials');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new GenesysConfigError('apiUrl', 'must not contain a query or fragment');
  }
  const gateway: SdkGateway = { host: url.hostname, protocol: url.protocol.slice(0, -1) };
  if (url.port !== '') gateway.port = Number(url.port);
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '') {
    gateway.path_params_login = path;
    gateway.path_params_api = path;
  }
  return gateway;
}

function required(setting: string, value: string): string {
  if (value.trim() === '') throw new GenesysConfigError(setting, 'must not be empty');
  return value;
}

function positive(setting: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new GenesysConfigError(setting, 'must be a positive number');
  return value;
}

function nonNegative(setting: string, value: number): number {
  if (!Number.isFinite(value) || value < 0)
    throw new GenesysConfigError(setting, 'must be zero or more');
  return value;
}
