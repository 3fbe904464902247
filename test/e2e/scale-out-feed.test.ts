/**
 * The analytics feed on a shared PostgreSQL ledger runs in exactly one of the `gtx serve`
 * workers; when that worker is killed, another takes the feed over from the shared checkpoint.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { PostgresDatabase } from '../../src/adapters/postgres/postgres-database.js';
import { openPostgresLedger } from '../../src/adapters/postgres/postgres-ledger.js';
import { startSandbox } from '../../src/sandbox/index.js';
import {
  postCommands,
  scrapeMetrics,
  startServe,
  stopServe,
  type ServeProcess,
} from '../reliability/support/serve-process.js';
import { WebhookReceiver } from '../support/feed/webhook-receiver.js';
import { postgresTestSchema } from '../support/postgres.js';
import { paced } from '../support/sandbox-harness.js';

const INTEGRATION = 'feed-leader-integration';
const PACE = paced({ perMinute: 6000, burst: 4 });

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function leaderFlag(worker: ServeProcess): Promise<number | undefined> {
  return (await scrapeMetrics(worker.url)).get('gtx_feed_leader');
}

describe('the analytics feed beside several gtx serve workers', () => {
  it('runs in one worker only, and moves to another when that one is killed', async () => {
    const schema = postgresTestSchema();
    onTestFinished(() => schema.drop());
    const sandbox = await startSandbox({ ...PACE.sandbox, integrationIds: [INTEGRATION] });
    onTestFinished(() => sandbox.close());
    const receiver = await WebhookReceiver.start();
    onTestFinished(() => receiver.close());
    const env = {
      GENESYS_API_URL: sandbox.url,
      GENESYS_CLIENT_ID: 'sandbox-client',
      GENESYS_CLIENT_SECRET: 'sandbox-secret',
      GENESYS_INTEGRATION_ID: INTEGRATION,
      GTX_LEDGER: `${schema.url}?schema=${schema.schema}`,
      GTX_MASTER_KEY: Buffer.alloc(32, 5).toString('base64'),
      ANALYTICS_WEBHOOK_URL: receiver.url,
      ANALYTICS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
      ...PACE.env,
    };
    const workers = [await startServe(env), await startServe(env)];
    onTestFinished(async () => {
      await Promise.all(workers.map((worker) => stopServe(worker)));
    });

    const delivered = (ids: readonly string[]): boolean => {
      const bodies = receiver.accepted().map((request) => request.body);
      return ids.every((id) =>
        bodies.some((body) => body.includes('TransmissionDelivered') && body.includes(id)),
      );
    };
    const send = async (worker: ServeProcess, prefix: string): Promise<string[]> => {
      const ids = Array.from({ length: 5 }, (_, i) => `${prefix}-${i}`);
      const response = await postCommands(
        worker.url,
        ids.map((id) => ({ id, guest: { id: `guest-${id}` }, text: id })),
      );
      expect(response?.status).toBe(202);
      for (let i = 0; i < 300 && !delivered(ids); i++) await sleep(50);
      expect(delivered(ids)).toBe(true);
      return ids;
    };

    await send(workers[0] as ServeProcess, 'before');
    const flags = await Promise.all(workers.map(leaderFlag));
    expect(flags.sort()).toEqual([0, 1]);
    const leaderIndex = (await leaderFlag(workers[0] as ServeProcess)) === 1 ? 0 : 1;
    const leader = workers[leaderIndex] as ServeProcess;
    const standby = workers[1 - leaderIndex] as ServeProcess;

    await stopServe(leader, 'SIGKILL');
    await send(standby, 'after');
    expect(await leaderFlag(standby)).toBe(1);

    // Every transmission event reached the receiver, across the move.
    const database = PostgresDatabase.open({ url: schema.url, schema: schema.schema });
    const ledger = openPostgresLedger(database, new SystemClock());
    const events = await ledger.events.readAll({ afterPosition: 0, limit: 1000 });
    await ledger.close();
    const positions = new Set(
      receiver
        .accepted()
        .flatMap(
          (request) =>
            (JSON.parse(request.body) as { data: { events: { id: string }[] } }).data.events,
        )
        .map((event) => Number(event.id.split('_')[1])),
    );
    const missing = events
      .filter((event) => event.streamId.startsWith('transmission-'))
      .filter((event) => !positions.has(event.position))
      .map((event) => event.position);
    expect(missing).toEqual([]);
  });
});
