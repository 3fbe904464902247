import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { asyncScheduler } from 'rxjs';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { PostgresDatabase } from '../../../src/adapters/postgres/postgres-database.js';
import { openPostgresLedger } from '../../../src/adapters/postgres/postgres-ledger.js';
import { ledgerGrantsSql } from '../../../src/adapters/postgres/postgres-ledger-grants.js';
import { isPostgresUrl } from '../../../src/adapters/postgres/postgres-ledger-options.js';
import type { Clock } from '../../../src/application/ports/clock.port.js';
import { codeOf, note } from '../../../src/testing/contracts/transmission-fixtures.js';
import { rejectionOf, thrownBy } from '../../support/failures.js';
import {
  postgresTestSchema,
  requirePostgres,
  terminateConnections,
  TEST_POSTGRES_URL,
  withAdmin,
} from '../../support/postgres.js';

const clock: Clock = { now: () => Date.UTC(2026, 2, 1, 12, 0, 0), scheduler: asyncScheduler };
const PASSWORD = 'pa55-never-shown';

beforeAll(requirePostgres);

/** The test server's URL with another user, password, port or database. */
function urlWith(parts: {
  user?: string;
  password?: string;
  port?: string;
  database?: string;
}): string {
  const url = new URL(TEST_POSTGRES_URL);
  if (parts.user !== undefined) url.username = parts.user;
  if (parts.password !== undefined) url.password = parts.password;
  if (parts.port !== undefined) url.port = parts.port;
  if (parts.database !== undefined) url.pathname = `/${parts.database}`;
  return url.toString();
}

function freshSchema(): string {
  const fresh = postgresTestSchema();
  onTestFinished(fresh.drop);
  return fresh.schema;
}

/** A ledger closed when the test finishes. */
function openLedger(url: string, schema: string, applicationName?: string) {
  const database = PostgresDatabase.open({
    url,
    schema,
    ...(applicationName === undefined ? {} : { applicationName }),
  });
  const ledger = openPostgresLedger(database, clock);
  onTestFinished(() => ledger.close());
  return ledger;
}

/** A login role with no rights at all, dropped (with anything granted to it) afterwards. */
async function roleWithoutGrants(): Promise<string> {
  const role = `gtx_nobody_${randomBytes(4).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE ROLE "${role}" LOGIN PASSWORD '${PASSWORD}'`));
  onTestFinished(() =>
    withAdmin(async (admin) => {
      await admin.query(`DROP OWNED BY "${role}"`);
      await admin.query(`DROP ROLE "${role}"`);
    }),
  );
  return role;
}

describe('PostgreSQL ledger settings', () => {
  it('tells a PostgreSQL URL from a file path', () => {
    expect(isPostgresUrl('postgres://db.example/gtx')).toBe(true);
    expect(isPostgresUrl('postgresql://u@db.example:6432/gtx')).toBe(true);
    expect(isPostgresUrl('./ledger.sqlite')).toBe(false);
    expect(isPostgresUrl('mysql://db.example/gtx')).toBe(false);
  });

  it('refuses bad settings at once, naming the part, never the password', () => {
    const cases: [Parameters<typeof PostgresDatabase.open>[0], string, string][] = [
      [{ url: `postgres://u:${PASSWORD}@db:notaport/gtx` }, 'url', 'does not parse as a URL'],
      [{ url: `mysql://u:${PASSWORD}@db/gtx` }, 'url', 'has the scheme mysql'],
      [{ url: '' }, 'url', 'is missing'],
      [{ url: TEST_POSTGRES_URL, schema: 'Bad-Name' }, 'schema', 'is not a schema name'],
      [{ url: TEST_POSTGRES_URL, schema: 'pg_mine' }, 'schema', 'reserves'],
      [{ url: TEST_POSTGRES_URL, poolSize: 0 }, 'poolSize', 'must be a positive integer'],
      [{ url: TEST_POSTGRES_URL, connectTimeoutMs: -5 }, 'connectTimeoutMs', 'positive integer'],
    ];
    for (const [settings, setting, reason] of cases) {
      const error = thrownBy(() => PostgresDatabase.open(settings));
      expect(error.code).toBe('POSTGRES_CONFIG_INVALID');
      expect(error.details).toEqual({ setting });
      expect(error.message).toContain(reason);
      expect(error.message).not.toContain(PASSWORD);
    }
    expect(thrownBy(() => PostgresDatabase.open(cases[0]![0])).message).toContain('u:***@db');
  });
});

describe('PostgreSQL ledger failures', () => {
  it('an unreachable port is LEDGER_UNAVAILABLE naming host:port, password redacted', async () => {
    const ledger = openLedger(urlWith({ password: PASSWORD, port: '1' }), freshSchema());
    const refused = await rejectionOf(ledger.ready());
    expect(refused.code).toBe('LEDGER_UNAVAILABLE');
    expect(refused.message).toContain('127.0.0.1:1');
    expect(refused.message).toContain('connection refused');
    expect(refused.message).not.toContain(PASSWORD);
    const append = ledger.events.append({
      streamId: 's',
      expectedVersion: 'any',
      events: [note(1)],
    });
    expect(await codeOf(append)).toBe('LEDGER_UNAVAILABLE');
  });

  it('a server that accepts and never answers is LEDGER_UNAVAILABLE once the connect timeout ends', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => {
            resolve();
          });
        }),
    );
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? String(address.port) : '';
    const database = PostgresDatabase.open({
      url: urlWith({ password: PASSWORD, port }),
      schema: freshSchema(),
      connectTimeoutMs: 200,
    });
    const refused = await rejectionOf(database.ready());
    expect(refused.code).toBe('LEDGER_UNAVAILABLE');
    expect(refused.message).toContain(`cannot reach PostgreSQL at 127.0.0.1:${port}`);
    expect(refused.message).toContain('no connection opened within 200 ms');
    expect(refused.message).not.toContain(PASSWORD);
  });

  it('a missing database is LEDGER_UNAVAILABLE saying so', async () => {
    const database = `gtx_missing_${randomBytes(4).toString('hex')}`;
    const ledger = openLedger(urlWith({ password: PASSWORD, database }), freshSchema());
    const refused = await rejectionOf(ledger.ready());
    expect(refused.code).toBe('LEDGER_UNAVAILABLE');
    expect(refused.message).toContain('the database does not exist');
    expect(refused.message).toContain(`database ${database}`);
    expect(refused.message).not.toContain(PASSWORD);
  });

  it('a role without rights is LEDGER_PERMISSION_DENIED naming the role and what it lacks', async () => {
    const schema = freshSchema();
    await openLedger(TEST_POSTGRES_URL, schema).ready();
    const role = await roleWithoutGrants();
    const ledger = openLedger(urlWith({ user: role, password: PASSWORD }), schema);
    const refused = await rejectionOf(ledger.ready());
    expect(refused.code).toBe('LEDGER_PERMISSION_DENIED');
    expect(refused.details).toMatchObject({ role });
    expect(refused.message).toContain(role);
    expect(refused.message).toContain(`permission denied for schema ${schema}`);
    expect(refused.message).not.toContain(PASSWORD);
  });

  it('a role with only the documented grants appends and reads, and cannot change events', async () => {
    const schema = freshSchema();
    await openLedger(TEST_POSTGRES_URL, schema).ready();
    const role = await roleWithoutGrants();
    await withAdmin((admin) => admin.query(ledgerGrantsSql(schema, role)));
    const ledger = openLedger(urlWith({ user: role, password: PASSWORD }), schema);
    await ledger.events.append({ streamId: 's', expectedVersion: 'noStream', events: [note(1)] });
    expect((await ledger.events.readStream('s')).map((e) => e.position)).toEqual([1]);
    expect(await ledger.work.counts()).toMatchObject({ open: 0 });
    await ledger.work.rebuild();
    const update = await withAdmin(async (admin) => {
      await admin.query(`SET ROLE "${role}"`);
      try {
        await admin.query(`UPDATE "${schema}".events SET data = '{}'`);
        return 'updated';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(update).toBe(`permission denied for table events`);
  });

  it('work that waited for a connection of a busy pool longer than the connect timeout says so, and nothing is written', async () => {
    const database = PostgresDatabase.open({
      url: TEST_POSTGRES_URL,
      schema: freshSchema(),
      poolSize: 1,
      connectTimeoutMs: 300,
    });
    const ledger = openPostgresLedger(database, clock);
    onTestFinished(() => ledger.close());
    await ledger.ready();
    // The pool's one connection is held for longer than the waits (three tries) of the append.
    const holding = database.transaction((tx) => tx.query('SELECT pg_sleep(2.5)'));
    const error = await rejectionOf(
      ledger.events.append({ streamId: 's', expectedVersion: 'any', events: [note(1)] }),
    );
    await holding;
    expect(error.code).toBe('LEDGER_UNAVAILABLE');
    expect(error.message).toContain(
      "all 1 connections of this process's pool stayed busy for 300 ms",
    );
    expect(error.message).not.toContain('lost the connection');
    expect((await ledger.events.head()).position).toBe(0);
  });

  it('appends again after its connections were killed between two appends', async () => {
    const applicationName = `gtx-killed-${randomBytes(4).toString('hex')}`;
    const ledger = openLedger(TEST_POSTGRES_URL, freshSchema(), applicationName);
    await ledger.events.append({ streamId: 's', expectedVersion: 'any', events: [note(1)] });
    expect(await ledger.events.readStream('s')).toHaveLength(1);
    expect(await terminateConnections(applicationName)).toBeGreaterThan(0);
    const result = await ledger.events.append({
      streamId: 's',
      expectedVersion: 1,
      events: [note(2)],
    });
    expect(result).toMatchObject({ streamVersion: 2, lastPosition: 2 });
    expect((await ledger.events.readStream('s')).map((e) => e.position)).toEqual([1, 2]);
    // The pool noticed the dead connection while idle, or the append ran again on a new one.
    const { idleConnectionsLost, transactionRetries } = ledger.events.diagnostics();
    expect(idleConnectionsLost + transactionRetries).toBeGreaterThan(0);
  });
});
