import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { runGtx } from '../support/cli-harness.js';
import { paced } from '../support/sandbox-harness.js';

/** A handful of messages: Genesys' own rate, which the sandbox enforces. */
const PACE = paced();
const INTEGRATION = 'integration-1';
let dir: string;
let sandbox: RunningSandbox;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gtx-cli-'));
  sandbox = await startSandbox({ integrationIds: [INTEGRATION], ...PACE.sandbox });
  env = {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: 'sandbox-client',
    GENESYS_CLIENT_SECRET: 'sandbox-secret',
    GENESYS_INTEGRATION_ID: INTEGRATION,
    GTX_LEDGER: join(dir, 'ledger.db'),
    ...PACE.env,
    GTX_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gtx send and gtx status', () => {
  it('delivers one message with an attachment and metadata, exit 0, and status shows its events', async () => {
    const run = await runGtx(
      [
        'send',
        '--guest',
        'guest-cli-1',
        '--id',
        'cli-1',
        '--text',
        'hello from the CLI',
        '--attachment',
        'https://files.example.com/a,b.png,image/png,a.png,2048',
        '--metadata',
        'orderId=42',
        '--json',
      ],
      env,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'delivered',
      commandId: 'cli-1',
      attempts: 1,
    });
    const received = sandbox.received().find((r) => r.messageId === 'cli-1');
    expect(received?.body).toMatchObject({
      text: 'hello from the CLI',
      metadata: { orderId: '42' },
      content: [
        {
          attachment: {
            url: 'https://files.example.com/a,b.png',
            mime: 'image/png',
            mediaType: 'Image',
          },
        },
      ],
    });
    const status = await runGtx(['status', 'cli-1'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('TransmissionDelivered');
    expect(status.stdout).not.toContain('hello from the CLI');
  });

  it('sending the same command again sends nothing and reports the recorded outcome', async () => {
    const before = sandbox.stats().accepted;
    const run = await runGtx(
      [
        'send',
        '--guest',
        'guest-cli-1',
        '--id',
        'cli-1',
        '--text',
        'hello from the CLI',
        '--attachment',
        'https://files.example.com/a,b.png,image/png,a.png,2048',
        '--metadata',
        'orderId=42',
      ],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('already in the ledger');
    expect(run.stdout).toContain('details: gtx status cli-1');
    expect(sandbox.stats().accepted).toBe(before);
  });

  it('refuses the id of a recorded command for other content, exit 6, nothing sent', async () => {
    const before = sandbox.stats().requestsByEndpoint.message;
    const run = await runGtx(
      ['send', '--guest', 'guest-cli-1', '--id', 'cli-1', '--text', 'changed'],
      env,
    );
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('COMMAND_ID_REUSED');
    expect(run.stderr).toContain('(content differs)');
    expect(run.stderr).not.toContain('changed');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(sandbox.stats().requestsByEndpoint.message).toBe(before);
  });

  it('rejects an oversized attachment before any network call, exit 2', async () => {
    const before = sandbox.stats().requestsByEndpoint.message;
    const run = await runGtx(
      [
        'send',
        '--guest',
        'g2',
        '--id',
        'cli-big',
        '--text',
        'x',
        '--attachment',
        'https://f.example.com/x.pdf,application/pdf,x.pdf,30000000',
      ],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('ATTACHMENT_TOO_LARGE');
    expect(sandbox.stats().requestsByEndpoint.message).toBe(before);
  });

  it('dead-letters a 400 without retrying it, exit 3, with the Genesys message', async () => {
    sandbox.script([
      {
        answer: {
          kind: 'status',
          status: 400,
          body: { message: 'no such integration', code: 'bad.request', status: 400 },
        },
      },
    ]);
    const run = await runGtx(['send', '--guest', 'g3', '--id', 'cli-400', '--text', 'x'], env);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('permanentFailure');
    expect(run.stdout).toContain('no such integration');
    const status = await runGtx(['status', 'cli-400', '--json'], env);
    const events = (JSON.parse(status.stdout) as { events: { type: string }[] }).events;
    expect(events.filter((e) => e.type === 'TransmissionAttemptStarted')).toHaveLength(1);
  });

  it('exits 4 with one line when Genesys refuses the credentials', async () => {
    const run = await runGtx(['send', '--guest', 'g4', '--text', 'x'], {
      ...env,
      GENESYS_CLIENT_SECRET: 'wrong',
    });
    expect(run.code).toBe(4);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('GENESYS_AUTH_FAILED');
    expect(run.stderr).not.toContain('wrong');
  });

  it('exits 1 naming a bad setting, and naming missing credentials', async () => {
    const bad = await runGtx(['send', '--guest', 'g', '--text', 'x'], {
      ...env,
      GTX_RATE_LIMIT_PER_MINUTE: 'fast',
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('GTX_RATE_LIMIT_PER_MINUTE');
    const missing = await runGtx(['send', '--guest', 'g', '--text', 'x'], {
      GTX_LEDGER: env.GTX_LEDGER,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('GENESYS_CLIENT_ID is required');
  });

  it('sends a batch file: a broken line is reported by number and the rest still go', async () => {
    const file = join(dir, 'batch.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ id: 'batch-1', guest: { id: 'gb' }, text: 'one' }),
        '{"id": "batch-2", "guest": ',
        JSON.stringify({
          id: 'batch-3',
          guest: { id: 'gb' },
          text: 'three',
          attachments: [
            {
              url: 'https://x.example.com/a.pdf',
              mime: 'application/pdf',
              filename: 'a.pdf',
              sizeBytes: 10,
            },
          ],
        }),
        JSON.stringify({ id: 'batch-4', guest: { id: 'gb' }, texte: 'typo' }),
        JSON.stringify({ id: 'batch-5', guest: { id: 'gb' }, text: '' }),
        '',
        JSON.stringify({ id: 'batch-6', guest: { id: 'gb2', idType: 'Phone' }, text: 'six' }),
      ].join('\n'),
    );
    const run = await runGtx(['send', '--file', file, '--json'], env);
    expect(run.code).toBe(2);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ delivered: 2, rejected: 2, badLines: 2, total: 6 });
    expect((summary.badLineDetails as { line: number }[]).map((b) => b.line)).toEqual([2, 4]);
    const human = await runGtx(['send', '--file', file], env);
    expect(human.stderr).toContain('line 2: not a command: not JSON');
    expect(human.stderr).toContain('line 4: not a command');
    expect(human.stderr).toContain('line 6: blank, skipped');
    expect(sandbox.stats().rateLimitedByWindow).toBe(0);
  });

  it('status of an unknown command exits 1', async () => {
    const run = await runGtx(['status', 'nope'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('COMMAND_NOT_FOUND');
  });
});

describe('the main job', () => {
  it('npm start (gtx demo) runs against the built-in sandbox and exits 0 with a report', () => {
    const result = spawnSync(
      'npx',
      ['tsx', 'src/cli.ts', 'demo', '--ledger', join(dir, 'demo.db')],
      {
        cwd: process.cwd(),
        encoding: 'utf8',
        env: { ...process.env, GTX_LOG_LEVEL: 'warn', GTX_MASTER_KEY: env.GTX_MASTER_KEY },
        timeout: 90_000,
      },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('delivery report');
    expect(result.stdout).toMatch(/delivered\s+\d+/);
    // The demo runs with the tutorial's policy, so its sample set still shows these refusals.
    expect(result.stdout).toContain('CONTENT_BLOCKED 1');
    expect(result.stdout).toContain('ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED 1');
    expect(result.stdout).toContain(`ledger: ${join(dir, 'demo.db')}`);
  }, 120_000);
});
