import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_TEXT_CHARS,
  messageInputSchema,
} from '../../../src/application/commands/command-input.js';
import { runCli } from '../../../src/adapters/cli/run-cli.js';
import { createCliServices } from '../../../src/composition/cli-services.js';
import { COMMANDS } from '../../../src/adapters/cli/commands/index.js';
import { startService } from '../../../src/composition/service.js';
import {
  captureStream,
  KEY_A,
  KEY_B,
  startHarness,
  waitFinal,
  type ErrorResponse,
  type ServiceHarness,
} from './service-harness.js';

const SERVICES = createCliServices();

const SECRET_TEXT = 'the quick brown fox 7f3a9c';

let h: ServiceHarness;
beforeAll(async () => {
  h = await startHarness({ GTX_MAX_BATCH: '20', GTX_HTTP_BODY_LIMIT_BYTES: '8192' });
});
afterAll(async () => {
  await h.close();
});

async function head(): Promise<number> {
  const page = (await (await h.call('/v1/events?after=0&limit=1000')).json()) as {
    events: { position: number }[];
  };
  return page.events.at(-1)?.position ?? 0;
}

describe('POST /v1/messages', () => {
  it('answers 202 with the id and a status URL, then the command is delivered', async () => {
    const response = await h.post('/v1/messages', {
      id: 'single-1',
      guest: { id: 'guest-1' },
      text: SECRET_TEXT,
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { commandId: string; statusUrl: string };
    expect(body).toMatchObject({ commandId: 'single-1', status: 'accepted', duplicate: false });
    expect(response.headers.get('location')).toBe('/v1/messages/single-1');
    const final = await waitFinal(h, 'single-1');
    expect(final.status).toBe('delivered');
    expect(final.events.map((e) => e.type)).toEqual([
      'TransmissionRequested',
      'TransmissionAttemptStarted',
      'TransmissionDelivered',
    ]);
  });

  it('takes the Idempotency-Key header as the id; a repeat is a duplicate, not a second send', async () => {
    const first = await h.post(
      '/v1/messages',
      { guest: { id: 'guest-2' }, text: 'hi' },
      { 'idempotency-key': 'idem-1' },
    );
    expect(first.status).toBe(202);
    await waitFinal(h, 'idem-1');
    const again = await h.post(
      '/v1/messages',
      { guest: { id: 'guest-2' }, text: 'hi' },
      { 'idempotency-key': 'idem-1' },
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({
      commandId: 'idem-1',
      status: 'delivered',
      duplicate: true,
    });
    const status = await waitFinal(h, 'idem-1');
    expect(status.events.filter((e) => e.type === 'TransmissionRequested')).toHaveLength(1);
  });

  it('refuses an Idempotency-Key that differs from the body id, and one on a batch', async () => {
    const mismatch = await h.post(
      '/v1/messages',
      { id: 'a', guest: { id: 'g' }, text: 'x' },
      { 'idempotency-key': 'b' },
    );
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as ErrorResponse).error.code).toBe('IDEMPOTENCY_KEY_MISMATCH');
    const onBatch = await h.post('/v1/messages', [{ guest: { id: 'g' }, text: 'x' }], {
      'idempotency-key': 'c',
    });
    expect(onBatch.status).toBe(400);
    expect(((await onBatch.json()) as ErrorResponse).error.code).toBe('IDEMPOTENCY_KEY_ON_BATCH');
  });

  it('answers 400 with every violation as code, JSON pointer and message, recording nothing', async () => {
    const before = await head();
    const response = await h.post('/v1/messages', [
      { guest: { id: 'ok' }, text: 'fine' },
      { guest: { id: 7 }, text: 'x', colour: 'red' },
      { text: 'no guest' },
      { guest: { id: 'g', idType: 'Fax' }, attachments: 'none' },
    ]);
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorResponse;
    expect(body.error.code).toBe('INVALID_COMMAND_INPUT');
    expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
    expect(body.error.problems).toEqual(
      expect.arrayContaining([
        { code: 'FIELD_TYPE', field: '/1/guest/id', message: 'must be string' },
        { code: 'FIELD_UNKNOWN', field: '/1/colour', message: 'is not a known field' },
        { code: 'FIELD_REQUIRED', field: '/2/guest', message: 'is required' },
        expect.objectContaining({ code: 'FIELD_NOT_ALLOWED', field: '/3/guest/idType' }),
        expect.objectContaining({ code: 'FIELD_TYPE', field: '/3/attachments' }),
      ]),
    );
    expect(body.error.problems).toHaveLength(5);
    expect(await head()).toBe(before);
  });

  it('refuses a batch over GTX_MAX_BATCH, an empty batch, a body over the limit, non-JSON', async () => {
    const before = await head();
    const tooMany = await h.post(
      '/v1/messages',
      Array.from({ length: 21 }, (_, i) => ({ guest: { id: `g${i}` }, text: 'x' })),
    );
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as ErrorResponse).error.problems).toContainEqual(
      expect.objectContaining({ code: 'BATCH_TOO_LARGE', field: '' }),
    );
    const empty = await h.post('/v1/messages', []);
    expect(empty.status).toBe(400);
    const big = await h.post('/v1/messages', { guest: { id: 'g' }, text: 'x'.repeat(9000) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as ErrorResponse).error.code).toBe('BODY_TOO_LARGE');
    const postRaw = (contentType: string, body: string) =>
      h.call('/v1/messages', { method: 'POST', headers: { 'content-type': contentType }, body });
    const notJson = await postRaw('application/json', '{"guest":');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as ErrorResponse).error.code).toBe('BODY_NOT_JSON');
    const text = await postRaw('text/plain', 'hello');
    expect(text.status).toBe(415);
    expect(await head()).toBe(before);
  });

  it('answers 422 for a command the policies reject, and records it as rejected', async () => {
    const response = await h.post('/v1/messages', { id: 'empty-1', guest: { id: 'g' } });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { status: string; violations: { code: string }[] };
    expect(body.status).toBe('rejected');
    expect(body.violations.map((v) => v.code)).toEqual(['MESSAGE_EMPTY']);
    const status = await waitFinal(h, 'empty-1');
    expect(status.status).toBe('rejected');
    expect(status.events.map((e) => e.type)).toEqual(['TransmissionRejected']);
  });

  it('answers 409 COMMAND_ID_REUSED for an id the ledger holds for other content, recording nothing', async () => {
    const first = await h.post('/v1/messages', { id: 'reuse-1', guest: { id: 'r' }, text: 'one' });
    expect(first.status).toBe(202);
    await waitFinal(h, 'reuse-1');
    const before = await head();
    const other = await h.post('/v1/messages', { id: 'reuse-1', guest: { id: 'r' }, text: 'two' });
    expect(other.status).toBe(409);
    const body = (await other.json()) as ErrorResponse;
    expect(body.error.code).toBe('COMMAND_ID_REUSED');
    expect(body.error.message).toContain('content differs');
    expect(body.error.message).not.toContain('two');
    const batch = await h.post('/v1/messages', [
      { id: 'reuse-new', guest: { id: 'r' }, text: 'fresh' },
      { id: 'reuse-1', guest: { id: 'r' }, text: 'three' },
    ]);
    expect(batch.status).toBe(409);
    const inBatch = await h.post('/v1/messages', [
      { id: 'reuse-twice', guest: { id: 'r' }, text: 'a' },
      { id: 'reuse-twice', guest: { id: 'r' }, text: 'b' },
    ]);
    expect(inBatch.status).toBe(409);
    expect(await head()).toBe(before);
    const repeat = await h.post('/v1/messages', { id: 'reuse-1', guest: { id: 'r' }, text: 'one' });
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toMatchObject({ status: 'delivered', duplicate: true });
  });

  it('answers a text over the policy limit with the policy: 422 TEXT_TOO_MANY_CHARS, not a schema 400', async () => {
    const response = await h.post('/v1/messages', {
      id: 'long-1',
      guest: { id: 'l' },
      text: 'x'.repeat(4001),
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { violations: { code: string; message: string }[] };
    expect(body.violations.map((v) => v.code)).toContain('TEXT_TOO_MANY_CHARS');
  });

  it('answers 207 with per-item status for a batch where some commands are rejected', async () => {
    const response = await h.post('/v1/messages', [
      { id: 'mixed-ok', guest: { id: 'm' }, text: 'one' },
      { id: 'mixed-bad', guest: { id: 'm' } },
    ]);
    expect(response.status).toBe(207);
    const body = (await response.json()) as { results: { commandId: string; status: string }[] };
    expect(body).toMatchObject({ accepted: 1, rejected: 1, duplicates: 0 });
    expect(body.results.map((r) => [r.commandId, r.status])).toEqual([
      ['mixed-ok', 'accepted'],
      ['mixed-bad', 'rejected'],
    ]);
    expect((await waitFinal(h, 'mixed-ok')).status).toBe('delivered');
  });
});

describe('receipts and typing', () => {
  it('records and delivers AcknowledgeAgentMessage and SendTypingIndicator', async () => {
    const receipt = await h.post('/v1/receipts', {
      id: 'receipt-1',
      guest: { id: 'g' },
      messageId: 'agent-message-1',
      status: 'Delivered',
    });
    expect(receipt.status).toBe(202);
    const typing = await h.post('/v1/typing', { id: 'typing-1', guest: { id: 'g' } });
    expect(typing.status).toBe(202);
    expect((await waitFinal(h, 'receipt-1')).status).toBe('delivered');
    expect((await waitFinal(h, 'typing-1')).status).toBe('delivered');
    const bad = await h.post('/v1/receipts', { guest: { id: 'g' }, status: 'Read' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorResponse).error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'FIELD_REQUIRED', field: '/messageId' }),
        expect.objectContaining({ code: 'FIELD_NOT_ALLOWED', field: '/status' }),
      ]),
    );
  });
});

describe('GET /v1/messages/:id and /v1/events', () => {
  it("answers the router's own refusals in the service's error shape: a too long id 414, an undecodable URL 400", async () => {
    const tooLong = await h.call(`/v1/messages/${'a'.repeat(600)}`);
    expect(tooLong.status).toBe(414);
    const refused = (
      (await tooLong.json()) as ErrorResponse & {
        error: { requestId?: unknown };
      }
    ).error;
    expect(refused.code).toBe('URL_PARAMETER_TOO_LONG');
    expect(typeof refused.requestId).toBe('string');
    const undecodable = await h.call('/v1/messages/%E0%A4%A');
    expect(undecodable.status).toBe(400);
    expect(((await undecodable.json()) as ErrorResponse).error.code).toBe('URL_INVALID');
  });

  it('answers 404 for an unknown command', async () => {
    const response = await h.call('/v1/messages/never-sent');
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorResponse).error.code).toBe('COMMAND_NOT_FOUND');
  });

  it('pages through the ledger by position with a next cursor, filtered by type and stream', async () => {
    const all: number[] = [];
    let after = 0;
    for (let page = 0; page < 100; page++) {
      const response = await h.call(`/v1/events?after=${after}&limit=3`);
      const body = (await response.json()) as {
        events: { position: number }[];
        next: number;
        hasMore: boolean;
      };
      all.push(...body.events.map((e) => e.position));
      if (body.hasMore) expect(response.headers.get('link')).toContain(`after=${body.next}`);
      after = body.next;
      if (!body.hasMore) break;
    }
    expect(all.length).toBeGreaterThan(6);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));

    const delivered = (await (
      await h.call('/v1/events?type=TransmissionDelivered&stream=transmission-single-1')
    ).json()) as { events: { type: string; streamId: string }[] };
    expect(delivered.events).toEqual([
      expect.objectContaining({ type: 'TransmissionDelivered', streamId: 'transmission-single-1' }),
    ]);
    const bad = await h.call('/v1/events?limit=0&after=x');
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as ErrorResponse;
    expect(body.error.code).toBe('INVALID_REQUEST');
    expect(body.error.problems?.map((p) => p.field).sort()).toEqual(['/after', '/limit']);
  });
});

describe('auth, rate limit, request ids, logs', () => {
  it('refuses a missing or unknown key with 401; probes and the OpenAPI document are public', async () => {
    const missing = await h.call('/v1/events', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await missing.json()) as ErrorResponse).error.code).toBe('AUTH_REQUIRED');
    const wrong = await h.call('/v1/events', { key: 'test-key-cccccccccccccccc' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as ErrorResponse).error.code).toBe('AUTH_INVALID');
    const prefix = await h.call('/v1/events', { key: KEY_A.slice(0, -1) });
    expect(prefix.status).toBe(401);
    expect((await h.call('/metrics', { key: null })).status).toBe(401);
    expect((await h.call('/v1/events', { key: KEY_B })).status).toBe(200);
    expect((await h.call('/healthz', { key: null })).status).toBe(200);
    expect((await h.call('/openapi.json', { key: null })).status).toBe(200);
  });

  it('echoes a caller X-Request-Id and logs it, never the text or the key', async () => {
    const response = await h.post(
      '/v1/messages',
      { id: 'logged-1', guest: { id: 'g' }, text: SECRET_TEXT },
      { 'x-request-id': 'req-abc-123' },
    );
    expect(response.headers.get('x-request-id')).toBe('req-abc-123');
    await waitFinal(h, 'logged-1');
    const lines = h
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const mine = lines.filter((line) => line['requestId'] === 'req-abc-123');
    expect(mine.map((line) => line['message'])).toEqual(
      expect.arrayContaining(['http request', 'commands accepted over http']),
    );
    expect(
      lines.filter((l) => l['message'] === 'http request').every((l) => 'requestId' in l),
    ).toBe(true);
    expect(h.logs()).not.toContain(SECRET_TEXT);
    expect(h.logs()).not.toContain(KEY_A);
    expect(h.logs()).not.toContain(KEY_B);
  });

  it('limits requests per key with 429 and Retry-After, each key on its own budget', async () => {
    const limited = await startHarness({ GTX_API_RATE_PER_MINUTE: '3' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.call('/v1/events')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await limited.call('/v1/events');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await refused.json()) as ErrorResponse).error.code).toBe('RATE_LIMITED');
      expect((await limited.call('/v1/events', { key: KEY_B })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('needs an API key on loopback too, unless --no-auth; --no-auth only on loopback', async () => {
    const run = async (args: string[], env: Record<string, string> = {}) => {
      const stderr = captureStream();
      const stdout = captureStream();
      const code = await runCli(
        ['serve', '--sandbox', '--port', '0', '--ledger', `${h.dir}/never.db`, ...args],
        { stdout: stdout.stream, stderr: stderr.stream, cwd: h.dir, env },
        COMMANDS,
        SERVICES,
      );
      return { code, stderr: stderr.text() };
    };
    const keyless = await run([]);
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toMatch(
      /GTX_API_KEYS is required: every route but the probes needs an API key/,
    );
    expect(keyless.stderr).toContain('--no-auth');
    const open = await run(['--no-auth', '--host', '0.0.0.0']);
    expect(open.code).toBe(1);
    expect(open.stderr).toContain('--no-auth is for 127.0.0.1, ::1 or localhost only');
    const both = await run(['--no-auth'], { GTX_API_KEYS: KEY_A });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--no-auth asks for none');

    const unauthenticated = await startHarness({ GTX_API_KEYS: '' }, { noAuth: true });
    try {
      const events = await unauthenticated.call('/v1/events', { key: null });
      expect(events.status).toBe(200);
    } finally {
      await unauthenticated.close();
    }
  });

  it('refuses to start on a non-loopback host without keys: one line, exit 1', async () => {
    const stderr = captureStream();
    const stdout = captureStream();
    const code = await runCli(
      ['serve', '--sandbox', '--host', '0.0.0.0', '--port', '0', '--ledger', `${h.dir}/never.db`],
      { stdout: stdout.stream, stderr: stderr.stream, cwd: h.dir, env: {} },
      COMMANDS,
      SERVICES,
    );
    expect(code).toBe(1);
    expect(stderr.text().trim().split('\n')).toEqual([
      expect.stringMatching(
        /^gtx: CONFIG_INVALID: GTX_API_KEYS is required to serve on 0\.0\.0\.0/,
      ),
    ]);
    await expect(
      startService(
        {
          stdout: stdout.stream,
          stderr: stderr.stream,
          cwd: h.dir,
          env: { GTX_API_KEYS: 'short' },
        },
        { sandbox: true },
      ),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(stderr.text()).not.toContain('short');
  });
});

describe('health, readiness, OpenAPI', () => {
  it('is alive and ready with each check named', async () => {
    expect(await (await h.call('/healthz')).json()).toEqual({ status: 'alive' });
    const ready = await h.call('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { ledger: 'ok', genesys: 'ok', pipeline: 'ok' },
    });
  });

  it('describes the API in OpenAPI 3.1 built from the library schemas', async () => {
    const doc = (await (await h.call('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/messages',
        '/v1/receipts',
        '/v1/typing',
        '/v1/messages/{id}',
        '/v1/events',
        '/metrics',
        '/healthz',
        '/readyz',
      ]),
    );
    const message = doc.components.schemas['MessageInput']!;
    expect(Object.keys(message.properties).sort()).toEqual(
      Object.keys(messageInputSchema.properties as object).sort(),
    );
    expect(message.properties['text']).toEqual({
      type: ['string', 'null'],
      maxLength: MAX_TEXT_CHARS,
    });
    expect(JSON.stringify(doc)).not.toContain('nullable');
  });

  it('reports not ready when the ledger is closed underneath, and refuses commands with 503', async () => {
    const broken = await startHarness();
    try {
      await broken.service.runtime.transmitter.close({ drain: false });
      const response = await broken.call('/readyz');
      expect(response.status).toBe(503);
      const body = (await response.json()) as { checks: Record<string, string> };
      expect(body.checks['ledger']).toBe('the ledger is closed');
      const post = await broken.post('/v1/messages', { guest: { id: 'g' }, text: 'x' });
      expect(post.status).toBe(503);
      expect(((await post.json()) as ErrorResponse).error.code).toBe('TRANSMITTER_CLOSED');
    } finally {
      await broken.close();
    }
  });

  it('reports not ready, with the reason, when the sandbox Genesys is down', async () => {
    const down = await startHarness();
    try {
      await down.service.runtime.sandbox?.close();
      const response = await down.call('/readyz');
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('unavailable');
      expect(body.checks['ledger']).toBe('ok');
      expect(body.checks['genesys']).toBe('the sandbox does not answer');
    } finally {
      await down.close();
    }
  });
});
