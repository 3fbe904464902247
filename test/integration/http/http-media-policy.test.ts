/**
 * `gtx serve` with GTX_MEDIA_POLICY=from-integration: the in-process sandbox's Supported Content
 * profile decides the attachments the service accepts, the refresh counter is exported, and a
 * profile that cannot be read stops the service from starting.
 */
import { describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../../src/adapters/http/metrics/service-metrics.js';
import { paced } from '../../support/sandbox-harness.js';
import { startHarness, waitFinal } from './service-harness.js';

const IMAGES_ONLY = { id: 'images', name: 'Images', inbound: ['image/*'], outbound: ['*/*'] };

const message = (id: string, mime: string) => ({
  id,
  guest: { id: 'guest-1' },
  text: 'see attached',
  attachments: [{ url: `https://files.example.com/${id}`, mime, filename: 'f', sizeBytes: 10 }],
});

describe('gtx serve with GTX_MEDIA_POLICY=from-integration', () => {
  it('accepts what the profile allows inbound, rejects the rest, and exports the refresh counter', async () => {
    const h = await startHarness(
      { GTX_MEDIA_POLICY: 'from-integration' },
      { sandboxOptions: { ...paced().sandbox, supportedContent: IMAGES_ONLY } },
    );
    try {
      expect((await h.post('/v1/messages', message('png-1', 'image/png'))).status).toBe(202);
      expect((await waitFinal(h, 'png-1')).status).toBe('delivered');
      // Rejected by the policy: recorded as rejected, answered 422.
      expect((await h.post('/v1/messages', message('pdf-1', 'application/pdf'))).status).toBe(422);
      expect(await waitFinal(h, 'pdf-1')).toMatchObject({
        status: 'rejected',
        outcome: { violations: [{ code: 'ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED' }] },
      });
      const metrics = await (await h.call('/metrics')).text();
      expect(metrics).toContain('gtx_media_policy_refreshes_total{outcome="failed"} 0');
    } finally {
      await h.close();
    }
  });

  it('does not start when the profile cannot be read', async () => {
    await expect(
      startHarness(
        { GTX_MEDIA_POLICY: 'from-integration' },
        { sandboxOptions: { ...paced().sandbox, integrationIds: ['another-integration'] } },
      ),
    ).rejects.toMatchObject({
      code: 'MEDIA_POLICY_UNAVAILABLE',
      details: { causeCode: 'GENESYS_NOT_FOUND' },
    });
  });
});

describe('gtx_media_policy_refreshes_total', () => {
  it('counts each refresh by outcome', async () => {
    const metrics = new ServiceMetrics(
      { pending: () => Promise.resolve(0), rateLimitWaitMs: () => 0 },
      { collectProcessMetrics: false },
    );
    metrics.mediaPolicyRefreshed('failed');
    metrics.mediaPolicyRefreshed('updated');
    metrics.mediaPolicyRefreshed('failed');
    const text = await metrics.metricsText();
    expect(text).toContain('gtx_media_policy_refreshes_total{outcome="failed"} 2');
    expect(text).toContain('gtx_media_policy_refreshes_total{outcome="updated"} 1');
  });
});
