import { describe, expect, it, vi } from 'vitest';
import { resolveOpenMessagingOptions } from '../../../../src/adapters/genesys/open-messaging/open-messaging-options.js';
import { createSdkClient } from '../../../../src/adapters/genesys/open-messaging/sdk-client.js';

interface SdkLogger {
  log(...args: unknown[]): void;
  formatLog(...args: unknown[]): string;
}

describe('createSdkClient', () => {
  it("silences the SDK's logger without formatting an entry per call", () => {
    const sdk = createSdkClient(
      resolveOpenMessagingOptions({
        environment: 'mypurecloud.com',
        apiUrl: 'http://127.0.0.1:9',
        clientId: 'id',
        clientSecret: 'secret',
        integrationId: 'integration',
      }),
    );
    const logger = sdk.apiClient.config.logger as unknown as SdkLogger;
    const formatLog = vi.spyOn(logger, 'formatLog');
    logger.log(
      'debug',
      200,
      'POST',
      'http://127.0.0.1:9/x',
      { a: '1' },
      { b: '2' },
      { text: 'hi' },
    );
    expect(formatLog).not.toHaveBeenCalled();
    sdk.destroy();
  });
});
