import { LedgerUnavailableError } from '../../application/errors.js';
import { GENESIS_HASH } from '../../application/ledger/hash-chain.js';
import { advisoryLockKey } from './postgres-advisory-keys.js';
import { quoteSchema, type PostgresSession, type TransactionRunner } from './postgres-session.js';

export interface PostgresMigration {
  /** Recorded in `<schema>.schema_migrations` in the same transaction as the change. */
  readonly version: number;
  readonly description: string;
  /** The statements, for the schema `s` (already quoted). */
  readonly sql: (s: string) => string;
}

/*
 * Data and metadata are TEXT, never jsonb: the canonical JSON text stored is exactly what was
 * hashed, and jsonb would re-order keys and re-format numbers. Stream reads use the index behind
 * UNIQUE(stream_id, stream_version); type reads use events_by_type.
 *
 * ledger_head is the chain's lock: every append locks its one row (SELECT … FOR UPDATE) before
 * numbering rows, so positions are gapless and in commit order across every process. The insert
 * trigger checks each row against the last stored row itself (not against ledger_head), so a row
 * that does not continue the chain is refused whoever writes it and whatever ledger_head says,
 * then moves ledger_head on. (Version 4 replaces this per-row trigger with one per statement.)
 */
const EVENTS = (s: string): string => `
CREATE TABLE ${s}.events (
  global_position BIGINT PRIMARY KEY,
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
CREATE INDEX events_by_type ON ${s}.events (event_type, global_position);

CREATE TABLE ${s}.ledger_head (
  only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
  position BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO ${s}.ledger_head (position, hash) VALUES (0, '${GENESIS_HASH}');

CREATE FUNCTION ${s}.events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION ${s}.events_continue_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_position BIGINT := 0;
  last_hash TEXT := '${GENESIS_HASH}';
BEGIN
  SELECT global_position, hash INTO last_position, last_hash
    FROM ${s}.events ORDER BY global_position DESC LIMIT 1;
  IF NOT FOUND THEN
    last_position := 0;
    last_hash := '${GENESIS_HASH}';
  END IF;
  IF NEW.global_position IS DISTINCT FROM last_position + 1
     OR NEW.prev_hash IS DISTINCT FROM last_hash THEN
    RAISE EXCEPTION 'events must continue the chain: next position %, previous hash %',
      last_position + 1, last_hash
      USING ERRCODE = 'check_violation';
  END IF;
  UPDATE ${s}.ledger_head SET position = NEW.global_position, hash = NEW.hash;
  RETURN NEW;
END $$;

CREATE TRIGGER events_chain_continues BEFORE INSERT ON ${s}.events
  FOR EACH ROW EXECUTE FUNCTION ${s}.events_continue_chain();
CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON ${s}.events
  FOR EACH ROW EXECUTE FUNCTION ${s}.events_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON ${s}.events
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.events_refuse_change();
`;

/*
 * The work queue: a projection of transmission streams, rebuilt from events at will, so its rows
 * are updated in place. open_transmissions holds only work still to do, with its claim: who holds
 * it, until when, and a fence that grows with every claim so an outcome from a holder that lost
 * its lease is refused.
 */
const WORK_QUEUE = (s: string): string => `
CREATE TABLE ${s}.transmissions (
  stream_id TEXT PRIMARY KEY,
  command_id TEXT NOT NULL UNIQUE,
  conversation_ref TEXT NOT NULL,
  status TEXT NOT NULL,
  retry_at_ms BIGINT,
  sequence BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  last_position BIGINT NOT NULL,
  last_version INTEGER NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX transmissions_by_status ON ${s}.transmissions (status);

CREATE TABLE ${s}.open_transmissions (
  stream_id TEXT PRIMARY KEY,
  command_id TEXT NOT NULL,
  conversation_ref TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'inFlight')),
  retry_at_ms BIGINT,
  sequence BIGINT NOT NULL UNIQUE,
  claim_owner TEXT,
  claim_until_ms BIGINT,
  claim_fence BIGINT NOT NULL DEFAULT 0
);
-- The head of a conversation is its open row with the lowest sequence.
CREATE INDEX open_transmissions_by_conversation
  ON ${s}.open_transmissions (conversation_ref, sequence);
CREATE INDEX open_transmissions_by_owner ON ${s}.open_transmissions (claim_owner)
  WHERE claim_owner IS NOT NULL;
`;

/*
 * Stores beside the ledger that are not part of it: rows here are updated and deleted (deleting a
 * guest key is how a guest is erased; a session token is replaced when it expires).
 */
const SIDE_STORES = (s: string): string => `
CREATE TABLE ${s}.guest_keys (
  key_id TEXT PRIMARY KEY,
  guest_id_hash TEXT NOT NULL UNIQUE,
  wrapped TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE ${s}.feed_checkpoints (
  name TEXT PRIMARY KEY,
  position BIGINT NOT NULL CHECK (position >= 0),
  updated_at TEXT NOT NULL
);
CREATE TABLE ${s}.webmessaging_sessions (
  session_key TEXT PRIMARY KEY,
  token TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;

/*
 * Replaces version 1's per-row chain trigger, which looked up the last stored row and updated
 * ledger_head once for every row, by one check per INSERT (or COPY) statement over all the rows
 * it stored. The rule is the same: ordered by position, the rows must start right after the last
 * row stored before them, with its hash as prev_hash, and each later row must follow the one
 * before it (next position, its hash as prev_hash); otherwise the whole statement is refused
 * with check_violation, naming the first row that breaks the chain. ledger_head then moves to
 * the last row, once.
 *
 * The rows are already in the table when an AFTER trigger runs, so the function first locks
 * ledger_head: every writer queues there (the event store holds that lock already, so for it
 * this costs nothing), and under READ COMMITTED the statements after the lock read a snapshot
 * that includes whatever the previous holder committed. A writer that never took the lock (a
 * raw INSERT) is thereby checked against the chain as it is once it is its turn; under
 * REPEATABLE READ the lock fails instead (serialization failure) if another writer moved the
 * head since the snapshot. The predecessor is read from events, not ledger_head, so a row that
 * does not continue the stored chain is refused whatever ledger_head says.
 */
const STATEMENT_CHAIN_CHECK = (s: string): string => `
DROP TRIGGER events_chain_continues ON ${s}.events;
DROP FUNCTION ${s}.events_continue_chain();

CREATE FUNCTION ${s}.events_continue_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  first_position BIGINT;
  last_position BIGINT := 0;
  last_hash TEXT := '${GENESIS_HASH}';
  broken RECORD;
BEGIN
  PERFORM 1 FROM ${s}.ledger_head FOR UPDATE;
  SELECT MIN(global_position) INTO first_position FROM inserted;
  IF first_position IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT global_position, hash INTO last_position, last_hash
    FROM ${s}.events WHERE global_position < first_position
    ORDER BY global_position DESC LIMIT 1;
  IF NOT FOUND THEN
    last_position := 0;
    last_hash := '${GENESIS_HASH}';
  END IF;
  SELECT * INTO broken FROM (
    SELECT global_position, prev_hash,
      COALESCE(LAG(global_position) OVER chain, last_position) + 1 AS next_position,
      COALESCE(LAG(hash) OVER chain, last_hash) AS previous_hash
    FROM inserted WINDOW chain AS (ORDER BY global_position)
  ) AS checked
  WHERE global_position IS DISTINCT FROM next_position
     OR prev_hash IS DISTINCT FROM previous_hash
  ORDER BY global_position LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'events must continue the chain: next position %, previous hash %',
      broken.next_position, broken.previous_hash
      USING ERRCODE = 'check_violation';
  END IF;
  UPDATE ${s}.ledger_head SET position = last_row.global_position, hash = last_row.hash
    FROM (SELECT global_position, hash FROM inserted
          ORDER BY global_position DESC LIMIT 1) AS last_row;
  RETURN NULL;
END $$;

CREATE TRIGGER events_chain_continues AFTER INSERT ON ${s}.events
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.events_continue_chain();
`;

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  { version: 1, description: 'events with chain triggers, and the chain head', sql: EVENTS },
  {
    version: 2,
    description: 'transmissions projection and work-queue claims (owner, lease, fence)',
    sql: WORK_QUEUE,
  },
  {
    version: 3,
    description: 'guest data keys, feed checkpoints, Web Messaging sessions (not the ledger)',
    sql: SIDE_STORES,
  },
  {
    version: 4,
    description: 'chain check once per INSERT statement instead of once per row',
    sql: STATEMENT_CHAIN_CHECK,
  },
];

export const LATEST_POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/** The schema's version: 0 when it (or its migrations table) does not exist yet. */
export async function postgresSchemaVersion(
  session: PostgresSession,
  schema: string,
): Promise<number> {
  const s = quoteSchema(schema);
  const exists = await session.query<{ present: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS present',
    [`${s}.schema_migrations`],
  );
  if (exists.rows[0]?.present !== true) return 0;
  const result = await session.query<{ version: number | null }>(
    `SELECT MAX(version) AS version FROM ${s}.schema_migrations`,
  );
  return result.rows[0]?.version ?? 0;
}

function refuseNewer(current: number, latest: number): void {
  if (current > latest) {
    throw new LedgerUnavailableError(
      `its schema version ${current} is newer than this program's ${latest}; upgrade genesys-transmitter`,
    );
  }
}

/**
 * Brings the schema up to date; returns its version. An up-to-date schema is only read (so a role
 * that may not create anything can open it). Otherwise each missing migration runs in its own
 * transaction under an advisory lock on the schema, and reads the version again under that lock:
 * several workers starting at once on a new schema apply each migration exactly once.
 */
export async function migratePostgres(
  session: PostgresSession,
  transaction: TransactionRunner,
  schema: string,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0;
  const s = quoteSchema(schema);
  let current = await postgresSchemaVersion(session, schema);
  refuseNewer(current, latest);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    current = await transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [
        advisoryLockKey('migrations', schema),
      ]);
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
           version INTEGER PRIMARY KEY,
           description TEXT NOT NULL,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )`,
      );
      const found = await postgresSchemaVersion(tx, schema);
      refuseNewer(found, latest);
      // Another worker applied it while this one waited for the lock.
      if (migration.version <= found) return found;
      await tx.query(migration.sql(s));
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, description) VALUES ($1, $2)`, [
        migration.version,
        migration.description,
      ]);
      return migration.version;
    });
  }
  return current;
}
