import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGtx } from '../../support/cli-harness.js';
import { testDir } from '../../support/test-dir.js';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');

describe('a worker checks its master key before it starts', () => {
  it('refuses to start when its key does not unwrap the stored guest keys, and sends nothing', async () => {
    const ledger = join(testDir('gtx-key-start-'), 'ledger.db');
    const first = await runGtx(
      ['send', '--sandbox', '--guest', 'guest-a', '--id', 'k-1', '--text', 'hello'],
      { GTX_LEDGER: ledger, GTX_MASTER_KEY: KEY_A },
    );
    expect(first.code).toBe(0);

    const wrong = await runGtx(
      ['send', '--sandbox', '--guest', 'guest-b', '--id', 'k-2', '--text', 'not sent'],
      { GTX_LEDGER: ledger, GTX_MASTER_KEY: KEY_B },
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('MASTER_KEY_MISMATCH');
    const status = await runGtx(['status', 'k-2', '--ledger', ledger]);
    expect(status.code).not.toBe(0);

    const right = await runGtx(
      ['send', '--sandbox', '--guest', 'guest-b', '--id', 'k-2', '--text', 'sent'],
      { GTX_LEDGER: ledger, GTX_MASTER_KEY: KEY_A },
    );
    expect(right.code).toBe(0);
  });
});
