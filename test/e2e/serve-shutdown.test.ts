import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { readLedger as ledgerEvents } from '../reliability/support/reliability-kit.js';
import { paced, type PacedRun } from '../support/sandbox-harness.js';
import { testDir } from '../support/test-dir.js';

const ROOT = join(import.meta.dirname, '../..');
const KEY = 'e2e-key-0123456789abcdef';
const FINAL = new Set([
  'TransmissionDelivered',
  'TransmissionRejected',
  'TransmissionDeadLettered',
]);

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/**
 * `gtx serve` in its own process. Node runs the TypeScript through tsx's loader directly: `npx`
 * (npm exec) does not pass SIGTERM on to its grandchild, which is what this test is about.
 */
function startServer(args: string[], env: Record<string, string>): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'serve', '--port', '0', ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', GTX_LOG_LEVEL: 'warn', GTX_API_KEYS: KEY, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1] !== undefined) resolve({ child, url: match[1], exited, stderr: () => stderr });
    });
    void exited.then((code) => {
      reject(new Error(`gtx serve exited with ${code}: ${stderr}`));
    });
  });
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** GET on the service with the API key. */
function get(url: string, path: string): Promise<Response> {
  return fetch(`${url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
}

/** Asks `done` up to `tries` times, `intervalMs` apart; the assertions after it check the outcome. */
async function poll(
  tries: number,
  intervalMs: number,
  done: () => boolean | Promise<boolean>,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls the transmission's status until it is `status`. */
function statusReaches(url: string, id: string, status: string): Promise<void> {
  return poll(200, 25, async () => {
    const body = (await (await get(url, `/v1/messages/${id}`)).json()) as { status: string };
    return body.status === status;
  });
}

/** A sandbox serving the service's integration, its per-token limit on at the service's pace. */
async function sandboxFor(dir: string, pace: PacedRun, options: SandboxOptions) {
  const sandbox: RunningSandbox = await startSandbox({
    integrationIds: ['e2e-integration'],
    ...pace.sandbox,
    ...options,
  });
  onTestFinished(() => sandbox.close());
  const env = {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: 'sandbox-client',
    GENESYS_CLIENT_SECRET: 'sandbox-secret',
    GENESYS_INTEGRATION_ID: 'e2e-integration',
    GTX_LEDGER: join(dir, 'ledger.db'),
    ...pace.env,
    GTX_CONCURRENCY: '16',
  };
  return { sandbox, env };
}

describe('gtx serve as a process', () => {
  it('SIGTERM during load loses nothing: after a restart every accepted command is final exactly once', async () => {
    const dir = testDir('gtx-serve-e2e-');
    // Slow answers keep attempts in flight when the signal arrives; the short drain aborts them.
    // Hundreds of commands, most delivered by the restarted server: 6,000 a minute.
    const { sandbox, env } = await sandboxFor(dir, paced({ perMinute: 6_000 }), {
      faults: { slow: 0.3, slowMs: 400 },
      seed: 3,
    });
    const first = await startServer([], { ...env, GTX_SHUTDOWN_TIMEOUT_MS: '100' });

    const accepted = new Set<string>();
    let refused = 0;
    let signalled = false;
    const load = Array.from({ length: 8 }, async (_, worker) => {
      for (let batch = 0; batch < 200; batch++) {
        const ids = Array.from({ length: 20 }, (_, i) => `w${worker}-b${batch}-${i}`);
        let response: Response;
        try {
          response = await post(
            first.url,
            ids.map((id, i) => ({ id, guest: { id: `guest-${worker}-${i % 5}` }, text: id })),
          );
        } catch {
          refused += 1; // the listener is closed: not accepted
          return;
        }
        if (response.status === 202) for (const id of ids) accepted.add(id);
        else {
          expect(response.status).toBe(503);
          expect(signalled).toBe(true);
          refused += 1;
          return;
        }
        if (worker === 0 && batch === 5) {
          signalled = true;
          first.child.kill('SIGTERM');
        }
      }
    });
    await Promise.all(load);
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toContain('gtx serve: stopped');
    expect(accepted.size).toBeGreaterThanOrEqual(120);
    expect(refused).toBeGreaterThan(0);

    const before = await ledgerEvents(env.GTX_LEDGER);
    const finalBefore = new Set(before.filter((e) => FINAL.has(e.type)).map((e) => e.streamId));
    const open = [...accepted].filter((id) => !finalBefore.has(`transmission-${id}`));

    const second = await startServer([], env);
    await poll(600, 100, async () =>
      /^gtx_pending_transmissions 0$/m.test(await (await get(second.url, '/metrics')).text()),
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const events = await ledgerEvents(env.GTX_LEDGER);
    const finals = new Map<string, number>();
    for (const event of events) {
      if (FINAL.has(event.type)) finals.set(event.streamId, (finals.get(event.streamId) ?? 0) + 1);
    }
    const requested = new Set(
      events.filter((e) => e.type === 'TransmissionRequested').map((e) => e.streamId),
    );
    for (const id of accepted) {
      expect(requested.has(`transmission-${id}`)).toBe(true);
      expect(finals.get(`transmission-${id}`)).toBe(1);
    }
    // Nothing in the ledger was left open, and nothing is final twice.
    expect([...requested].every((stream) => finals.get(stream) === 1)).toBe(true);
    expect(events.filter((e) => e.type === 'TransmissionDelivered')).toHaveLength(requested.size);
    // The restart had work to resume: the drain timeout cut some attempts short.
    expect(open.length).toBeGreaterThan(0);
    expect(sandbox.stats().rateLimitedByWindow).toBe(0);
  }, 120_000);

  it('a second signal while draining exits at once', async () => {
    const dir = testDir('gtx-serve-e2e-');
    const { env } = await sandboxFor(dir, paced(), { faults: { slow: 1, slowMs: 20_000 } });
    const server = await startServer([], { ...env, GTX_SHUTDOWN_TIMEOUT_MS: '60000' });
    const response = await post(server.url, [{ id: 'stuck', guest: { id: 'g' }, text: 'x' }]);
    expect(response.status).toBe(202);
    // Wait until the attempt is in flight (started, no answer).
    await statusReaches(server.url, 'stuck', 'inFlight');
    server.child.kill('SIGTERM');
    await poll(200, 25, () => server.stderr().includes('draining'));
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(130);
    expect(server.stderr()).toContain('SIGINT again: exiting now');
    const events = await ledgerEvents(env.GTX_LEDGER);
    expect(events.map((e) => e.type)).toEqual([
      'TransmissionRequested',
      'TransmissionAttemptStarted',
    ]);
  }, 60_000);

  it('serves with --sandbox in process and stops on SIGTERM with exit 0', async () => {
    const dir = testDir('gtx-serve-e2e-');
    const server = await startServer(['--sandbox', '--ledger', join(dir, 'ledger.db')], {});
    const response = await post(server.url, { id: 'sandboxed', guest: { id: 'g' }, text: 'hi' });
    expect(response.status).toBe(202);
    await statusReaches(server.url, 'sandboxed', 'delivered');
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const events = await ledgerEvents(join(dir, 'ledger.db'));
    expect(events.at(-1)?.type).toBe('TransmissionDelivered');
  }, 60_000);

  it('runs the analytics feed beside the service when ANALYTICS_WEBHOOK_URL is set', async () => {
    const dir = testDir('gtx-serve-e2e-');
    const received: { id: string; body: string }[] = [];
    let gone = false;
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          id: String(request.headers['webhook-id']),
          body: Buffer.concat(chunks).toString(),
        });
        response.writeHead(gone ? 410 : 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    onTestFinished(
      () =>
        new Promise<void>((resolve) =>
          receiver.close(() => {
            resolve();
          }),
        ),
    );
    const port = (receiver.address() as AddressInfo).port;
    const server = await startServer(['--sandbox', '--ledger', join(dir, 'ledger.db')], {
      ANALYTICS_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
      ANALYTICS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
    });
    expect(await post(server.url, { id: 'fed', guest: { id: 'g' }, text: 'hi' })).toHaveProperty(
      'status',
      202,
    );
    await poll(400, 25, () => received.some((r) => r.body.includes('TransmissionDelivered')));
    expect(received.some((r) => r.body.includes('TransmissionDelivered'))).toBe(true);
    const metrics = await (await get(server.url, '/metrics')).text();
    expect(metrics).toMatch(/^gtx_feed_lag_events \d+$/m);

    // A receiver that answers 410 disables the feed; readiness says so, sends go on.
    gone = true;
    expect(
      await post(server.url, { id: 'after-gone', guest: { id: 'g' }, text: 'hi' }),
    ).toHaveProperty('status', 202);
    let ready = await fetch(`${server.url}/readyz`);
    await poll(400, 25, async () => {
      ready = await fetch(`${server.url}/readyz`);
      return ready.status !== 200;
    });
    expect(ready.status).toBe(503);
    expect(await ready.text()).toContain('410');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const events = await ledgerEvents(join(dir, 'ledger.db'));
    expect(events.map((e) => e.type)).toContain('AnalyticsFeedDisabled');
  }, 60_000);
});
