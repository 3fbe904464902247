import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceDemoLedger } from '../../../../src/adapters/cli/demo-ledger.js';
import { thrownBy } from '../../../support/failures.js';
import { testDir } from '../../../support/test-dir.js';

describe("the demo's default ledger", () => {
  it('is replaced by the next demo, with its key, and the ledgers of earlier demos go too', () => {
    const temp = testDir('gtx-demo-ledger-');
    const old = join(temp, 'gtx-demo-20261201T101010.db');
    writeFileSync(old, 'old');
    writeFileSync(`${old}.key`, 'old key');
    writeFileSync(join(temp, 'unrelated.db'), 'keep');

    const first = replaceDemoLedger(temp);
    writeFileSync(first.path, 'ledger');
    writeFileSync(`${first.path}.key`, 'key');
    writeFileSync(`${first.path}-wal`, 'wal');
    first.release();
    expect(readdirSync(temp).sort()).toEqual([expect.stringMatching(/^gtx-demo-/), 'unrelated.db']);

    const second = replaceDemoLedger(temp);
    expect(second.path).toBe(first.path);
    expect(existsSync(second.path)).toBe(false);
    expect(existsSync(`${second.path}.key`)).toBe(false);
    expect(existsSync(`${second.path}-wal`)).toBe(false);
    second.release();
  });

  it('is not taken from a demo that still runs; a lock left by a process that is gone is', () => {
    const temp = testDir('gtx-demo-lock-');
    const running = replaceDemoLedger(temp);
    expect(thrownBy(() => replaceDemoLedger(temp))).toMatchObject({ code: 'DEMO_BUSY' });
    running.release();

    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    const lockDir = readdirSync(temp).find((name) => name.startsWith('gtx-demo-')) ?? '';
    writeFileSync(join(temp, lockDir, 'demo.lock'), gone);
    const after = replaceDemoLedger(temp);
    after.release();
  });
});
