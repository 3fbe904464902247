import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestSchema, requirePostgres } from '../../support/postgres.js';
import { startHarness, waitFinal, type ServiceHarness } from '../http/service-harness.js';

const SECRET = 'outbound-secret-postgres-01';
const schema = postgresTestSchema();
let h: ServiceHarness;

function signedPost(value: unknown): Promise<Response> {
  const body = JSON.stringify(value);
  return fetch(`${h.url}/v1/genesys/outbound`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('base64')}`,
    },
    body,
  });
}

beforeAll(async () => {
  await requirePostgres();
  h = await startHarness(
    {
      GENESYS_OUTBOUND_WEBHOOK_SECRET: SECRET,
      GTX_MASTER_KEY: randomBytes(32).toString('base64'),
    },
    { ledgerPath: `${schema.url}?schema=${schema.schema}` },
  );
});
afterAll(async () => {
  await h.close();
  await schema.drop();
});

describe('the outbound webhook on a PostgreSQL ledger', () => {
  it('records a message retried five times, some at once, once, with one receipt', async () => {
    const accepted = await h.post('/v1/messages', {
      id: 'pg-guest-1',
      guest: { id: 'pg-guest' },
      conversation: 'pg-conv',
      text: 'hello',
    });
    expect(accepted.status).toBe(202);
    await waitFinal(h, 'pg-guest-1');
    const message = {
      id: 'pg-agent-1',
      channel: { to: { id: 'pg-guest', idType: 'Opaque' }, time: '2026-12-02T09:00:00Z' },
      type: 'Text',
      text: 'agent on postgres',
      direction: 'Outbound',
    };
    const answers = [
      ...(await Promise.all([signedPost(message), signedPost(message), signedPost(message)])),
      await signedPost(message),
      await signedPost(message),
    ];
    const bodies = await Promise.all(
      answers.map(async (r) => ({ status: r.status, ...((await r.json()) as object) })),
    );
    expect(bodies.every((b) => b.status === 200)).toBe(true);
    expect(bodies.filter((b) => (b as { duplicate?: boolean }).duplicate === false)).toHaveLength(
      1,
    );
    const page = (await (await h.call('/v1/events?after=0&limit=1000')).json()) as {
      events: { streamId: string; type: string; data: Record<string, unknown> }[];
    };
    expect(page.events.filter((e) => e.streamId === 'agent-message-pg-agent-1')).toHaveLength(1);
    expect(
      page.events.filter(
        (e) =>
          e.type === 'TransmissionRequested' && e.data['commandId'] === 'agent-receipt-pg-agent-1',
      ),
    ).toHaveLength(1);
    expect((await waitFinal(h, 'agent-receipt-pg-agent-1')).status).toBe('delivered');
  });
});
