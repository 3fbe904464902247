import type {
  IntegrationDirectory,
  SupportedContentProfile,
} from '../../application/ports/integration-directory.port.js';
import type { ContractTestApi } from './contract-test-api.js';
import { itWithFreshFixture } from './fresh-fixture.js';
import { codeOf } from './transmission-fixtures.js';

export interface IntegrationDirectoryFixture {
  readonly directory: IntegrationDirectory;
  /** An active integration whose profile is `profile`, with an outbound webhook set. */
  readonly integrationId: string;
  readonly webhookUrl: string;
  readonly profile: SupportedContentProfile;
  /** Changes the integration's status on the far side. */
  setStatus(status: 'Active' | 'Inactive'): void;
  /** Replaces the far side's profile (same id). */
  setProfile(profile: SupportedContentProfile): void;
  /** A directory on the same far side whose credentials are refused. */
  readonly refused: () => IntegrationDirectory;
  readonly cleanup?: () => Promise<void>;
}

/**
 * Every IntegrationDirectory adapter must pass this suite: the integration and its profile read
 * back as the far side holds them, changes seen on the next read, unknown ids as
 * GENESYS_NOT_FOUND, refused credentials as GENESYS_AUTH_FAILED, and never the webhook secret.
 */
export function integrationDirectoryContract(
  name: string,
  make: () => Promise<IntegrationDirectoryFixture>,
  t: ContractTestApi,
): void {
  const { describe, expect } = t;
  const it = itWithFreshFixture(t, make, ({ directory }) => directory.close());

  describe(`IntegrationDirectory contract: ${name}`, () => {
    it('reads the integration: status, profile id, webhook URL, and only whether a secret is set', async (f) => {
      await f.directory.verifyCredentials();
      const answer = await f.directory.integration(f.integrationId);
      expect(answer.value).toMatchObject({
        id: f.integrationId,
        status: 'Active',
        supportedContentId: f.profile.id,
        outboundWebhookUrl: f.webhookUrl,
        outboundWebhookSecretSet: true,
      });
      expect(Object.keys(answer.value).some((key) => /token|secret$/i.test(key))).toBe(false);
      expect(typeof answer.receivedAtMs).toBe('number');
    });

    it('reads the profile the integration names, inbound and outbound', async (f) => {
      const answer = await f.directory.supportedContent(f.profile.id);
      expect(answer.value).toEqual(f.profile);
    });

    it('sees a changed status and profile on the next read', async (f) => {
      f.setStatus('Inactive');
      f.setProfile({ ...f.profile, inbound: ['image/png'] });
      expect((await f.directory.integration(f.integrationId)).value.status).toBe('Inactive');
      expect((await f.directory.supportedContent(f.profile.id)).value.inbound).toEqual([
        'image/png',
      ]);
    });

    it('answers GENESYS_NOT_FOUND for an unknown integration or profile', async (f) => {
      expect(await codeOf(f.directory.integration('no-such-integration'))).toBe(
        'GENESYS_NOT_FOUND',
      );
      expect(await codeOf(f.directory.supportedContent('no-such-profile'))).toBe(
        'GENESYS_NOT_FOUND',
      );
    });

    it('answers GENESYS_AUTH_FAILED when the credentials are refused', async (f) => {
      const refused = f.refused();
      try {
        expect(await codeOf(refused.verifyCredentials())).toBe('GENESYS_AUTH_FAILED');
        expect(await codeOf(refused.integration(f.integrationId))).toBe('GENESYS_AUTH_FAILED');
      } finally {
        await refused.close();
      }
    });
  });
}
