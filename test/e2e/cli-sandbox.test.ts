/**
 * `gtx sandbox` as a process: it serves only the integrations it was given, answers a wrong
 * Content-Type with 415 and an unknown integration with 404, both in Genesys' error body, and
 * every answer carries the per-token window's `inin-ratelimit-*` headers.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI_MAIN, sleep, spawnTs } from '../reliability/support/reliability-kit.js';
import { SANDBOX_BASIC_AUTH } from '../support/sandbox-harness.js';

interface Printed {
  readonly url: string;
  readonly GENESYS_INTEGRATION_ID: string;
}

async function startGtxSandbox(args: readonly string[]): Promise<Printed> {
  const run = spawnTs(CLI_MAIN, ['sandbox', '--port', '0', '--json', ...args], {
    GTX_LOG_LEVEL: 'silent',
  });
  onTestFinished(async () => {
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
  const state: { exited: number | string | null } = { exited: null };
  void run.exited.then((code) => (state.exited = code));
  for (let i = 0; i < 400 && !run.stdout().includes('\n'); i++) {
    if (state.exited !== null) {
      throw new Error(`gtx sandbox exited ${String(state.exited)}: ${run.stderr()}`);
    }
    await sleep(50);
  }
  const first = run.stdout();
  return JSON.parse(first.split('\n')[0] ?? '') as Printed;
}

async function bearer(url: string): Promise<string> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: SANDBOX_BASIC_AUTH,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

const MESSAGE = JSON.stringify({
  channel: { from: { id: 'guest-a', idType: 'Opaque' }, time: '2026-11-28T10:00:00Z' },
  text: 'hello',
});

describe('gtx sandbox', () => {
  it('serves only the integrations it was given, as strictly as Genesys', async () => {
    const sandbox = await startGtxSandbox(['--integration-id', 'my-integration', 'second']);
    expect(sandbox.GENESYS_INTEGRATION_ID).toBe('my-integration');
    const token = await bearer(sandbox.url);
    const post = (integration: string, contentType: string) =>
      fetch(`${sandbox.url}/api/v2/conversations/messages/${integration}/inbound/open/message`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body: MESSAGE,
      });

    const answers = [
      await post('my-integration', 'application/json'),
      await post('second', 'application/json'),
      await post('other', 'application/json'),
      await post('my-integration', 'text/plain'),
    ];

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 404, 415]);
    expect(await answers[2]?.json()).toMatchObject({
      code: 'not.found',
      status: 404,
      messageParams: { integrationId: 'other' },
    });
    expect(await answers[3]?.json()).toMatchObject({ code: 'unsupported.media.type' });
    expect(answers.map((answer) => answer.headers.get('inin-ratelimit-count'))).toEqual([
      '1',
      '2',
      '3',
      '4',
    ]);
    expect(answers.every((answer) => answer.headers.get('inin-ratelimit-allowed') === '300')).toBe(
      true,
    );
  }, 60_000);

  it('serves sandbox-integration when not told otherwise', async () => {
    const sandbox = await startGtxSandbox([]);
    expect(sandbox.GENESYS_INTEGRATION_ID).toBe('sandbox-integration');
  }, 60_000);
});
