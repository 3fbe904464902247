/**
 * What a new user meets in the first hour (issue 13): batches that can be sent twice safely,
 * reused ids refused, a lost master key not replaced, every configuration problem in one run,
 * and each error printed once.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { runGtx } from '../support/cli-harness.js';
import { paced, sandboxWith } from '../support/sandbox-harness.js';
import { testDir } from '../support/test-dir.js';

interface Batch {
  readonly sandbox: RunningSandbox;
  readonly env: Record<string, string>;
  readonly dir: string;
}

async function batchSetup(): Promise<Batch> {
  const dir = testDir('gtx-first-hour-');
  // The sandbox enforces the client's pace and serves only the integration it is told of.
  const pace = paced({ perMinute: 60_000, burst: 4 });
  const sandbox = await sandboxWith({ ...pace.sandbox, integrationIds: ['integration-1'] });
  return {
    sandbox,
    dir,
    env: {
      GENESYS_API_URL: sandbox.url,
      GENESYS_CLIENT_ID: 'sandbox-client',
      GENESYS_CLIENT_SECRET: 'sandbox-secret',
      GENESYS_INTEGRATION_ID: 'integration-1',
      GTX_LEDGER: join(dir, 'ledger.db'),
      ...pace.env,
      GTX_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    },
  };
}

const line = (text: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ guest: { id: 'guest-batch' }, text, ...extra });

interface JsonSummary {
  readonly delivered: number;
  readonly duplicates: number;
  readonly refused: number;
  readonly batchId?: string;
  readonly results: { line: number; status: string; commandId?: string; duplicate?: boolean }[];
}

describe('batch ids', () => {
  it('the same file sent twice sends nothing twice: default ids come from its hash and line', async () => {
    const { sandbox, env, dir } = await batchSetup();
    const file = join(dir, 'batch.ndjson');
    writeFileSync(file, [line('one'), line('two'), '', line('three')].join('\n'));
    const first = await runGtx(['send', '--file', file, '--json'], env);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as JsonSummary;
    expect(summary.batchId).toMatch(/^batch-[0-9a-f]{16}$/);
    expect(summary.results.map((r) => [r.line, r.status, r.commandId])).toEqual([
      [1, 'delivered', `${summary.batchId}-1`],
      [2, 'delivered', `${summary.batchId}-2`],
      [3, 'blank', undefined],
      [4, 'delivered', `${summary.batchId}-4`],
    ]);
    const sent = sandbox.stats().requestsByEndpoint.message;

    const again = await runGtx(['send', '--file', file], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('4 lines: 3 delivered');
    expect(again.stdout).toContain('3 commands already in the ledger: nothing sent again');
    expect(sandbox.stats().requestsByEndpoint.message).toBe(sent);

    const random = await runGtx(['send', '--file', file, '--random-ids', '--json'], env);
    expect((JSON.parse(random.stdout) as JsonSummary).duplicates).toBe(0);
    expect(sandbox.stats().requestsByEndpoint.message).toBe(sent + 3);
  });

  it('--batch-id names the ids; standard input needs one', async () => {
    const { env } = await batchSetup();
    const text = `${line('from stdin')}\n${line('second')}\n`;
    const refused = await runGtx(['send', '--file', '-'], env, process.cwd(), text);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--file - needs --batch-id NAME (or --random-ids)');

    const run = await runGtx(
      ['send', '--file', '-', '--batch-id', 'import-7', '--json'],
      env,
      process.cwd(),
      text,
    );
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as JsonSummary;
    expect(summary.results.map((r) => r.commandId)).toEqual(['import-7-1', 'import-7-2']);
    const status = await runGtx(['status', 'import-7-2'], env);
    expect(status.stdout).toContain('import-7-2: delivered');
  });

  it('a line reusing an id for other content is refused, exit 6, and the rest still go, in line order', async () => {
    const { sandbox, env, dir } = await batchSetup();
    expect(
      (await runGtx(['send', '--guest', 'guest-batch', '--id', 'x-1', '--text', 'a'], env)).code,
    ).toBe(0);
    const file = join(dir, 'reuse.ndjson');
    writeFileSync(
      file,
      [
        line('b', { id: 'x-1' }),
        line('fine'),
        '{oops',
        line('a', { id: 'x-1' }),
        line('', { id: 'empty' }),
      ].join('\n'),
    );
    const before = sandbox.stats().requestsByEndpoint.message;
    const run = await runGtx(['send', '--file', file], env);
    expect(run.code).toBe(6);
    const numbered = run.stderr
      .split('\n')
      .filter((text) => text.startsWith('line '))
      .map((text) => Number(/^line (\d+)/.exec(text)?.[1]));
    expect(numbered).toEqual([...numbered].sort((a, b) => a - b));
    expect(run.stderr).toContain('line 1: refused: COMMAND_ID_REUSED');
    expect(run.stderr).toContain('line 3: not a command: not JSON');
    expect(run.stderr).toContain('line 5: rejected empty');
    expect(run.stdout).toContain(
      '5 lines: 2 delivered, 1 rejected, 0 dead-lettered, 1 refused (id already used for another command), 1 bad line',
    );
    expect(run.stdout).toContain('violations in the rejected commands: MESSAGE_EMPTY 1');
    expect(sandbox.stats().requestsByEndpoint.message).toBe(before + 1);
  });
});

describe('the master key', () => {
  it('is never replaced for a ledger that holds guest keys: MASTER_KEY_MISSING says how to restore it', async () => {
    const dir = testDir('gtx-key-');
    const env = { GTX_LEDGER: join(dir, 'ledger.db') };
    const first = await runGtx(['send', '--sandbox', '--guest', 'g', '--text', 'hi'], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('created master key file');
    const keyFile = join(dir, 'ledger.db.key');
    const moved = join(dir, 'moved.key');
    renameSync(keyFile, moved);

    const lost = await runGtx(['send', '--sandbox', '--guest', 'g', '--text', 'again'], env);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain('MASTER_KEY_MISSING');
    expect(lost.stderr).toContain(`restore ${keyFile} from your backup`);
    expect(lost.stderr).toContain('GTX_MASTER_KEY_FILE');
    expect(existsSync(keyFile)).toBe(false);

    const restored = await runGtx(['send', '--sandbox', '--guest', 'g', '--text', 'again'], {
      ...env,
      GTX_MASTER_KEY_FILE: moved,
    });
    expect(restored.code).toBe(0);
    expect(existsSync(keyFile)).toBe(false);
  });
});

describe('errors', () => {
  it('names every configuration problem in one run', async () => {
    const run = await runGtx(['send', '--guest', 'g', '--text', 'x'], {
      GTX_LOG_LEVEL: 'verbose',
      GENESYS_ENVIRONMENT: 'mypurecloud.xx',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('gtx: CONFIG_INVALID: 5 settings need fixing:');
    for (const expected of [
      'GTX_LOG_LEVEL must be one of error, warn, info, debug, silent (got "verbose")',
      'GENESYS_ENVIRONMENT is not a Genesys Cloud region host (got "mypurecloud.xx"; did you mean',
      'GENESYS_CLIENT_ID is required',
      'GENESYS_CLIENT_SECRET is required',
      'GENESYS_INTEGRATION_ID is required',
    ]) {
      expect(run.stderr).toContain(expected);
    }
  });

  it('prints a failed login once at the default log level, not as a log line too', async () => {
    const dir = testDir('gtx-login-');
    const sandbox = await sandboxWith();
    const url = sandbox.url;
    await sandbox.close();
    const run = await runGtx(['send', '--guest', 'g', '--text', 'x'], {
      GTX_LOG_LEVEL: 'warn',
      GENESYS_API_URL: url,
      GENESYS_CLIENT_ID: 'c',
      GENESYS_CLIENT_SECRET: 's',
      GENESYS_INTEGRATION_ID: 'i',
      GTX_LEDGER: join(dir, 'ledger.db'),
      GTX_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^gtx: GENESYS_LOGIN_FAILED: /),
    ]);
  });
});
