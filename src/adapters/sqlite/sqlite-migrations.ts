import type { Database } from 'better-sqlite3';
import { LedgerUnavailableError } from '../../application/errors.js';
import { GENESIS_HASH } from '../../application/ledger/hash-chain.js';

export interface Migration {
  /** Written to `PRAGMA user_version` in the same transaction as the schema change. */
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/*
 * Stream reads use the index behind UNIQUE(stream_id, stream_version); type reads use
 * events_by_type. The triggers make the table append-only and refuse a row that does not
 * continue the chain (a gap, or a prev_hash that is not the last row's hash), whoever writes it.
 * The transmissions tables are a projection, rebuilt from events at will: updating them is fine.
 */
const V1_SCHEMA = `
CREATE TABLE events (
  global_position INTEGER PRIMARY KEY,
  stream_id TEXT NOT NULL,
  stream_version INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  UNIQUE (stream_id, stream_version)
);
CREATE INDEX events_by_type ON events (event_type, global_position);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE is not allowed'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE is not allowed'); END;
CREATE TRIGGER events_chain_continues BEFORE INSERT ON events
WHEN NEW.global_position IS NOT COALESCE((SELECT MAX(global_position) FROM events), 0) + 1
  OR NEW.prev_hash IS NOT COALESCE(
    (SELECT hash FROM events ORDER BY global_position DESC LIMIT 1), '${GENESIS_HASH}')
BEGIN SELECT RAISE(ABORT, 'events must continue the chain: next position, previous hash'); END;

CREATE TABLE transmissions (
  stream_id TEXT PRIMARY KEY,
  command_id TEXT NOT NULL UNIQUE,
  conversation_ref TEXT NOT NULL,
  status TEXT NOT NULL,
  retry_at_ms INTEGER,
  sequence INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  last_position INTEGER NOT NULL,
  last_version INTEGER NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX transmissions_by_status ON transmissions (status);

CREATE TABLE open_transmissions (
  stream_id TEXT PRIMARY KEY,
  command_id TEXT NOT NULL,
  conversation_ref TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'inFlight')),
  retry_at_ms INTEGER,
  sequence INTEGER NOT NULL UNIQUE
);
CREATE INDEX open_transmissions_by_conversation ON open_transmissions (conversation_ref, sequence);
CREATE INDEX open_transmissions_by_status ON open_transmissions (status, sequence);
`;

/*
 * Per-guest data keys, wrapped with the master key, for the personal content of transmissions.
 * Deleting a row here is how `gtx privacy forget` erases a guest; the events table is untouched.
 */
const GUEST_KEYS_SCHEMA = `
CREATE TABLE guest_keys (
  key_id TEXT PRIMARY KEY,
  guest_id_hash TEXT NOT NULL UNIQUE,
  wrapped TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;

/*
 * Claims of the work queue: who holds an open transmission, until when, and a fence that grows
 * with every claim so an outcome from a holder that lost its lease is refused. Rows that an
 * earlier version left in flight have no holder, so the first worker resumes them.
 */
const WORK_CLAIMS_SCHEMA = `
ALTER TABLE open_transmissions ADD COLUMN claim_owner TEXT;
ALTER TABLE open_transmissions ADD COLUMN claim_until_ms INTEGER;
ALTER TABLE open_transmissions ADD COLUMN claim_fence INTEGER NOT NULL DEFAULT 0;
CREATE INDEX open_transmissions_by_owner ON open_transmissions (claim_owner)
  WHERE claim_owner IS NOT NULL;
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'events with chain triggers; transmissions projection',
    sql: V1_SCHEMA,
  },
  {
    version: 2,
    description: 'guest data keys (not part of the ledger: rows are deleted to erase a guest)',
    sql: GUEST_KEYS_SCHEMA,
  },
  {
    version: 3,
    description: 'work-queue claims with owner, lease and fence, for several workers',
    sql: WORK_CLAIMS_SCHEMA,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/**
 * Applies the migrations the file has not seen, each in its own IMMEDIATE transaction that reads
 * the version again under the write lock: several processes opening a new file at once (two
 * batch jobs, a batch beside `gtx serve`) apply each migration exactly once.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations.at(-1)?.version ?? 0;
  const refuseNewer = (current: number): void => {
    if (current > latest) {
      throw new LedgerUnavailableError(
        `its schema version ${current} is newer than this program's ${latest}; upgrade genesys-transmitter`,
      );
    }
  };
  refuseNewer(schemaVersion(db));
  for (const migration of migrations) {
    if (migration.version <= schemaVersion(db)) continue;
    db.transaction(() => {
      const current = schemaVersion(db);
      refuseNewer(current);
      // Another process applied it while this one waited for the lock.
      if (migration.version <= current) return;
      db.exec(migration.sql);
      // Inside the transaction: a failed migration leaves the version where it was.
      db.pragma(`user_version = ${String(migration.version)}`);
    }).immediate();
  }
}
