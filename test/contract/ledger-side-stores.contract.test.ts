import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncScheduler } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InMemoryGuestSessionStore } from '../../src/adapters/genesys/web-messaging/guest-session-store.js';
import { PostgresGuestSessionStore } from '../../src/adapters/genesys/web-messaging/postgres-guest-session-store.js';
import { SqliteGuestSessionStore } from '../../src/adapters/genesys/web-messaging/sqlite-guest-session-store.js';
import { InMemoryFeedCheckpointStore } from '../../src/adapters/memory/in-memory-feed-checkpoint-store.js';
import { InMemoryGuestKeyStore } from '../../src/adapters/memory/in-memory-guest-key-store.js';
import { PostgresDatabase } from '../../src/adapters/postgres/postgres-database.js';
import { PostgresFeedCheckpointStore } from '../../src/adapters/postgres/postgres-feed-checkpoint-store.js';
import { PostgresGuestKeyStore } from '../../src/adapters/postgres/postgres-guest-key-store.js';
import { SqliteFeedCheckpointStore } from '../../src/adapters/sqlite/sqlite-feed-checkpoint-store.js';
import { SqliteGuestKeyStore } from '../../src/adapters/sqlite/sqlite-guest-key-store.js';
import type { Clock } from '../../src/application/ports/clock.port.js';
import { feedCheckpointStoreContract } from '../../src/testing/contracts/feed-checkpoint-store.contract.js';
import { guestKeyStoreContract } from '../../src/testing/contracts/guest-key-store.contract.js';
import { guestSessionStoreContract } from '../../src/testing/contracts/guest-session-store.contract.js';
import { postgresTestSchema, requirePostgres } from '../support/postgres.js';

/*
 * The stores kept beside the ledger (guest keys, feed checkpoints, Web Messaging sessions), each
 * contract run against the in-memory twin, the ledger's SQLite file and a PostgreSQL schema.
 */

const clock: Clock = { now: () => Date.UTC(2026, 2, 1, 9, 30, 0), scheduler: asyncScheduler };
const api = { describe, it, expect };

beforeAll(requirePostgres);

function tempLedgerFile(): { path: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'gtx-side-stores-'));
  return {
    path: join(dir, 'ledger.sqlite'),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** A fresh schema; the store built on it releases the database when the suite closes it. */
function freshDatabase(): { database: PostgresDatabase; cleanup: () => Promise<void> } {
  const { url, schema, drop } = postgresTestSchema();
  return { database: PostgresDatabase.open({ url, schema }), cleanup: drop };
}

guestKeyStoreContract(
  'InMemoryGuestKeyStore',
  () => Promise.resolve({ store: new InMemoryGuestKeyStore() }),
  api,
);
guestKeyStoreContract(
  'SqliteGuestKeyStore (temp file)',
  () => {
    const { path, cleanup } = tempLedgerFile();
    return Promise.resolve({ store: SqliteGuestKeyStore.open({ path }), cleanup });
  },
  api,
);
guestKeyStoreContract(
  'PostgresGuestKeyStore (fresh schema)',
  () => {
    const { database, cleanup } = freshDatabase();
    return Promise.resolve({ store: new PostgresGuestKeyStore(database), cleanup });
  },
  api,
);

feedCheckpointStoreContract(
  'InMemoryFeedCheckpointStore',
  () => Promise.resolve({ store: new InMemoryFeedCheckpointStore(clock), clock }),
  api,
);
feedCheckpointStoreContract(
  'SqliteFeedCheckpointStore (temp file)',
  () => {
    const { path, cleanup } = tempLedgerFile();
    return Promise.resolve({
      store: SqliteFeedCheckpointStore.open({ path }, clock),
      clock,
      cleanup,
    });
  },
  api,
);
feedCheckpointStoreContract(
  'PostgresFeedCheckpointStore (fresh schema)',
  () => {
    const { database, cleanup } = freshDatabase();
    return Promise.resolve({
      store: new PostgresFeedCheckpointStore(database, clock),
      clock,
      cleanup,
    });
  },
  api,
);

guestSessionStoreContract(
  'InMemoryGuestSessionStore',
  () => Promise.resolve({ store: new InMemoryGuestSessionStore() }),
  api,
);
guestSessionStoreContract(
  'SqliteGuestSessionStore (temp file)',
  () => {
    const { path, cleanup } = tempLedgerFile();
    return Promise.resolve({ store: new SqliteGuestSessionStore({ path }), cleanup });
  },
  api,
);
guestSessionStoreContract(
  'PostgresGuestSessionStore (fresh schema)',
  () => {
    const { database, cleanup } = freshDatabase();
    return Promise.resolve({ store: new PostgresGuestSessionStore(database), cleanup });
  },
  api,
);
