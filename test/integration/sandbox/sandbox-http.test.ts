import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../../src/sandbox/index.js';
import type {
  ReceivedRequest,
  RunningSandbox,
  SandboxOptions,
  SandboxStats,
} from '../../../src/sandbox/index.js';
import { requestToken, sandboxWith } from '../../support/sandbox-harness.js';

/** The sandbox over plain HTTP: control endpoints, routing errors, and process lifetime. */

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const INTEGRATION = 'integration-1';
const MESSAGE_PATH = `/api/v2/conversations/messages/${INTEGRATION}/inbound/open/message`;
/** A sandbox serving INTEGRATION, closed when the test ends. */
const served = (options: SandboxOptions = {}) =>
  sandboxWith({ integrationIds: [INTEGRATION], ...options });
async function bearerToken(sandbox: RunningSandbox): Promise<string> {
  const response = await requestToken(sandbox);
  const grant = (await response.json()) as { access_token: string };
  return grant.access_token;
}

async function postMessage(
  sandbox: RunningSandbox,
  token: string,
  body: unknown,
  query = '',
): Promise<Response> {
  return fetch(`${sandbox.url}${MESSAGE_PATH}${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const MESSAGE = {
  channel: {
    from: { id: 'guest-a', idType: 'Phone' },
    time: '2026-11-28T10:00:00Z',
    messageId: 'm-1',
  },
  text: 'hello',
};

describe('the token endpoint over raw HTTP', () => {
  it('answers the OAuth shape with a correlation id and no caching', async () => {
    const sandbox = await served({ tokenLifetimeSeconds: 90.5 });
    const response = await requestToken(sandbox);

    expect(response.status).toBe(200);
    expect(response.headers.get('inin-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      access_token: expect.stringMatching(/^[\w-]{43}$/) as unknown,
      token_type: 'bearer',
      expires_in: 91,
    });
  });

  it('answers 401 invalid_client without an Authorization header', async () => {
    const sandbox = await served();
    const response = await fetch(`${sandbox.url}/oauth/token`, {
      method: 'POST',
      body: 'grant_type=client_credentials',
    });

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });
});

describe('routing', () => {
  it('answers 404 for unknown paths and 405 for wrong methods, with the error body', async () => {
    const sandbox = await served();

    const unknown = await fetch(`${sandbox.url}/api/v2/conversations/messages/x/inbound/open/nope`);
    const wrongMethod = await fetch(`${sandbox.url}${MESSAGE_PATH}`);
    const wrongTokenMethod = await fetch(`${sandbox.url}/oauth/token`, { method: 'PUT' });

    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'not.found', status: 404 });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    const body = (await wrongMethod.json()) as { code: string; contextId: string };
    expect(body.code).toBe('method.not.allowed');
    expect(body.contextId).toBe(wrongMethod.headers.get('inin-correlation-id'));
    expect(wrongTokenMethod.status).toBe(405);
    expect(sandbox.stats().requestsByEndpoint.unknown).toBe(3);
  });

  it('reads prefetchConversationId from the query string', async () => {
    const sandbox = await served();
    const token = await bearerToken(sandbox);

    const response = await postMessage(sandbox, token, MESSAGE, '?prefetchConversationId=true');

    expect(await response.json()).toMatchObject({ conversationId: expect.any(String) as unknown });
  });

  it('does not apply faults to the token and control endpoints', async () => {
    const sandbox = await served({ faults: { serverError: 1, connectionReset: 0 } });

    const token = await bearerToken(sandbox);
    const health = await fetch(`${sandbox.url}/__sandbox/health`);
    const message = await postMessage(sandbox, token, MESSAGE);

    expect(token).not.toBe('');
    expect(health.status).toBe(200);
    expect(message.status).toBe(503);
  });
});

describe('control endpoints and reset', () => {
  it('GET /__sandbox/messages returns the received requests and the stats', async () => {
    const sandbox = await served();
    const token = await bearerToken(sandbox);
    await postMessage(sandbox, token, MESSAGE);
    await postMessage(sandbox, token, MESSAGE);

    const response = await fetch(`${sandbox.url}/__sandbox/messages`);
    const snapshot = (await response.json()) as {
      messages: ReceivedRequest[];
      stats: SandboxStats;
    };

    expect(response.status).toBe(200);
    expect(snapshot.messages).toEqual(sandbox.received());
    expect(snapshot.messages[0]).toMatchObject({ messageId: 'm-1', copies: 2, body: MESSAGE });
    expect(snapshot.stats).toMatchObject({
      requestsByEndpoint: { token: 1, message: 2, receipt: 0, event: 0, unknown: 0 },
      answersByStatus: { '200': 3 },
      accepted: 2,
      duplicates: 1,
      tokensIssued: 1,
    });
  });

  it('reset() forgets messages and stats but keeps tokens valid', async () => {
    const sandbox = await served();
    const token = await bearerToken(sandbox);
    await postMessage(sandbox, token, MESSAGE);

    sandbox.reset();
    const afterReset = await postMessage(sandbox, token, MESSAGE);

    expect(afterReset.status).toBe(200);
    expect(sandbox.received()).toHaveLength(1);
    expect(sandbox.received()[0]?.copies).toBe(1);
    expect(sandbox.stats().requestsByEndpoint.token).toBe(0);
  });
});

describe('lifetime', () => {
  it('close() ends keep-alive connections and pending slow answers promptly', async () => {
    const sandbox = await startSandbox({
      integrationIds: [INTEGRATION],
      faults: { slow: 1, slowMs: 60_000 },
    });
    const token = await bearerToken(sandbox);
    const pending = postMessage(sandbox, token, MESSAGE).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = performance.now();
    await sandbox.close();

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await pending).toBe('failed');
    await expect(fetch(`${sandbox.url}/__sandbox/health`)).rejects.toThrow();
  });

  it('closes at the end of an await using block', async () => {
    let url: string;
    {
      await using sandbox = await startSandbox({ integrationIds: [INTEGRATION] });
      url = sandbox.url;
      expect((await fetch(`${url}/__sandbox/health`)).status).toBe(200);
    }
    await expect(fetch(`${url}/__sandbox/health`)).rejects.toThrow();
  });

  it('lets a process that used it with the SDK exit on its own after close()', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'sandbox-exit-'));
    const script = join(directory, 'exit-check.mts');
    const sandboxModule = pathToFileURL(join(REPO_ROOT, 'src/sandbox/index.ts'));
    await writeFile(
      script,
      [
        `import { createRequire } from 'node:module';`,
        `import { startSandbox } from ${JSON.stringify(sandboxModule.href)};`,
        `const platformClient = createRequire(${JSON.stringify(join(REPO_ROOT, 'package.json'))})('purecloud-platform-client-v2');`,
        `const sandbox = await startSandbox({ integrationIds: ['i'], faults: { revokeTokensEveryMs: 10_000 } });`,
        `const client = new platformClient.ApiClientClass();`,
        `client.config.live_reload_config = false;`,
        `client.setGateway({ host: '127.0.0.1', protocol: 'http', port: sandbox.port });`,
        `await client.loginClientCredentialsGrant('sandbox-client', 'sandbox-secret');`,
        `const api = new platformClient.ConversationsApi(client);`,
        `await api.postConversationsMessageInboundOpenMessage('i', ${JSON.stringify(MESSAGE)});`,
        `await sandbox.close();`,
        `console.log('closed ' + sandbox.received().length);`,
      ].join('\n'),
    );
    try {
      const { code, stdout, elapsedMs } = await runNode(script);
      expect(stdout.trim()).toBe('closed 1');
      expect(code).toBe(0);
      expect(elapsedMs).toBeLessThan(8_000);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

function runNode(
  script: string,
): Promise<{ code: number | null; stdout: string; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    // A process kept alive by a leaked handle would never exit; fail instead of hanging.
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, elapsedMs: performance.now() - started });
    });
  });
}
