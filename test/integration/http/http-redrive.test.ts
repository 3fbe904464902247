import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../../src/sandbox/index.js';
import {
  KEY_B,
  startHarness,
  waitFinal,
  type ErrorResponse,
  type ServiceHarness,
} from './service-harness.js';

let h: ServiceHarness;
let sandbox: RunningSandbox;
beforeAll(async () => {
  h = await startHarness();
  const running = h.service.runtime.sandbox;
  if (running === null) throw new Error('the harness runs an in-process sandbox');
  sandbox = running;
});
afterAll(async () => {
  await h.close();
});

const copiesOf = (messageId: string): number =>
  sandbox.arrivals().filter((copy) => copy.messageId === messageId).length;

/** Sends one message that the sandbox answers 400: a permanent failure, dead-lettered. */
async function deadLettered(id: string): Promise<void> {
  sandbox.script([{ answer: { kind: 'status', status: 400 } }]);
  const sent = await h.post('/v1/messages', { id, guest: { id: `guest-${id}` }, text: 'hi' });
  expect(sent.status).toBe(202);
  expect((await waitFinal(h, id)).status).toBe('deadLettered');
}

const redrive = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  h.post(`/v1/messages/${encodeURIComponent(id)}/redrive`, body, headers);

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as ErrorResponse).error.code;
}

describe('POST /v1/messages/:id/redrive', () => {
  it('needs an API key, and records the key name as the operator', async () => {
    await deadLettered('http-dl-1');
    const anonymous = await h.call('/v1/messages/http-dl-1/redrive', {
      key: null,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'fixed' }),
    });
    expect(anonymous.status).toBe(401);
    expect(await codeOf(anonymous)).toBe('AUTH_REQUIRED');

    const response = await h.call('/v1/messages/http-dl-1/redrive', {
      key: KEY_B,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'integration re-enabled' }),
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe('/v1/messages/http-dl-1');
    expect(await response.json()).toEqual({
      commandId: 'http-dl-1',
      redriveId: 'dead-letter-1',
      status: 'redriven',
      previousReason: 'permanentFailure',
      statusUrl: '/v1/messages/http-dl-1',
    });
    const final = await waitFinal(h, 'http-dl-1');
    expect(final.status).toBe('delivered');
    const redriven = final.events.find((e) => e.type === 'TransmissionRedriven');
    expect(redriven?.data).toMatchObject({ operator: 'key-2', reason: 'integration re-enabled' });
    expect(copiesOf('http-dl-1')).toBe(1);
    const metrics = await (await h.call('/metrics')).text();
    expect(metrics).toMatch(/^gtx_redrives_total\{previous_reason="permanentFailure"\} [1-9]/m);
  });

  it('a retried POST with the same Idempotency-Key re-opens nothing and sends nothing again', async () => {
    await deadLettered('http-dl-2');
    const first = await redrive('http-dl-2', { reason: 'fixed' }, { 'idempotency-key': 'op-42' });
    expect(first.status).toBe(202);
    // Retried at once, while the transmission is open again, and again once it is delivered.
    const retried = await redrive('http-dl-2', { reason: 'fixed' }, { 'idempotency-key': 'op-42' });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ status: 'alreadyRedriven', redriveId: 'op-42' });
    expect((await waitFinal(h, 'http-dl-2')).status).toBe('delivered');
    const late = await redrive('http-dl-2', { reason: 'fixed', redriveId: 'op-42' });
    expect(late.status).toBe(200);
    expect(copiesOf('http-dl-2')).toBe(1);
    const status = await waitFinal(h, 'http-dl-2');
    expect(status.events.filter((e) => e.type === 'TransmissionRedriven')).toHaveLength(1);
    // A new redrive of a delivered transmission is refused.
    const another = await redrive('http-dl-2', { reason: 'again' });
    expect(another.status).toBe(409);
    expect(await codeOf(another)).toBe('REDRIVE_NOT_ALLOWED');
  });

  it('refuses a command the policies rejected with 409 REDRIVE_NOT_ALLOWED, recording nothing', async () => {
    const sent = await h.post('/v1/messages', {
      id: 'http-rejected',
      guest: { id: 'g' },
      text: '',
    });
    expect(sent.status).toBe(422);
    const response = await redrive('http-rejected', { reason: 'try anyway' });
    expect(response.status).toBe(409);
    const body = (await response.json()) as ErrorResponse;
    expect(body.error.code).toBe('REDRIVE_NOT_ALLOWED');
    expect(body.error.message).toContain('the policies rejected it');
    const status = await waitFinal(h, 'http-rejected');
    expect(status.events.map((e) => e.type)).toEqual(['TransmissionRejected']);
  });

  it('answers bad requests with a clear code', async () => {
    await deadLettered('http-dl-3');
    const cases: [Response, number, string][] = [
      [await redrive('nobody', { reason: 'x' }), 404, 'COMMAND_NOT_FOUND'],
      [await redrive('http-dl-3', {}), 400, 'REDRIVE_INPUT_INVALID'],
      [await redrive('http-dl-3', { reason: 'x', extra: 1 }), 400, 'REDRIVE_INPUT_INVALID'],
      [await redrive('http-dl-3', { reason: '   ' }), 400, 'REDRIVE_INPUT_INVALID'],
      [await redrive('http-dl-3', { reason: 'a\nb' }), 400, 'REDRIVE_INPUT_INVALID'],
      [
        await redrive('http-dl-3', { reason: 'x', redriveId: 'a' }, { 'idempotency-key': 'b' }),
        400,
        'IDEMPOTENCY_KEY_MISMATCH',
      ],
    ];
    for (const [response, status, code] of cases) {
      expect(response.status).toBe(status);
      expect(await codeOf(response)).toBe(code);
    }
    expect((await waitFinal(h, 'http-dl-3')).status).toBe('deadLettered');
  });
});
