/**
 * The library's `openIntegrationMediaTypes` through the real SDK against the sandbox: the
 * profile's inbound list at start, a changed profile picked up by a refresh (driven here by its
 * trigger, not by waiting), and a coded error when the integration is unknown.
 */
import { describe, expect, it } from 'vitest';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import { openIntegrationMediaTypes } from '../../../src/index.js';
import { paced, sandboxWith } from '../../support/sandbox-harness.js';

const PROFILE = { id: 'p-1', name: 'Images', inbound: ['image/*'], outbound: ['*/*'] };

describe('openIntegrationMediaTypes', () => {
  it('reads the inbound list at start and a changed profile at the next refresh', async () => {
    const sandbox = await sandboxWith({ ...paced().sandbox, supportedContent: PROFILE });
    const opened = await openIntegrationMediaTypes(
      {
        environment: 'mypurecloud.com',
        apiUrl: sandbox.url,
        clientId: 'sandbox-client',
        clientSecret: 'sandbox-secret',
        integrationId: 'sandbox-integration',
      },
      { logger: new InMemoryLogger() },
    );
    try {
      expect(opened.mediaTypes.current()).toEqual(['image/*']);
      sandbox.setSupportedContent({ ...PROFILE, inbound: ['image/*', 'application/pdf'] });
      expect(await opened.mediaTypes.refresh()).toBe('updated');
      expect(opened.mediaTypes.current()).toEqual(['image/*', 'application/pdf']);
    } finally {
      await opened.close();
    }
  });

  it('rejects with MEDIA_POLICY_UNAVAILABLE for an integration Genesys does not have', async () => {
    const sandbox = await sandboxWith(paced().sandbox);
    await expect(
      openIntegrationMediaTypes(
        {
          environment: 'mypurecloud.com',
          apiUrl: sandbox.url,
          clientId: 'sandbox-client',
          clientSecret: 'sandbox-secret',
          integrationId: 'unknown',
        },
        { logger: new InMemoryLogger() },
      ),
    ).rejects.toMatchObject({
      code: 'MEDIA_POLICY_UNAVAILABLE',
      details: { integrationId: 'unknown', causeCode: 'GENESYS_NOT_FOUND' },
    });
  });
});
