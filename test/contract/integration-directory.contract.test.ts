import { describe, expect, it } from 'vitest';
import { SdkIntegrationDirectory } from '../../src/adapters/genesys/open-messaging/sdk-integration-directory.js';
import { InMemoryIntegrationDirectory } from '../../src/adapters/memory/in-memory-integration-directory.js';
import { InMemoryLogger } from '../../src/adapters/memory/in-memory-logger.js';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import type { SupportedContentProfile } from '../../src/application/ports/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { integrationDirectoryContract } from '../../src/testing/contracts/integration-directory.contract.js';
import { paced } from '../support/sandbox-harness.js';

const WEBHOOK = { url: 'https://replies.example.com/genesys', secret: 'a-signature-secret-0123' };
const PROFILE: SupportedContentProfile = {
  id: 'profile-1',
  name: 'Images and PDF',
  inbound: ['image/*', 'application/pdf'],
  outbound: ['*/*'],
};

integrationDirectoryContract(
  'SdkIntegrationDirectory (the real SDK against the sandbox)',
  async () => {
    const sandbox = await startSandbox({
      ...paced().sandbox,
      outboundWebhook: WEBHOOK,
      supportedContent: PROFILE,
    });
    const directoryFor = (clientSecret: string): SdkIntegrationDirectory =>
      new SdkIntegrationDirectory(
        {
          environment: 'mypurecloud.com',
          apiUrl: sandbox.url,
          clientId: 'sandbox-client',
          clientSecret,
          integrationId: 'sandbox-integration',
        },
        new SystemClock(),
        new InMemoryLogger(),
      );
    return {
      directory: directoryFor('sandbox-secret'),
      integrationId: 'sandbox-integration',
      webhookUrl: WEBHOOK.url,
      profile: PROFILE,
      setStatus: (status) => {
        sandbox.setIntegrationState({ status, createStatus: 'Completed' });
      },
      setProfile: (profile) => {
        sandbox.setSupportedContent(profile);
      },
      refused: () => directoryFor('not-the-secret'),
      cleanup: () => sandbox.close(),
    };
  },
  { describe, it, expect },
);

integrationDirectoryContract(
  'InMemoryIntegrationDirectory',
  () => {
    const clock = new SystemClock();
    const directory = new InMemoryIntegrationDirectory(clock);
    const integration = {
      id: 'integration-1',
      name: 'In memory',
      status: 'Active',
      createStatus: 'Completed',
      createError: null,
      supportedContentId: PROFILE.id,
      outboundWebhookUrl: WEBHOOK.url,
      outboundWebhookSecretSet: true,
    };
    directory.putIntegration(integration);
    directory.putProfile(PROFILE);
    return Promise.resolve({
      directory,
      integrationId: integration.id,
      webhookUrl: WEBHOOK.url,
      profile: PROFILE,
      setStatus: (status) => {
        directory.putIntegration({ ...integration, status });
      },
      setProfile: (profile) => {
        directory.putProfile(profile);
      },
      refused: () => new InMemoryIntegrationDirectory(clock, false),
    });
  },
  { describe, it, expect },
);

describe('the sandbox integration read', () => {
  it('never returns the webhook secret in clear', async () => {
    const sandbox = await startSandbox({ ...paced().sandbox, outboundWebhook: WEBHOOK });
    try {
      const token = (await (
        await fetch(`${sandbox.url}/oauth/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from('sandbox-client:sandbox-secret').toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials',
        })
      ).json()) as { access_token: string };
      const answer = await fetch(
        `${sandbox.url}/api/v2/conversations/messaging/integrations/open/sandbox-integration`,
        { headers: { authorization: `Bearer ${token.access_token}` } },
      );
      const text = await answer.text();
      expect(answer.status).toBe(200);
      expect(text).not.toContain(WEBHOOK.secret);
      expect(JSON.parse(text)).toMatchObject({
        outboundNotificationWebhookSignatureSecretToken: '*******************0123',
      });
      const anonymous = await fetch(
        `${sandbox.url}/api/v2/conversations/messaging/supportedcontent/sandbox-supported-content`,
      );
      expect(anonymous.status).toBe(401);
    } finally {
      await sandbox.close();
    }
  });
});
