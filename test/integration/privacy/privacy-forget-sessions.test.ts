import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { MasterKey } from '../../../src/adapters/crypto/master-key.js';
import {
  guestSessionKey,
  type GuestSessionStore,
} from '../../../src/adapters/genesys/web-messaging/guest-session-store.js';
import { PostgresGuestSessionStore } from '../../../src/adapters/genesys/web-messaging/postgres-guest-session-store.js';
import { SqliteGuestSessionStore } from '../../../src/adapters/genesys/web-messaging/sqlite-guest-session-store.js';
import { SeededRandom } from '../../../src/adapters/ids/random.js';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import { ScriptedTransport } from '../../../src/adapters/memory/scripted-transport.js';
import { PostgresDatabase } from '../../../src/adapters/postgres/postgres-database.js';
import { createTransmitter, type TransmitterOptions } from '../../../src/main.js';
import { runGtx } from '../../support/cli-harness.js';
import { postgresTestSchema, requirePostgres } from '../../support/postgres.js';
import { testDir } from '../../support/test-dir.js';

const DEPLOYMENT = 'deployment-forget-1';
const TOKEN_G1 = 'session-token-of-g1-4f1c2a';
const TOKEN_G2 = 'session-token-of-g2-9b7e10';

interface LedgerUnderTest {
  /** What `--ledger` takes. */
  readonly target: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly ledgerOption: NonNullable<TransmitterOptions['ledger']>;
  openSessions(): GuestSessionStore;
}

/** One sealed message each for g1 and g2, and a stored session token for each. */
async function fill(ledger: LedgerUnderTest, masterKey: MasterKey): Promise<void> {
  // A database ledger polls on real time: a virtual clock would never move it.
  const clock = new SystemClock();
  const transmitter = createTransmitter({
    ledger: ledger.ledgerOption,
    privacy: { masterKey: masterKey.bytes() },
    adapters: {
      clock,
      transport: new ScriptedTransport({ clock }),
      random: new SeededRandom(5),
      logger: new InMemoryLogger(),
    },
  });
  const submissions = ['g1', 'g2'].map((guest) =>
    transmitter.submit({ id: `m-${guest}`, guest: { id: guest }, conversation: 'c', text: 'hi' }),
  );
  expect((await Promise.all(submissions)).map((o) => o.status)).toEqual(['delivered', 'delivered']);
  await transmitter.close();
  const sessions = ledger.openSessions();
  for (const [guest, token] of [
    ['g1', TOKEN_G1],
    ['g2', TOKEN_G2],
  ] as const) {
    await sessions.save({
      key: guestSessionKey(DEPLOYMENT, guest),
      token,
      updatedAt: '2026-03-01T09:00:00.000Z',
    });
  }
  await sessions.close();
}

function forget(ledger: LedgerUnderTest, env: Readonly<Record<string, string>>) {
  return runGtx(
    ['privacy', 'forget', '--guest', 'g1', '--ledger', ledger.target, '--json'],
    { ...ledger.env, ...env },
    ledger.cwd,
  );
}

function forgetsSessionTokens(name: string, makeLedger: () => Promise<LedgerUnderTest>): void {
  describe(`gtx privacy forget deletes the guest's session token (${name})`, () => {
    it('deletes only that guest’s token and records how many', async () => {
      const ledger = await makeLedger();
      await fill(ledger, MasterKey.generate());
      const run = await forget(ledger, { GENESYS_DEPLOYMENT_ID: DEPLOYMENT });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'erased', sessionTokensDeleted: 1 });

      const sessions = ledger.openSessions();
      expect(await sessions.find(guestSessionKey(DEPLOYMENT, 'g1'))).toBe(null);
      expect(await sessions.find(guestSessionKey(DEPLOYMENT, 'g2'))).toMatchObject({
        token: TOKEN_G2,
      });
      await sessions.close();

      const status = await runGtx(
        ['audit', 'export', '--ledger', ledger.target, '--type', 'GuestDataErased'],
        ledger.env,
        ledger.cwd,
      );
      expect(status.code).toBe(0);
      expect(status.stdout).toContain('"sessionTokensDeleted":1');

      const again = await forget(ledger, { GENESYS_DEPLOYMENT_ID: DEPLOYMENT });
      expect(JSON.parse(again.stdout)).toMatchObject({
        status: 'alreadyErased',
        sessionTokensDeleted: 0,
      });
    });

    it('refuses to forget without the deployment id while tokens are stored, changing nothing', async () => {
      const ledger = await makeLedger();
      await fill(ledger, MasterKey.generate());
      const run = await forget(ledger, {});
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('DEPLOYMENT_ID_REQUIRED');
      expect(run.stderr).toContain('GENESYS_DEPLOYMENT_ID');
      const sessions = ledger.openSessions();
      expect(await sessions.count()).toBe(2);
      await sessions.close();
      const status = await runGtx(
        ['privacy', 'status', '--guest', 'g1', '--ledger', ledger.target, '--json'],
        ledger.env,
        ledger.cwd,
      );
      const after = JSON.parse(status.stdout) as { activeKeyId: string | null; erasures: [] };
      expect(after.erasures).toEqual([]);
      expect(after.activeKeyId).not.toBe(null);
    });
  });
}

forgetsSessionTokens('SQLite file', () => {
  const dir = testDir('gtx-forget-sessions-');
  const path = join(dir, 'ledger.db');
  return Promise.resolve({
    target: path,
    env: {},
    cwd: dir,
    ledgerOption: { path },
    openSessions: () => new SqliteGuestSessionStore({ path }),
  });
});

describe('the SQLite file after a forget', () => {
  it('no longer holds the deleted token’s bytes', async () => {
    const dir = testDir('gtx-forget-bytes-');
    const path = join(dir, 'ledger.db');
    const ledger: LedgerUnderTest = {
      target: path,
      env: {},
      cwd: dir,
      ledgerOption: { path },
      openSessions: () => new SqliteGuestSessionStore({ path }),
    };
    await fill(ledger, MasterKey.generate());
    expect((await forget(ledger, { GENESYS_DEPLOYMENT_ID: DEPLOYMENT })).code).toBe(0);
    const bytes = Buffer.concat(
      [path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)),
    );
    expect(bytes.includes(Buffer.from(TOKEN_G1))).toBe(false);
    expect(bytes.includes(Buffer.from(TOKEN_G2))).toBe(true);
  });
});

const schemas: { drop(): Promise<void> }[] = [];
beforeAll(requirePostgres);
afterEach(async () => {
  for (const schema of schemas.splice(0)) await schema.drop();
});

forgetsSessionTokens('PostgreSQL', () => {
  const schema = postgresTestSchema();
  schemas.push(schema);
  const masterKey = MasterKey.generate();
  return Promise.resolve({
    target: `${schema.url}?schema=${schema.schema}`,
    env: { GTX_MASTER_KEY: masterKey.bytes().toString('base64') },
    cwd: testDir('gtx-forget-pg-'),
    ledgerOption: { url: schema.url, schema: schema.schema },
    openSessions: () => {
      const database = PostgresDatabase.open({ url: schema.url, schema: schema.schema });
      return new PostgresGuestSessionStore(database);
    },
  });
});
