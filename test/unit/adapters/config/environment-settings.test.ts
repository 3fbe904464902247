import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  loadEnvironmentSettings,
} from '../../../../src/adapters/config/environment-settings.js';
import {
  genesysRegionHosts,
  editDistance,
  nearestRegionHosts,
} from '../../../../src/adapters/config/genesys-regions.js';
import { resolveOpenMessagingOptions } from '../../../../src/adapters/genesys/open-messaging/open-messaging-options.js';
import { missingTransportSettings } from '../../../../src/composition/transport-options.js';
import { transmitterOptionsFromEnv } from '../../../../src/index.js';
import { thrownBy } from '../../../support/failures.js';

function problemsOf(env: Record<string, string>, sandbox = false): ConfigurationError {
  try {
    loadEnvironmentSettings(env, null, (values) => missingTransportSettings(values, { sandbox }));
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('environment settings', () => {
  it('reports every bad value and every missing credential in one error', () => {
    const error = problemsOf({
      GTX_LOG_LEVEL: 'verbose',
      GTX_CONCURRENCY: 'many',
      GENESYS_ENVIRONMENT: 'mypurecloud.xx',
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.problems.map((p) => p.setting)).toEqual([
      'GTX_CONCURRENCY',
      'GTX_LOG_LEVEL',
      'GENESYS_ENVIRONMENT',
      'GENESYS_CLIENT_ID',
      'GENESYS_CLIENT_SECRET',
      'GENESYS_INTEGRATION_ID',
    ]);
    expect(error.message).toMatch(/^6 settings need fixing:\n {2}GTX_CONCURRENCY /);
  });

  it('lists the allowed values of an enum', () => {
    const [problem] = problemsOf({ GTX_LOG_LEVEL: 'verbose' }, true).problems;
    expect(problem?.reason).toBe('must be one of error, warn, info, debug, silent (got "verbose")');
  });

  it('checks the region against the SDK list and suggests the nearest host', () => {
    const [problem] = problemsOf({ GENESYS_ENVIRONMENT: 'mypurecloud.cmo' }, true).problems;
    expect(problem?.setting).toBe('GENESYS_ENVIRONMENT');
    expect(problem?.reason).toContain('did you mean mypurecloud.com?');
    expect(problem?.reason).toContain('usw2.pure.cloud');
    expect(nearestRegionHosts('usw2.pure.clod')).toEqual(['usw2.pure.cloud']);
    expect(genesysRegionHosts()).toContain('mypurecloud.ie');
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('takes any host when GENESYS_API_URL points at a gateway or sandbox', () => {
    const settings = loadEnvironmentSettings(
      { GENESYS_ENVIRONMENT: 'gateway.example.com', GENESYS_API_URL: 'http://127.0.0.1:9000' },
      null,
    );
    expect(settings.GENESYS_ENVIRONMENT).toBe('gateway.example.com');
  });

  it('names a secret setting without echoing its value', () => {
    const [problem] = problemsOf({ GTX_MASTER_KEY: 'not-a-key' }, true).problems;
    expect(problem?.setting).toBe('GTX_MASTER_KEY');
    expect(problem?.reason).not.toContain('not-a-key');
  });
});

describe('the library options', () => {
  it('refuse an unknown region before any login, without a gateway', () => {
    const error = thrownBy(() =>
      resolveOpenMessagingOptions({
        environment: 'mypurecloud.xx',
        clientId: 'c',
        clientSecret: 's',
        integrationId: 'i',
      }),
    );
    expect(error).toMatchObject({ code: 'GENESYS_CONFIG_INVALID' });
  });

  it('transmitterOptionsFromEnv reads the variables the CLI reads', () => {
    const options = transmitterOptionsFromEnv({
      GENESYS_API_URL: 'http://127.0.0.1:9000',
      GENESYS_CLIENT_ID: 'sandbox-client',
      GENESYS_CLIENT_SECRET: 'sandbox-secret',
      GENESYS_INTEGRATION_ID: 'integration-1',
      GTX_LEDGER: '/tmp/x.db',
      GTX_RATE_LIMIT_PER_MINUTE: '1200',
      GTX_CONCURRENCY: '4',
    });
    expect(options).toMatchObject({
      ledger: { path: '/tmp/x.db' },
      genesys: {
        apiUrl: 'http://127.0.0.1:9000',
        clientId: 'sandbox-client',
        integrationId: 'integration-1',
        environment: 'mypurecloud.com',
      },
      rateLimit: { perMinute: 1200 },
      pipeline: { concurrency: 4 },
      logLevel: 'warn',
    });
  });

  it('GTX_PSEUDONYMISE is off by default, guest-ids turns privacy.pseudonymiseGuestIds on, anything else is refused', () => {
    const sandbox = {
      GENESYS_API_URL: 'http://127.0.0.1:9000',
      GENESYS_CLIENT_ID: 'sandbox-client',
      GENESYS_CLIENT_SECRET: 'sandbox-secret',
      GENESYS_INTEGRATION_ID: 'integration-1',
    };
    expect(transmitterOptionsFromEnv(sandbox).privacy?.pseudonymiseGuestIds).toBe(false);
    expect(
      transmitterOptionsFromEnv({ ...sandbox, GTX_PSEUDONYMISE: 'guest-ids' }).privacy
        ?.pseudonymiseGuestIds,
    ).toBe(true);
    const [problem] = problemsOf({ GTX_PSEUDONYMISE: 'yes' }, true).problems;
    expect(problem).toEqual({
      setting: 'GTX_PSEUDONYMISE',
      reason: 'must be one of off, guest-ids (got "yes")',
    });
  });

  it('transmitterOptionsFromEnv names everything missing at once', () => {
    const error = thrownBy(() => transmitterOptionsFromEnv({ GTX_TRANSPORT: 'web-messaging' }));
    expect(error).toMatchObject({
      code: 'CONFIG_INVALID',
      problems: [{ setting: 'GENESYS_DEPLOYMENT_ID' }],
    });
  });
});

describe('the outbound webhook settings', () => {
  it('refuse a signature secret of 15 characters or fewer, without echoing it', () => {
    const error = problemsOf({ GENESYS_OUTBOUND_WEBHOOK_SECRET: 'fifteen-chars15' }, true);
    expect(error.problems.map((p) => p.setting)).toEqual(['GENESYS_OUTBOUND_WEBHOOK_SECRET']);
    expect(error.message).not.toContain('fifteen-chars15');
  });

  it('default to /v1/genesys/outbound, 256 KiB and Delivered receipts', () => {
    const settings = loadEnvironmentSettings(
      { GENESYS_OUTBOUND_WEBHOOK_SECRET: 'sixteen-chars-16' },
      null,
    );
    expect(settings).toMatchObject({
      GENESYS_OUTBOUND_WEBHOOK_SECRET: 'sixteen-chars-16',
      GTX_OUTBOUND_WEBHOOK_PATH: '/v1/genesys/outbound',
      GTX_OUTBOUND_WEBHOOK_BODY_LIMIT_BYTES: 262_144,
      GTX_AGENT_RECEIPTS: 'delivered',
    });
  });

  it('name a path that is not one, and a receipts mode that does not exist', () => {
    const error = problemsOf(
      { GTX_OUTBOUND_WEBHOOK_PATH: 'genesys outbound', GTX_AGENT_RECEIPTS: 'sometimes' },
      true,
    );
    expect(error.problems.map((p) => p.setting)).toEqual([
      'GTX_OUTBOUND_WEBHOOK_PATH',
      'GTX_AGENT_RECEIPTS',
    ]);
    expect(error.message).toContain('must be one of delivered, off');
  });
});
