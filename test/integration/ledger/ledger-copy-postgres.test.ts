import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runGtx } from '../../support/cli-harness.js';
import { postgresTestSchema } from '../../support/postgres.js';
import { testDir } from '../../support/test-dir.js';
import { makeLedgerFile } from '../audit/audit-fixture.js';

const MASTER_KEY = Buffer.alloc(32, 11).toString('base64');

function schemaUrl(): string {
  const schema = postgresTestSchema();
  onTestFinished(() => schema.drop());
  return `${schema.url}?schema=${schema.schema}`;
}

const exportRows = (stdout: string): string[] => stdout.trim().split('\n').slice(1);

describe('gtx ledger copy between SQLite and PostgreSQL', () => {
  it('moves a file into PostgreSQL and back, keeping every row and hash; both copies verify', async () => {
    const dir = testDir('gtx-copy-pg-');
    const source = join(dir, 'source.db');
    await makeLedgerFile(source, 30);
    const database = schemaUrl();

    const into = await runGtx(['ledger', 'copy', '--from', source, '--to', database, '--json']);
    expect(into.stderr).toBe('');
    expect(into.code).toBe(0);
    expect((await runGtx(['audit', 'verify', '--ledger', database])).code).toBe(0);

    const archive = join(dir, 'archive.db');
    const back = await runGtx(['ledger', 'copy', '--from', database, '--to', archive, '--json']);
    expect(back.code).toBe(0);
    expect((await runGtx(['audit', 'verify', '--ledger', archive])).code).toBe(0);

    const original = exportRows((await runGtx(['audit', 'export', '--ledger', source])).stdout);
    expect(exportRows((await runGtx(['audit', 'export', '--ledger', database])).stdout)).toEqual(
      original,
    );
    expect(exportRows((await runGtx(['audit', 'export', '--ledger', archive])).stdout)).toEqual(
      original,
    );
    const stats = async (ledger: string): Promise<unknown> =>
      (
        JSON.parse((await runGtx(['stats', '--json', '--ledger', ledger])).stdout) as {
          report: unknown;
        }
      ).report;
    expect(await stats(database)).toEqual(await stats(source));

    const again = await runGtx(['ledger', 'copy', '--from', source, '--to', database]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('LEDGER_COPY_TARGET_NOT_EMPTY');
  });

  it('carries sealed content: the PostgreSQL copy opens it with the same master key', async () => {
    const dir = testDir('gtx-copy-pg-keys-');
    const source = join(dir, 'source.db');
    const sent = await runGtx(
      ['send', '--sandbox', '--guest', 'guest-pg', '--id', 'pg-1', '--text', 'sealed for pg'],
      { GTX_LEDGER: source, GTX_MASTER_KEY: MASTER_KEY },
    );
    expect(sent.code).toBe(0);
    const database = schemaUrl();
    expect((await runGtx(['ledger', 'copy', '--from', source, '--to', database])).code).toBe(0);
    const revealed = await runGtx(['audit', 'export', '--reveal', '--ledger', database], {
      GTX_MASTER_KEY: MASTER_KEY,
    });
    expect(revealed.code).toBe(0);
    expect(revealed.stdout).toContain('sealed for pg');
    // Without the key given, a database ledger never looks for one beside itself.
    const keyless = await runGtx(['audit', 'export', '--reveal', '--ledger', database]);
    expect(keyless.code).not.toBe(0);
    expect(keyless.stderr).toContain('GTX_MASTER_KEY');
  });
});
