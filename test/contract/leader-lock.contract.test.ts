import { beforeAll, describe, expect, it } from 'vitest';
import { InMemoryLeaderLock } from '../../src/adapters/memory/in-memory-leader-lock.js';
import { advisoryLockKey } from '../../src/adapters/postgres/postgres-advisory-keys.js';
import { PostgresDatabase } from '../../src/adapters/postgres/postgres-database.js';
import { PostgresLeaderLock } from '../../src/adapters/postgres/postgres-leader-lock.js';
import { leaderLockContract } from '../../src/testing/contracts/leader-lock.contract.js';
import { postgresTestSchema, requirePostgres, withAdmin } from '../support/postgres.js';

beforeAll(requirePostgres);

leaderLockContract(
  'InMemoryLeaderLock',
  () => {
    const first = new InMemoryLeaderLock();
    const second = first.contender();
    return Promise.resolve({
      first,
      second,
      sever: (name: string) => {
        first.sever(name);
        return Promise.resolve();
      },
    });
  },
  { describe, it, expect },
);

/** Terminates the session holding the advisory lock of `key`, from the superuser's connection. */
async function terminateHolder(key: string): Promise<void> {
  const bits = BigInt.asUintN(64, BigInt(key));
  const classid = Number(bits >> 32n);
  const objid = Number(bits & 0xffffffffn);
  const ended = await withAdmin((admin) =>
    admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1`,
      [classid, objid],
    ),
  );
  if (ended.rowCount !== 1) throw new Error(`no session held the advisory lock ${key}`);
}

leaderLockContract(
  'PostgresLeaderLock (two pools on a fresh schema)',
  async () => {
    const { url, schema, drop } = postgresTestSchema();
    // Two handles, as two processes would have.
    const first = new PostgresLeaderLock(PostgresDatabase.open({ url, schema }));
    const second = new PostgresLeaderLock(PostgresDatabase.open({ url, schema }));
    return Promise.resolve({
      first,
      second,
      sever: (name: string) => terminateHolder(advisoryLockKey('leader', schema, name)),
      cleanup: drop,
    });
  },
  { describe, it, expect },
);
