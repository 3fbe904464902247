/**
 * GTX_MEDIA_POLICY=from-integration through the real CLI and SDK against the sandbox: the
 * integration's Supported Content profile decides which attachments go, and a profile that
 * cannot be read stops the command before anything is recorded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/adapters/cli/exit-codes.js';
import { runGtx } from '../support/cli-harness.js';
import { paced, sandboxWith } from '../support/sandbox-harness.js';
import { testDir } from '../support/test-dir.js';

const PACE = paced();

async function setup(): Promise<{ env: Record<string, string>; ledger: string }> {
  const sandbox = await sandboxWith({
    ...PACE.sandbox,
    supportedContent: { id: 'images', name: 'Images', inbound: ['image/*'], outbound: ['*/*'] },
  });
  const ledger = join(testDir('gtx-media-policy-'), 'ledger.db');
  return {
    ledger,
    env: {
      GENESYS_API_URL: sandbox.url,
      GENESYS_CLIENT_ID: 'sandbox-client',
      GENESYS_CLIENT_SECRET: 'sandbox-secret',
      GENESYS_INTEGRATION_ID: 'sandbox-integration',
      GTX_LEDGER: ledger,
      GTX_MEDIA_POLICY: 'from-integration',
      GTX_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
      ...PACE.env,
    },
  };
}

function send(env: Record<string, string>, id: string, mime: string) {
  return runGtx(
    [
      'send',
      '--guest',
      'guest-1',
      '--id',
      id,
      '--text',
      'see attached',
      '--attachment',
      `https://files.example.com/${id},${mime},${id}.bin,2048`,
      '--json',
    ],
    env,
  );
}

describe('GTX_MEDIA_POLICY=from-integration', () => {
  it("sends what the profile's inbound list allows and rejects what it does not, though the local policy allows all", async () => {
    const { env } = await setup();
    const image = await send(env, 'media-1', 'image/png');
    expect(image.code).toBe(0);
    expect(JSON.parse(image.stdout)).toMatchObject({ status: 'delivered' });
    const pdf = await send(env, 'media-2', 'application/pdf');
    expect(pdf.code).toBe(EXIT.rejected);
    expect(JSON.parse(pdf.stdout)).toMatchObject({
      status: 'rejected',
      violations: [
        {
          code: 'ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED',
          message: 'media type application/pdf is not supported',
        },
      ],
    });
  });

  it('stops before recording anything when the profile cannot be read, with a coded error naming the cause', async () => {
    const { env, ledger } = await setup();
    const run = await send({ ...env, GENESYS_INTEGRATION_ID: 'not-ours' }, 'media-3', 'image/png');
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('MEDIA_POLICY_UNAVAILABLE');
    expect(run.stderr).toContain('Genesys has no Open Messaging integration not-ours');
    expect(run.stdout).toBe('');
    expect(existsSync(ledger)).toBe(false);
  });
});
