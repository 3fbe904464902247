import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { runGtx } from '../support/cli-harness.js';
import { postgresTestSchema, requirePostgres } from '../support/postgres.js';
import { paced } from '../support/sandbox-harness.js';

const PACE = paced();
const INTEGRATION = 'integration-1';
let dir: string;
let sandbox: RunningSandbox;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gtx-dead-letters-'));
  sandbox = await startSandbox({ integrationIds: [INTEGRATION], ...PACE.sandbox });
  env = {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: 'sandbox-client',
    GENESYS_CLIENT_SECRET: 'sandbox-secret',
    GENESYS_INTEGRATION_ID: INTEGRATION,
    GTX_LEDGER: join(dir, 'ledger.db'),
    USER: 'ops-anna',
    ...PACE.env,
    GTX_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every copy of `messageId` the sandbox accepted (a refused request is not one). */
const copiesOf = (messageId: string): number =>
  sandbox.arrivals().filter((copy) => copy.messageId === messageId).length;

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function deadLetter(commandId: string, guest: string): Promise<void> {
  sandbox.script([
    { answer: { kind: 'status', status: 400, body: { message: 'integration disabled' } } },
  ]);
  const sent = await runGtx(['send', '--guest', guest, '--id', commandId, '--text', 'x'], env);
  expect(sent.code).toBe(3);
}

describe('gtx dead-letters', () => {
  it('lists a permanent failure, re-drives it once with the same messageId, and delivers it', async () => {
    await deadLetter('dl-1', 'guest-dl-1');
    expect(copiesOf('dl-1')).toBe(0);

    const listed = await runGtx(['dead-letters', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(jsonLines(listed.stdout)).toEqual([
      expect.objectContaining({
        commandId: 'dl-1',
        reason: 'permanentFailure',
        attempts: 1,
        lastFailure: { kind: 'permanent', status: 400, code: 'HTTP_400' },
        redrives: 0,
      }),
    ]);
    expect(listed.stdout).not.toContain('integration disabled');

    const table = await runGtx(['dead-letters', 'list', '--code', 'permanentFailure'], env);
    expect(table.stdout).toMatch(/COMMAND ID.*\n.*dl-1 +message +guest-dl-1 +permanentFailure/);

    const redriven = await runGtx(
      ['dead-letters', 'redrive', 'dl-1', '--reason', 'integration re-enabled', '--json'],
      env,
    );
    expect(redriven.stderr).toBe('');
    expect(redriven.code).toBe(0);
    expect(jsonLines(redriven.stdout)).toEqual([
      {
        commandId: 'dl-1',
        redriveId: 'dead-letter-1',
        status: 'redriven',
        previousReason: 'permanentFailure',
      },
      expect.objectContaining({ commandId: 'dl-1', status: 'delivered', attempts: 2 }),
    ]);
    // The same channel.messageId as the first attempt, so Genesys can tell a resend.
    expect(sandbox.received().filter((r) => r.messageId === 'dl-1')).toHaveLength(1);
    expect(copiesOf('dl-1')).toBe(1);

    const status = await runGtx(['status', 'dl-1', '--json'], env);
    const events = (JSON.parse(status.stdout) as { events: { type: string; data: unknown }[] })
      .events;
    expect(events.map((e) => e.type)).toEqual([
      'TransmissionRequested',
      'TransmissionAttemptStarted',
      'TransmissionAttemptFailed',
      'TransmissionDeadLettered',
      'TransmissionRedriven',
      'TransmissionAttemptStarted',
      'TransmissionDelivered',
    ]);
    expect(events[4]?.data).toMatchObject({
      reason: 'integration re-enabled',
      operator: 'ops-anna',
      previousReason: 'permanentFailure',
      attemptsBefore: 1,
    });
    expect((await runGtx(['dead-letters', 'list', '--json'], env)).stdout).toBe('');
    // The redrive is one more link of the chain: the ledger still verifies, and exports it.
    const verified = await runGtx(['audit', 'verify'], env);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    const exported = await runGtx(
      ['audit', 'export', '--type', 'TransmissionRedriven', '--out', join(dir, 'redrives.ndjson')],
      env,
    );
    expect(exported.code).toBe(0);
    expect(readFileSync(join(dir, 'redrives.ndjson'), 'utf8')).toContain('"operator":"ops-anna"');
  });

  it('re-driving the same dead letter again sends nothing; a new redrive of a delivered one is refused', async () => {
    await deadLetter('dl-2', 'guest-dl-2');
    const first = await runGtx(
      ['dead-letters', 'redrive', 'dl-2', '--reason', 'fixed', '--redrive-id', 'ticket-9'],
      env,
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('re-opened dl-2 (was permanentFailure; redrive id ticket-9)');
    expect(first.stdout).toContain('delivered dl-2');
    const again = await runGtx(
      ['dead-letters', 'redrive', 'dl-2', '--reason', 'fixed', '--redrive-id', 'ticket-9'],
      env,
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already re-driven dl-2');
    expect(again.stdout).toContain('delivered dl-2');
    const other = await runGtx(['dead-letters', 'redrive', 'dl-2', '--reason', 'again'], env);
    expect(other.code).toBe(10);
    expect(other.stdout).toContain('REDRIVE_NOT_ALLOWED');
    expect(other.stdout).toContain('delivered');
    expect(copiesOf('dl-2')).toBe(1);
  });

  it('refuses to re-drive a command the policies rejected, exit 10, sending nothing', async () => {
    const sent = await runGtx(
      [
        'send',
        '--guest',
        'guest-dl-3',
        '--id',
        'dl-3',
        '--text',
        'x',
        '--attachment',
        'https://f.example.com/x.pdf,application/pdf,x.pdf,30000000',
      ],
      env,
    );
    expect(sent.code).toBe(2);
    const before = sandbox.stats().requestsByEndpoint.message;
    const run = await runGtx(['dead-letters', 'redrive', 'dl-3', '--reason', 'try anyway'], env);
    expect(run.code).toBe(10);
    expect(run.stdout).toContain('refused dl-3: REDRIVE_NOT_ALLOWED');
    expect(run.stdout).toContain('the policies rejected it');
    expect(sandbox.stats().requestsByEndpoint.message).toBe(before);
  });

  it('--all --no-wait re-opens the matching dead letters and leaves their delivery to a worker', async () => {
    await deadLetter('dl-4', 'guest-dl-4');
    const run = await runGtx(
      ['dead-letters', 'redrive', '--all', '--code', 'permanentFailure', '--reason', 'batch'],
      { ...env, USER: '' },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--operator is required');
    const noWait = await runGtx(
      [
        'dead-letters',
        'redrive',
        '--all',
        '--code',
        'permanentFailure',
        '--reason',
        'batch',
        '--operator',
        'ops-ben',
        '--no-wait',
      ],
      env,
    );
    expect(noWait.code).toBe(0);
    expect(noWait.stdout.trim()).toBe(
      're-opened dl-4 (was permanentFailure; redrive id dead-letter-1)',
    );
    const status = await runGtx(['status', 'dl-4', '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'pending' });
    expect(copiesOf('dl-4')).toBe(0);
  });

  it('checks its options before touching anything', async () => {
    const cases: [string[], string][] = [
      [['dead-letters', 'list', '--since', 'yesterday'], 'REDRIVE_INPUT_INVALID: --since'],
      [['dead-letters', 'redrive', '--reason', 'x'], 'give the command ids, or --all'],
      [['dead-letters', 'redrive', 'a', '--all', '--reason', 'x'], 'not both'],
      [['dead-letters', 'redrive', 'a', '--code', 'c', '--reason', 'x'], '--code goes with --all'],
      [['dead-letters', 'redrive', 'dl-1', '--reason', ' '], 'REDRIVE_INPUT_INVALID: reason'],
    ];
    for (const [argv, message] of cases) {
      const run = await runGtx(argv, env);
      expect(run.code, argv.join(' ')).toBe(1);
      expect(run.stderr + run.stdout, argv.join(' ')).toContain(message);
    }
    const missing = await runGtx(['dead-letters', 'redrive', 'dl-1'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--reason <text>'");
  });
});

describe('gtx dead-letters on a PostgreSQL ledger', () => {
  const schema = postgresTestSchema();
  let pgEnv: Record<string, string>;
  beforeAll(async () => {
    await requirePostgres();
    pgEnv = { ...env, GTX_LEDGER: `${schema.url}?schema=${schema.schema}` };
  });
  afterAll(async () => {
    await schema.drop();
  });

  it('lists and re-drives a dead letter from the projection there, delivering it once', async () => {
    sandbox.script([{ answer: { kind: 'status', status: 400 } }]);
    const sent = await runGtx(
      ['send', '--guest', 'guest-pg', '--id', 'dl-pg', '--text', 'x'],
      pgEnv,
    );
    expect(sent.code).toBe(3);
    const listed = await runGtx(['dead-letters', 'list', '--json', '--code', 'HTTP_400'], pgEnv);
    expect(jsonLines(listed.stdout)).toEqual([
      expect.objectContaining({ commandId: 'dl-pg', reason: 'permanentFailure' }),
    ]);
    const redriven = await runGtx(['dead-letters', 'redrive', '--all', '--reason', 'fixed'], pgEnv);
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toContain('re-opened dl-pg');
    expect(redriven.stdout).toContain('delivered dl-pg');
    expect(copiesOf('dl-pg')).toBe(1);
    expect((await runGtx(['dead-letters', 'list', '--json'], pgEnv)).stdout).toBe('');
  });
});
