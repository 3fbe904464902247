import { Agent, request } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RunningSandbox } from '../../../src/sandbox/index.js';
import { SANDBOX_BASIC_AUTH, sandboxWith } from '../../support/sandbox-harness.js';

/**
 * How the sandbox frames HTTP, below what the SDK exercises: bodies whatever their
 * Content-Type, oversized bodies drained on a kept-alive socket, paths the router cannot
 * decode, and wrong methods next to wrong paths.
 */

const MESSAGE_PATH = '/api/v2/conversations/messages/integration-1/inbound/open/message';
const MESSAGE = JSON.stringify({
  channel: { from: { id: 'guest-a', idType: 'Phone' }, time: '2026-11-28T10:00:00Z' },
  text: 'hello',
});

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly reusedSocket: boolean;
}

/** node:http rather than fetch, so the test decides every header, including none. */
function raw(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  agent: Agent | false = false,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: sandbox.host, port: sandbox.port, method, path, headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            reusedSocket: outgoing.reusedSocket,
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function bearer(sandbox: RunningSandbox): Promise<Record<string, string>> {
  const answer = await raw(
    sandbox,
    'POST',
    '/oauth/token',
    { authorization: SANDBOX_BASIC_AUTH },
    'grant_type=client_credentials',
  );
  const grant = JSON.parse(answer.body) as { access_token: string };
  return { authorization: `Bearer ${grant.access_token}` };
}

describe('request bodies', () => {
  it('reads a JSON body whatever its Content-Type says, and without one', async () => {
    const sandbox = await sandboxWith();
    const auth = await bearer(sandbox);

    const statuses = [];
    for (const contentType of [
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
      '??',
    ]) {
      const headers = contentType === undefined ? auth : { ...auth, 'content-type': contentType };
      statuses.push((await raw(sandbox, 'POST', MESSAGE_PATH, headers, MESSAGE)).status);
    }

    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(sandbox.received()).toHaveLength(4);
  });

  it('answers 413 for an oversized body and keeps the connection for the next request', async () => {
    const sandbox = await sandboxWith({ maxBodyBytes: 1_000 });
    const auth = await bearer(sandbox);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    onTestFinished(() => {
      agent.destroy();
    });
    const json = { ...auth, 'content-type': 'application/json' };

    const tooLarge = await raw(sandbox, 'POST', MESSAGE_PATH, json, 'x'.repeat(5_000), agent);
    const next = await raw(sandbox, 'POST', MESSAGE_PATH, json, MESSAGE, agent);

    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toMatchObject({
      code: 'request.entity.too.large',
      contextId: tooLarge.headers['inin-correlation-id'],
    });
    expect(tooLarge.headers['connection']).toBe('keep-alive');
    expect(next.status).toBe(200);
    expect(next.reusedSocket).toBe(true);
  });

  it('answers an empty body as invalid JSON, after the token check', async () => {
    const sandbox = await sandboxWith();
    const auth = await bearer(sandbox);

    const withoutToken = await raw(sandbox, 'POST', MESSAGE_PATH, {});
    const withToken = await raw(sandbox, 'POST', MESSAGE_PATH, auth);

    expect(withoutToken.status).toBe(401);
    expect(withToken.status).toBe(400);
    expect(JSON.parse(withToken.body)).toMatchObject({
      message: 'The request body is not valid JSON.',
      details: [],
    });
    expect(withToken.headers['inin-ratelimit-count']).toBe('1');
  });
});

describe('paths and methods', () => {
  it('answers 404 with the Genesys body for a path the router cannot decode', async () => {
    const sandbox = await sandboxWith();

    const answer = await raw(
      sandbox,
      'POST',
      '/api/v2/conversations/messages/%E0%A4%A/inbound/open/message',
      {},
      MESSAGE,
    );

    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({
      code: 'not.found',
      contextId: answer.headers['inin-correlation-id'],
    });
    expect(sandbox.stats().requestsByEndpoint.unknown).toBe(1);
  });

  it('answers 404, not 405, for a blank integration id whatever the method', async () => {
    const sandbox = await sandboxWith();
    const blank = '/api/v2/conversations/messages/%20/inbound/open/message';

    const post = await raw(sandbox, 'POST', blank, {}, MESSAGE);
    const get = await raw(sandbox, 'GET', blank, {});
    const head = await raw(sandbox, 'HEAD', MESSAGE_PATH, {});

    expect([post.status, get.status, head.status]).toEqual([404, 404, 405]);
    expect(head.headers['allow']).toBe('POST');
    expect(sandbox.stats().requestsByEndpoint).toMatchObject({ message: 0, unknown: 3 });
  });

  it('takes integration ids of any length and with escaped characters', async () => {
    const long = 'i'.repeat(300);
    const sandbox = await sandboxWith({ integrationIds: [long, 'a/b c'] });
    const auth = await bearer(sandbox);
    const path = (id: string) => `/api/v2/conversations/messages/${id}/inbound/open/message`;

    const first = await raw(sandbox, 'POST', path(long), auth, MESSAGE);
    const second = await raw(sandbox, 'POST', path(encodeURIComponent('a/b c')), auth, MESSAGE);

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(sandbox.received().map((received) => received.integrationId)).toEqual([long, 'a/b c']);
  });

  it('does not count the control endpoints, even when the method is wrong', async () => {
    const sandbox = await sandboxWith();

    const wrongMethod = await raw(sandbox, 'POST', '/__sandbox/health', {}, 'x');

    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET');
    expect(sandbox.stats().requestsByEndpoint.unknown).toBe(0);
    expect(sandbox.stats().answersByStatus).toEqual({});
  });
});
