/**
 * `gtx sandbox` as a process: it serves only the integrations it was given, answers a wrong
 * Content-Type with 415 and an unknown integration with 404, both in Genesys' error body, and
 * every answer carries the per-token window's `inin-ratelimit-*` headers.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { webhookReceiver } from '../support/webhook-receiver.js';
import { CLI_MAIN, sleep, spawnTs } from '../reliability/support/reliability-kit.js';
import { SANDBOX_BASIC_AUTH } from '../support/sandbox-harness.js';

interface Printed {
  readonly url: string;
  readonly GENESYS_INTEGRATION_ID: string;
  readonly outboundWebhookUrl?: string;
}

async function startGtxSandbox(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<Printed> {
  const run = spawnTs(CLI_MAIN, ['sandbox', '--port', '0', '--json', ...args], {
    GTX_LOG_LEVEL: 'silent',
    ...env,
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

  it('answers as an agent on the webhook its flags and environment name, signed with the secret', async () => {
    const receiver = await webhookReceiver();
    const secret = 'a-secret-from-the-environment';
    const sandbox = await startGtxSandbox(
      ['--agent-replies', '--agent-reply-delay', '0', '--agent-reply-as', 'Bot'],
      { GTX_SANDBOX_WEBHOOK_URL: receiver.url, GTX_SANDBOX_WEBHOOK_SECRET: secret },
    );
    expect(sandbox.outboundWebhookUrl).toBe(receiver.url);
    expect(JSON.stringify(sandbox)).not.toContain(secret);
    const token = await bearer(sandbox.url);

    const answer = await fetch(
      `${sandbox.url}/api/v2/conversations/messages/sandbox-integration/inbound/open/message`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: MESSAGE,
      },
    );
    expect(answer.status).toBe(200);
    for (let tries = 0; tries < 400 && receiver.received.length === 0; tries++) await sleep(25);

    const [webhook] = receiver.received;
    expect(webhook?.json).toMatchObject({
      type: 'Text',
      direction: 'Outbound',
      originatingEntity: 'Bot',
      channel: { to: { id: 'guest-a' } },
    });
    expect(webhook?.signature).toBe(
      `sha256=${createHmac('sha256', secret)
        .update(webhook?.raw ?? '')
        .digest('base64')}`,
    );
  }, 60_000);

  it('refuses a webhook secret of 15 characters or fewer, naming the flag', async () => {
    const run = spawnTs(
      CLI_MAIN,
      ['sandbox', '--port', '0', '--agent-replies', '--webhook-url', 'http://127.0.0.1:9/hook'],
      { GTX_LOG_LEVEL: 'silent', GTX_SANDBOX_WEBHOOK_SECRET: 'too-short' },
    );
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('--webhook-secret');
    expect(run.stderr()).toContain('longer than 15 characters');
    expect(run.stderr()).not.toContain('too-short');
  }, 60_000);
});
