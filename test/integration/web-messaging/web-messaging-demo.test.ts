import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGtx } from '../../support/cli-harness.js';

interface DemoJson {
  readonly report: {
    readonly commands: number;
    readonly delivered: number;
    readonly deadLettered: number;
    readonly byKind: Readonly<Record<string, number>>;
  };
  readonly sandbox: { readonly accepted: number; readonly uploads: number };
}

describe('gtx demo --transport web-messaging', () => {
  it('runs the sample set over the guest WebSocket, uploads attachments, loses and doubles nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gtx-wm-demo-'));
    const result = await runGtx(
      ['demo', '--transport', 'web-messaging', '--json', '--ledger', join(dir, 'demo.db')],
      { GTX_MASTER_KEY: randomBytes(32).toString('base64') },
      dir,
    );
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as DemoJson;
    expect(json.report.delivered).toBeGreaterThan(0);
    // Every delivery is exactly one message the sandbox accepted.
    expect(json.sandbox.accepted).toBe(json.report.delivered);
    expect(json.sandbox.uploads).toBeGreaterThanOrEqual(8);
    // Receipts, which this transport refuses by design, are not sent: only the one 400 the
    // demo scripts is dead-lettered.
    expect(json.report.byKind).not.toHaveProperty('receipt');
    expect(json.report.byKind['typing']).toBe(3);
    expect(json.report.deadLettered).toBeLessThanOrEqual(1);
  }, 120_000);

  it('refuses a bad --transport', async () => {
    const result = await runGtx(['demo', '--transport', 'carrier-pigeon']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('carrier-pigeon');
  });
});
