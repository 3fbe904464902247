import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TOKEN_REFRESH_MARGIN_MS,
  gatewayFromApiUrl,
  resolveOpenMessagingOptions,
} from '../../../../src/adapters/genesys/open-messaging/open-messaging-options.js';
import { hasErrorCode } from '../../../../src/domain/index.js';

const base = {
  environment: 'mypurecloud.ie',
  clientId: 'id',
  clientSecret: 'secret',
  integrationId: 'integration-1',
};

function configError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a GENESYS_CONFIG_INVALID error');
}

describe('gatewayFromApiUrl', () => {
  it.each([
    ['http://127.0.0.1:9000', { host: '127.0.0.1', protocol: 'http', port: 9000 }],
    ['https://gw.example.com', { host: 'gw.example.com', protocol: 'https' }],
    [
      'https://gw.example.com:8443/genesys/',
      {
        host: 'gw.example.com',
        protocol: 'https',
        port: 8443,
        path_params_login: '/genesys',
        path_params_api: '/genesys',
      },
    ],
    ['http://[::1]:9000', { host: '[::1]', protocol: 'http', port: 9000 }],
  ])('%s', (apiUrl, gateway) => {
    expect(gatewayFromApiUrl(apiUrl)).toEqual(gateway);
  });

  it.each(['127.0.0.1:9000', 'ftp://host', 'http://user:pw@host', 'http://host/?a=1', 'not a url'])(
    'refuses %j',
    (apiUrl) => {
      const error = configError(() => gatewayFromApiUrl(apiUrl));
      expect(hasErrorCode(error, 'GENESYS_CONFIG_INVALID')).toBe(true);
    },
  );

  it('never echoes credentials found in the URL', () => {
    const error = configError(() => gatewayFromApiUrl('http://user:hunter2@host'));
    expect(String(error)).not.toContain('hunter2');
  });
});

describe('resolveOpenMessagingOptions', () => {
  it('applies the defaults and no gateway without apiUrl', () => {
    expect(resolveOpenMessagingOptions(base)).toEqual({
      ...base,
      gateway: null,
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      tokenRefreshMarginMs: DEFAULT_TOKEN_REFRESH_MARGIN_MS,
    });
  });

  it.each([
    { integrationId: ' ' },
    { clientId: '' },
    { requestTimeoutMs: 0 },
    { tokenRefreshMarginMs: -1 },
  ])('refuses %j', (override) => {
    const error = configError(() => resolveOpenMessagingOptions({ ...base, ...override }));
    expect(hasErrorCode(error, 'GENESYS_CONFIG_INVALID')).toBe(true);
  });
});
