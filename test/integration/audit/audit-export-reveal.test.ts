import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGtx } from '../../support/cli-harness.js';

let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gtx-reveal-'));
  env = {
    GTX_LEDGER: join(dir, 'ledger.db'),
    GTX_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
  };
  for (const [id, guest, text] of [
    ['r1', 'guest-ada', 'secret plan alpha'],
    ['r2', 'guest-bob', 'secret plan bravo'],
  ] as const) {
    const run = await runGtx(
      [
        'send',
        '--sandbox',
        '--guest',
        guest,
        '--nickname',
        `${guest}-nick`,
        '--id',
        id,
        '--text',
        text,
      ],
      env,
    );
    expect(run.code).toBe(0);
  }
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function exportRows(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('gtx audit export --reveal', () => {
  it('exports sealed content by default and its decrypted view only with --reveal', async () => {
    const sealed = await runGtx(['audit', 'export'], env);
    expect(sealed.code).toBe(0);
    expect(sealed.stdout).not.toContain('secret plan');
    expect(sealed.stdout).not.toContain('guest-ada-nick');

    const revealed = await runGtx(
      ['audit', 'export', '--reveal', '--out', join(dir, 'revealed.ndjson')],
      env,
    );
    expect(revealed.code).toBe(0);
    const text = readFileSync(join(dir, 'revealed.ndjson'), 'utf8');
    expect(text).toContain('secret plan alpha');
    expect(text).toContain('guest-ada-nick');
    const verify = await runGtx(['audit', 'verify', '--file', join(dir, 'revealed.ndjson')], env);
    expect(verify.code).toBe(0);
  });

  it('after forget, the guest shows as erased and the ledger still verifies', async () => {
    expect((await runGtx(['privacy', 'forget', '--guest', 'guest-ada'], env)).code).toBe(0);
    const revealed = await runGtx(['audit', 'export', '--reveal'], env);
    expect(revealed.code).toBe(0);
    expect(revealed.stdout).not.toContain('secret plan alpha');
    expect(revealed.stdout).toContain('secret plan bravo');
    const adaRequest = exportRows(revealed.stdout).find(
      (row) =>
        row.type === 'TransmissionRequested' &&
        (row.data as { guestId?: string }).guestId === 'guest-ada',
    );
    expect(JSON.stringify(adaRequest?.view)).toContain('erased');
    expect((await runGtx(['audit', 'verify'], env)).code).toBe(0);
  });

  it('without the master key, --reveal fails with a coded error and writes nothing', async () => {
    const run = await runGtx(['audit', 'export', '--reveal', '--out', join(dir, 'nokey.ndjson')], {
      GTX_LEDGER: env.GTX_LEDGER,
      GTX_MASTER_KEY: Buffer.alloc(32, 4).toString('base64'),
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/MASTER_KEY/);
    expect(() => readFileSync(join(dir, 'nokey.ndjson'))).toThrow();
  });
});
