/**
 * GTX_MEDIA_POLICY=from-integration in the application: the profile's inbound list judges each
 * attachment, a refresh on the clock's scheduler picks up a changed profile, a failed refresh
 * keeps the last one, and a profile that cannot be read at start is a coded error.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { InMemoryIntegrationDirectory } from '../../../../src/adapters/memory/in-memory-integration-directory.js';
import { InMemoryLogger } from '../../../../src/adapters/memory/in-memory-logger.js';
import type { SupportedContentProfile } from '../../../../src/application/ports/index.js';
import { IntegrationMediaTypes } from '../../../../src/application/policy/integration-media-types.js';
import { createTestTransmitter } from '../../../../src/testing/test-transmitter.js';

const REFRESH_MS = 60_000;
const PROFILE: SupportedContentProfile = {
  id: 'profile-1',
  name: 'Images only',
  inbound: ['image/*'],
  outbound: ['*/*'],
};

function directoryWith(clock: VirtualClock, profile: SupportedContentProfile | null) {
  const directory = new InMemoryIntegrationDirectory(clock);
  directory.putIntegration({
    id: 'integration-1',
    name: 'Open',
    status: 'Active',
    createStatus: 'Completed',
    createError: null,
    supportedContentId: PROFILE.id,
    outboundWebhookUrl: null,
    outboundWebhookSecretSet: false,
  });
  if (profile !== null) directory.putProfile(profile);
  return directory;
}

function mediaTypesOf(clock: VirtualClock, directory: InMemoryIntegrationDirectory) {
  const logger = new InMemoryLogger();
  const outcomes: string[] = [];
  const mediaTypes = new IntegrationMediaTypes(
    directory,
    clock,
    logger,
    { integrationId: 'integration-1', refreshEveryMs: REFRESH_MS },
    { onRefreshed: (outcome) => outcomes.push(outcome) },
  );
  return { mediaTypes, logger, outcomes };
}

const withAttachment = (id: string, mime: string) => ({
  id,
  guest: { id: 'guest-1' },
  text: 'see attached',
  attachments: [{ url: 'https://cdn.example.com/file', mime, filename: 'file', sizeBytes: 100 }],
});

describe('IntegrationMediaTypes', () => {
  it("judges attachments by the profile's inbound list, not the local policy's", async () => {
    const clock = new VirtualClock();
    const { mediaTypes } = mediaTypesOf(clock, directoryWith(clock, PROFILE));
    await mediaTypes.load();
    // The local policy allows everything: the profile narrows it.
    await using kit = createTestTransmitter({
      clock,
      mediaTypes,
      policy: { supportedMediaTypes: ['*/*'] },
    });
    const image = await kit.runUntilSettled(
      kit.transmitter.submit(withAttachment('img', 'image/png')),
    );
    const pdf = await kit.runUntilSettled(
      kit.transmitter.submit(withAttachment('pdf', 'application/pdf')),
    );
    expect(image.status).toBe('delivered');
    expect(pdf.status).toBe('rejected');
    expect(pdf).toMatchObject({
      violations: [{ code: 'ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED', field: '/attachments/0/mime' }],
    });
  });

  it('picks up a changed profile at the next refresh of the clock, and not before', async () => {
    const clock = new VirtualClock();
    const directory = directoryWith(clock, PROFILE);
    const { mediaTypes, outcomes } = mediaTypesOf(clock, directory);
    await mediaTypes.load();
    mediaTypes.start();
    try {
      directory.putProfile({ ...PROFILE, inbound: ['image/*', 'application/pdf'] });
      await clock.advanceBy(REFRESH_MS - 1);
      expect(mediaTypes.current()).toEqual(['image/*']);
      await clock.advanceBy(1);
      expect(mediaTypes.current()).toEqual(['image/*', 'application/pdf']);
      await clock.advanceBy(REFRESH_MS);
      expect(outcomes).toEqual(['updated', 'unchanged']);
    } finally {
      mediaTypes.stop();
    }
  });

  it('keeps the last profile when a refresh fails, and logs and counts the failure', async () => {
    const clock = new VirtualClock();
    const directory = directoryWith(clock, PROFILE);
    const { mediaTypes, logger, outcomes } = mediaTypesOf(clock, directory);
    await mediaTypes.load();
    directory.setUnreachable(true);
    expect(await mediaTypes.refresh()).toBe('failed');
    expect(mediaTypes.current()).toEqual(['image/*']);
    expect(mediaTypes.refreshFailures).toBe(1);
    expect(outcomes).toEqual(['failed']);
    expect(logger.records).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'media policy refresh failed; keeping the last profile',
      }),
    );
    directory.setUnreachable(false);
    expect(await mediaTypes.refresh()).toBe('unchanged');
  });

  it('fails to load with MEDIA_POLICY_UNAVAILABLE, naming the cause, when the profile cannot be read', async () => {
    const clock = new VirtualClock();
    const { mediaTypes } = mediaTypesOf(clock, directoryWith(clock, null));
    await expect(mediaTypes.load()).rejects.toMatchObject({
      code: 'MEDIA_POLICY_UNAVAILABLE',
      details: { integrationId: 'integration-1', causeCode: 'GENESYS_NOT_FOUND' },
    });
    expect(() => mediaTypes.current()).toThrow(/not loaded/);
  });

  it('ignores a pattern that is not a media type (it allows nothing) and says so', async () => {
    const clock = new VirtualClock();
    const directory = directoryWith(clock, { ...PROFILE, inbound: ['image/*', 'nonsense'] });
    const { mediaTypes, logger } = mediaTypesOf(clock, directory);
    await mediaTypes.load();
    expect(mediaTypes.current()).toEqual(['image/*']);
    expect(logger.records.map((record) => record.message)).toContain(
      'the Supported Content profile holds patterns that are not media types',
    );
  });
});
