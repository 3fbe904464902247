import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { VirtualClock } from '../../../src/adapters/clock/virtual-clock.js';
import { runGtx } from '../../support/cli-harness.js';
import { testDir } from '../../support/test-dir.js';
import { makeLedgerFile, T0 } from '../audit/audit-fixture.js';

const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

async function headOf(path: string): Promise<{ position: number; hash: string }> {
  const ledger = openSqliteLedger({ path, clock: new VirtualClock(T0), readOnly: true });
  try {
    return await ledger.events.head();
  } finally {
    await ledger.close();
  }
}

function summaryOf(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('gtx ledger copy between SQLite files', () => {
  let source: string;
  let sourceDir: string;

  beforeAll(async () => {
    sourceDir = mkdtempSync(join(tmpdir(), 'gtx-copy-src-'));
    source = join(sourceDir, 'source.db');
    await makeLedgerFile(source, 40);
  });

  afterAll(() => {
    rmSync(sourceDir, { recursive: true, force: true });
  });

  it('copies every event with its position and hash, and the copy verifies', async () => {
    const target = join(testDir('gtx-copy-dst-'), 'copy.db');
    const run = await runGtx([
      'ledger',
      'copy',
      '--from',
      source,
      '--to',
      target,
      '--page-size',
      '7',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const sourceHead = await headOf(source);
    expect(summaryOf(run.stdout)).toMatchObject({ events: sourceHead.position, head: sourceHead });
    expect(await headOf(target)).toEqual(sourceHead);

    const verify = await runGtx(['audit', 'verify', '--ledger', target]);
    expect(verify.code).toBe(0);
    const original = await runGtx(['audit', 'export', '--ledger', source]);
    const copied = await runGtx(['audit', 'export', '--ledger', target]);
    // Everything but the export's own header (its time) is the same, row for row.
    const rowsOf = (stdout: string): string[] => stdout.trim().split('\n').slice(1);
    expect(rowsOf(copied.stdout)).toEqual(rowsOf(original.stdout));
    expect(rowsOf(copied.stdout).length).toBe(sourceHead.position + 1);
    // The work queue is rebuilt from the copied events: the same open work, the same counts.
    const stats = await runGtx(['stats', '--json', '--ledger', target]);
    const sourceStats = await runGtx(['stats', '--json', '--ledger', source]);
    expect(summaryOf(stats.stdout).report).toEqual(summaryOf(sourceStats.stdout).report);
  });

  it('refuses a target that already holds events, and resumes only a true prefix', async () => {
    const dir = testDir('gtx-copy-resume-');
    const target = join(dir, 'copy.db');
    expect((await runGtx(['ledger', 'copy', '--from', source, '--to', target])).code).toBe(0);

    const again = await runGtx(['ledger', 'copy', '--from', source, '--to', target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('LEDGER_COPY_TARGET_NOT_EMPTY');

    // A prefix: copy a shorter ledger with the same history, then resume from the full one.
    const shorter = join(dir, 'shorter.db');
    await makeLedgerFile(shorter, 25);
    const prefix = join(dir, 'prefix.db');
    expect((await runGtx(['ledger', 'copy', '--from', shorter, '--to', prefix])).code).toBe(0);
    const resumed = await runGtx([
      'ledger',
      'copy',
      '--from',
      source,
      '--to',
      prefix,
      '--resume',
      '--json',
    ]);
    expect(resumed.code).toBe(0);
    const shorterHead = await headOf(shorter);
    expect(summaryOf(resumed.stdout)).toMatchObject({
      alreadyCopied: shorterHead.position,
      events: (await headOf(source)).position - shorterHead.position,
    });
    expect(await headOf(prefix)).toEqual(await headOf(source));
    expect((await runGtx(['audit', 'verify', '--ledger', prefix])).code).toBe(0);

    // Not a prefix: a different ledger cannot be resumed into.
    const other = join(dir, 'other.db');
    const clock = new VirtualClock(T0 + 1);
    const ledger = openSqliteLedger({ path: other, clock });
    await ledger.events.append({
      streamId: 'notes',
      expectedVersion: 'any',
      events: [{ type: 'NoteAdded', schemaVersion: 1, data: { n: 1 }, metadata: {} }],
    });
    await ledger.close();
    const diverged = await runGtx(['ledger', 'copy', '--from', source, '--to', other, '--resume']);
    expect(diverged.code).toBe(1);
    expect(diverged.stderr).toContain('LEDGER_COPY_TARGET_DIVERGES');
  });

  it('stops at a row that does not verify: exit 5, and nothing after it is written', async () => {
    const dir = testDir('gtx-copy-broken-');
    const broken = join(dir, 'broken.db');
    await makeLedgerFile(broken, 10);
    const db = new Database(broken);
    db.exec('DROP TRIGGER events_no_update');
    // A note row (every other row is one): still valid JSON, so only the hash tells.
    const noteAt = db
      .prepare(
        "SELECT global_position AS p FROM events WHERE stream_id LIKE 'notes-%' AND global_position > 8 ORDER BY 1 LIMIT 1",
      )
      .get() as { p: number };
    db.prepare('UPDATE events SET data = \'{"tampered":true}\' WHERE global_position = ?').run(
      noteAt.p,
    );
    db.close();

    const target = join(dir, 'copy.db');
    const run = await runGtx([
      'ledger',
      'copy',
      '--from',
      broken,
      '--to',
      target,
      '--page-size',
      '4',
    ]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('LEDGER_COPY_SOURCE_BROKEN');
    expect(run.stderr).toContain(`position ${noteAt.p}`);
    // Whole pages before the broken one were written and verify; the page holding it was not.
    const written = Math.floor((noteAt.p - 1) / 4) * 4;
    expect(run.stderr).toContain(`the target holds the first ${written} events`);
    expect((await headOf(target)).position).toBe(written);
    expect((await runGtx(['audit', 'verify', '--ledger', target])).code).toBe(0);
  });

  it('stops at a row it cannot even decode, the same way', async () => {
    const dir = testDir('gtx-copy-undecodable-');
    const broken = join(dir, 'broken.db');
    await makeLedgerFile(broken, 10);
    const db = new Database(broken);
    db.exec('DROP TRIGGER events_no_update');
    const row = db
      .prepare(
        "SELECT global_position AS p FROM events WHERE stream_id LIKE 'transmission-%' AND global_position > 5 ORDER BY 1 LIMIT 1",
      )
      .get() as { p: number };
    db.prepare("UPDATE events SET data = 'not json' WHERE global_position = ?").run(row.p);
    db.close();
    const target = join(dir, 'copy.db');
    const run = await runGtx([
      'ledger',
      'copy',
      '--from',
      broken,
      '--to',
      target,
      '--page-size',
      '1',
    ]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('cannot be read');
    expect(run.stderr).toContain(`position ${row.p}`);
    expect((await headOf(target)).position).toBe(row.p - 1);
  });

  it('refuses the same ledger on both sides and a source that does not exist', async () => {
    const same = await runGtx(['ledger', 'copy', '--from', source, '--to', source]);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('LEDGER_COPY_SAME_LEDGER');
    const missing = join(testDir('gtx-copy-missing-'), 'nothing.db');
    const run = await runGtx(['ledger', 'copy', '--from', missing, '--to', `${missing}.copy`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('LEDGER_NOT_FOUND');
  });

  it('carries the guest keys: sealed content of the copy opens with the same master key', async () => {
    const dir = testDir('gtx-copy-keys-');
    const env = { GTX_LEDGER: join(dir, 'source.db'), GTX_MASTER_KEY: MASTER_KEY };
    const sent = await runGtx(
      ['send', '--sandbox', '--guest', 'guest-ada', '--id', 'k1', '--text', 'copy me, sealed'],
      env,
    );
    expect(sent.code).toBe(0);
    const target = join(dir, 'copy.db');
    const run = await runGtx(
      ['ledger', 'copy', '--from', env.GTX_LEDGER, '--to', target, '--json'],
      env,
    );
    expect(run.code).toBe(0);
    expect(summaryOf(run.stdout)).toMatchObject({ guestKeys: 1 });
    const out = join(dir, 'revealed.ndjson');
    const revealed = await runGtx(
      ['audit', 'export', '--reveal', '--ledger', target, '--out', out],
      { GTX_MASTER_KEY: MASTER_KEY },
    );
    expect(revealed.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('copy me, sealed');
  });
});
