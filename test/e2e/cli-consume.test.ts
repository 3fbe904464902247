/**
 * `gtx consume` and `gtx serve --consume`: a coded error and an exit code for each way start-up
 * fails (in-process), and real child processes that consume, then drain on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { EXIT } from '../../src/adapters/cli/exit-codes.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { CLI_MAIN, readLedger, spawnTs } from '../reliability/support/reliability-kit.js';
import { AMQP_URL, NATS_URL, createTestQueue, createTestStream } from '../support/brokers.js';
import { runGtx } from '../support/cli-harness.js';
import { countLedger, messageBody, waitUntil } from '../support/intake-kit.js';
import { paced, sandboxWith } from '../support/sandbox-harness.js';

// The sandbox enforces the client's pace per token, as Genesys does.
const PACE = paced({ perMinute: 60_000, burst: 8 });
import { testDir } from '../support/test-dir.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

/** A nats-server of the test's own that wants a user and password. */
async function natsServerWithAuth(): Promise<string> {
  const port = await closedPort();
  const child = spawn(
    'nats-server',
    ['-a', '127.0.0.1', '-p', String(port), '--user', 'gtx', '--pass', 'right-password'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.on('error', (error) => {
      reject(
        new Error(`this test needs the nats-server binary on PATH: ${error.message}`, {
          cause: error,
        }),
      );
    });
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server is ready')) resolve();
    });
  });
  return `127.0.0.1:${String(port)}`;
}

function consume(args: readonly string[]) {
  const ledger = join(testDir('gtx-consume-'), 'ledger.db');
  return runGtx(['consume', '--sandbox', '--ledger', ledger, ...args]);
}

describe('gtx consume: start-up errors', () => {
  it('names an unreachable broker: exit 7', async () => {
    const port = await closedPort();
    const run = await consume([
      '--from',
      `nats://someone:secret-pass@127.0.0.1:${String(port)}`,
      '--stream',
      'S',
      '--consumer',
      'C',
    ]);
    expect(run.code, run.stderr).toBe(EXIT.brokerUnavailable);
    expect(run.stderr).toMatch(
      /^gtx: BROKER_UNREACHABLE: cannot reach the broker at nats:\/\/127\.0\.0\.1:\d+/m,
    );
    expect(run.stderr).not.toContain('secret-pass');
    const amqp = await consume([
      '--from',
      `amqp://guest:guest@127.0.0.1:${String(port)}`,
      '--queue',
      'q',
    ]);
    expect(amqp.code, amqp.stderr).toBe(EXIT.brokerUnavailable);
    expect(amqp.stderr).toContain('BROKER_UNREACHABLE');
  });

  it('names refused credentials: exit 8, without the password', async () => {
    const wrong = new URL(AMQP_URL);
    wrong.password = 'not-the-password';
    const amqp = await consume(['--from', wrong.href, '--queue', 'any-queue']);
    expect(amqp.code, amqp.stderr).toBe(EXIT.brokerAuthFailed);
    expect(amqp.stderr).toContain('BROKER_AUTH_FAILED');
    expect(amqp.stderr).not.toContain('not-the-password');

    const server = await natsServerWithAuth();
    const nats = await consume([
      '--from',
      `nats://gtx:wrong-password@${server}`,
      '--stream',
      'S',
      '--consumer',
      'C',
    ]);
    expect(nats.code, nats.stderr).toBe(EXIT.brokerAuthFailed);
    expect(nats.stderr).toContain('BROKER_AUTH_FAILED');
    expect(nats.stderr).not.toContain('wrong-password');
  });

  it('names a missing stream or queue: exit 9', async () => {
    const nats = await consume([
      '--from',
      NATS_URL,
      '--stream',
      'GTX_NO_SUCH_STREAM',
      '--consumer',
      'C',
    ]);
    expect(nats.code, nats.stderr).toBe(EXIT.brokerNotFound);
    expect(nats.stderr).toContain(
      'BROKER_NOT_FOUND: the stream "GTX_NO_SUCH_STREAM" does not exist',
    );
    const amqp = await consume(['--from', AMQP_URL, '--queue', 'gtx-no-such-queue']);
    expect(amqp.code, amqp.stderr).toBe(EXIT.brokerNotFound);
    expect(amqp.stderr).toContain('the queue "gtx-no-such-queue" does not exist');
  });

  it('refuses options that cannot work: exit 1', async () => {
    const scheme = await consume(['--from', 'http://127.0.0.1:1', '--queue', 'q']);
    expect(scheme.code).toBe(EXIT.usage);
    expect(scheme.stderr).toContain(
      'INTAKE_OPTIONS_INVALID: from: must be a nats:// or amqp:// URL',
    );
    const mixed = await consume(['--from', AMQP_URL, '--queue', 'q', '--stream', 'S']);
    expect(mixed.code).toBe(EXIT.usage);
    expect(mixed.stderr).toContain('stream: is not used with an amqp:// source');
    const missing = await consume(['--from', NATS_URL, '--stream', 'S']);
    expect(missing.stderr).toContain('consumer: is required');
    const prefetch = await consume(['--from', AMQP_URL, '--queue', 'q', '--prefetch', '0']);
    expect(prefetch.code).toBe(EXIT.usage);
  });

  it('says what it guarantees in --help', async () => {
    const help = await runGtx(['consume', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('acknowledged only after its command is committed to the ledger');
    expect(help.stdout).toContain('dead-letter');
    expect(help.stdout).toMatch(/7 broker unreachable/);
  });
});

function realGenesysEnv(sandbox: RunningSandbox): Record<string, string> {
  return {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: 'sandbox-client',
    GENESYS_CLIENT_SECRET: 'sandbox-secret',
    GENESYS_INTEGRATION_ID: 'integration-consume',
    ...PACE.env,
    GTX_LOG_LEVEL: 'warn',
  };
}

describe('gtx consume in its own process', () => {
  it('records and delivers what it consumes, and drains on SIGTERM', async () => {
    const sandbox = await sandboxWith({
      port: 0,
      ...PACE.sandbox,
      integrationIds: ['integration-consume'],
    });
    const stream = await createTestStream();
    onTestFinished(() => stream.remove());
    for (let m = 0; m < 40; m++) await stream.publish(messageBody(m % 4, Math.floor(m / 4)));
    const ledger = join(testDir('gtx-consume-'), 'ledger.db');
    const child = spawnTs(
      CLI_MAIN,
      [
        'consume',
        '--from',
        NATS_URL,
        '--stream',
        stream.stream,
        '--consumer',
        stream.consumer,
        '--ledger',
        ledger,
      ],
      realGenesysEnv(sandbox),
    );
    onTestFinished(() => {
      if (child.child.exitCode === null) child.child.kill('SIGKILL');
    });
    await waitUntil(
      async () =>
        child.child.exitCode !== null ||
        countLedger(await readLedger(ledger)).delivered.size === 40,
      'forty commands delivered',
    );
    expect(child.stdout()).toContain(
      `gtx consume: consuming nats://127.0.0.1:4222 stream ${stream.stream}`,
    );
    child.child.kill('SIGTERM');
    expect(await child.exited, child.stderr()).toBe(0);
    expect(child.stdout()).toMatch(/gtx consume: stopped; received 40: 40 recorded/);
    expect(child.stderr()).toContain('SIGTERM: draining, then stopping');
    expect(await stream.consumerState()).toMatchObject({ pending: 0, ackFloor: 40 });
  });

  it('runs beside gtx serve with --consume', async () => {
    const sandbox = await sandboxWith({
      port: 0,
      ...PACE.sandbox,
      integrationIds: ['integration-consume'],
    });
    const queue = await createTestQueue();
    onTestFinished(() => queue.remove());
    for (let m = 0; m < 20; m++)
      await queue.publish(messageBody(m % 2, Math.floor(m / 2)), `serve-${String(m)}`);
    const ledger = join(testDir('gtx-serve-consume-'), 'ledger.db');
    const child = spawnTs(
      CLI_MAIN,
      [
        'serve',
        '--no-auth',
        '--port',
        '0',
        '--ledger',
        ledger,
        '--consume',
        AMQP_URL,
        '--queue',
        queue.queue,
      ],
      realGenesysEnv(sandbox),
    );
    onTestFinished(() => {
      if (child.child.exitCode === null) child.child.kill('SIGKILL');
    });
    await waitUntil(
      async () =>
        child.child.exitCode !== null ||
        countLedger(await readLedger(ledger)).delivered.size === 20,
      'twenty commands delivered',
    );
    expect(child.stdout()).toContain(
      `gtx serve: consuming amqp://127.0.0.1:5672 queue ${queue.queue}`,
    );
    const url = /listening on (http:\/\/\S+)/.exec(child.stdout())?.[1] ?? '';
    const status = await fetch(`${url}/v1/messages/${encodeURIComponent('c001-m003')}`);
    expect(status.status).toBe(200);
    child.child.kill('SIGTERM');
    expect(await child.exited, child.stderr()).toBe(0);
    expect(child.stdout()).toMatch(/intake stopped; received 20: 20 recorded/);
    expect(await queue.ready()).toBe(0);
  });
});
