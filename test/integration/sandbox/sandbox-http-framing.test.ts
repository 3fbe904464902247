import { Agent, request } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RunningSandbox, SandboxOptions } from '../../../src/sandbox/index.js';
import { SANDBOX_BASIC_AUTH, sandboxWith } from '../../support/sandbox-harness.js';

/**
 * How the sandbox frames HTTP, below what the SDK exercises: the Content-Type a JSON endpoint
 * requires, oversized bodies drained on a kept-alive socket, paths the router cannot
 * decode, and wrong methods next to wrong paths.
 */

const INTEGRATION = 'integration-1';
const MESSAGE_PATH = `/api/v2/conversations/messages/${INTEGRATION}/inbound/open/message`;
/** A sandbox serving INTEGRATION, closed when the test ends; `options` may name others. */
const served = (options: SandboxOptions = {}) =>
  sandboxWith({ integrationIds: [INTEGRATION], ...options });
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
  it('answers 415 with the Genesys body unless the Content-Type names JSON', async () => {
    const sandbox = await served();
    const auth = await bearer(sandbox);
    const refused = [undefined, 'text/plain', 'application/x-www-form-urlencoded', '??', ''];

    const answers = [];
    for (const contentType of refused) {
      const headers = contentType === undefined ? auth : { ...auth, 'content-type': contentType };
      answers.push(await raw(sandbox, 'POST', MESSAGE_PATH, headers, MESSAGE));
    }

    expect(answers.map((answer) => answer.status)).toEqual([415, 415, 415, 415, 415]);
    expect(JSON.parse(answers[1]?.body ?? '')).toEqual({
      message: 'Content-Type text/plain is not supported; this endpoint accepts application/json.',
      code: 'unsupported.media.type',
      status: 415,
      messageParams: { contentType: 'text/plain' },
      contextId: answers[1]?.headers['inin-correlation-id'],
      details: [],
      errors: [],
    });
    expect(JSON.parse(answers[0]?.body ?? '')).toMatchObject({
      message: 'The request has no Content-Type; this endpoint accepts application/json.',
      messageParams: { contentType: '' },
    });
    expect(answers.map((answer) => answer.headers['inin-ratelimit-count'])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
    expect(sandbox.received()).toEqual([]);
  });

  it('reads JSON whatever the letter case and parameters of its media type', async () => {
    const sandbox = await served();
    const auth = await bearer(sandbox);

    const statuses = [];
    for (const contentType of ['application/json', 'Application/JSON; charset=UTF-8']) {
      const headers = { ...auth, 'content-type': contentType };
      statuses.push((await raw(sandbox, 'POST', MESSAGE_PATH, headers, MESSAGE)).status);
    }

    expect(statuses).toEqual([200, 200]);
    expect(sandbox.received()).toHaveLength(2);
  });

  it('checks the Content-Type after the token and before the integration', async () => {
    const sandbox = await served();
    const auth = await bearer(sandbox);
    const unknown = '/api/v2/conversations/messages/not-served/inbound/open/message';

    const withoutToken = await raw(sandbox, 'POST', unknown, { 'content-type': 'text/plain' });
    const wrongType = await raw(sandbox, 'POST', unknown, {
      ...auth,
      'content-type': 'text/plain',
    });
    const json = { ...auth, 'content-type': 'application/json' };
    const notServed = await raw(sandbox, 'POST', unknown, json, MESSAGE);

    expect([withoutToken.status, wrongType.status, notServed.status]).toEqual([401, 415, 404]);
    expect(JSON.parse(notServed.body)).toEqual({
      message: 'Open messaging integration not-served was not found.',
      code: 'not.found',
      status: 404,
      messageParams: { integrationId: 'not-served' },
      contextId: notServed.headers['inin-correlation-id'],
      details: [],
      errors: [],
    });
  });

  it('answers 413 for an oversized body and keeps the connection for the next request', async () => {
    const sandbox = await served({ maxBodyBytes: 1_000 });
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
    const sandbox = await served();
    const auth = await bearer(sandbox);

    const json = { 'content-type': 'application/json' };
    const withoutToken = await raw(sandbox, 'POST', MESSAGE_PATH, json);
    const withToken = await raw(sandbox, 'POST', MESSAGE_PATH, { ...auth, ...json });

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
    const sandbox = await served();

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
    const sandbox = await served();
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
    const sandbox = await served({ integrationIds: [long, 'a/b c'] });
    const auth = await bearer(sandbox);
    const path = (id: string) => `/api/v2/conversations/messages/${id}/inbound/open/message`;

    const json = { ...auth, 'content-type': 'application/json' };
    const first = await raw(sandbox, 'POST', path(long), json, MESSAGE);
    const second = await raw(sandbox, 'POST', path(encodeURIComponent('a/b c')), json, MESSAGE);

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(sandbox.received().map((received) => received.integrationId)).toEqual([long, 'a/b c']);
  });

  it('does not count the control endpoints, even when the method is wrong', async () => {
    const sandbox = await served();

    const wrongMethod = await raw(sandbox, 'POST', '/__sandbox/health', {}, 'x');

    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET');
    expect(sandbox.stats().requestsByEndpoint.unknown).toBe(0);
    expect(sandbox.stats().answersByStatus).toEqual({});
  });
});
