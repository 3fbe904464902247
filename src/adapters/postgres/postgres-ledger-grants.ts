import { PostgresConfigError } from './postgres-errors.js';
import { quoteSchema } from './postgres-session.js';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const REPLACEABLE_TABLES = [
  'transmissions',
  'open_transmissions',
  'guest_keys',
  'feed_checkpoints',
  'webmessaging_sessions',
] as const;

/**
 * The rights of a role that runs the transmitter on a ledger another role created and migrated
 * (the schema's owner), and nothing more: it can read and append events but never change or
 * remove one (UPDATE, DELETE and TRUNCATE on events are not granted, and the table's triggers
 * refuse them even to the owner).
 *
 * - events: SELECT, INSERT. The insert trigger moves ledger_head on as the inserting role.
 * - ledger_head: SELECT, UPDATE; every append locks its row (SELECT … FOR UPDATE needs UPDATE).
 * - schema_migrations: SELECT, to see that the schema is up to date (a role without CREATE on
 *   the database cannot migrate; the owner opens the ledger once after an upgrade).
 * - transmissions, open_transmissions: the work-queue projection, written in each append's
 *   transaction, claimed and released in place, cleared and refolded by a rebuild.
 * - guest_keys, feed_checkpoints, webmessaging_sessions: stores beside the ledger whose rows are
 *   replaced and deleted (forgetting a guest deletes its key).
 *
 * Example, for the schema `gtx` and the role `gtx_writer`:
 *
 * ```sql
 * GRANT USAGE ON SCHEMA "gtx" TO "gtx_writer";
 * GRANT SELECT ON "gtx".schema_migrations TO "gtx_writer";
 * GRANT SELECT, INSERT ON "gtx".events TO "gtx_writer";
 * GRANT SELECT, UPDATE ON "gtx".ledger_head TO "gtx_writer";
 * GRANT SELECT, INSERT, UPDATE, DELETE ON "gtx".transmissions, "gtx".open_transmissions,
 *   "gtx".guest_keys, "gtx".feed_checkpoints, "gtx".webmessaging_sessions TO "gtx_writer";
 * ```
 */
export function ledgerGrantsSql(schema: string, role: string): string {
  if (!ROLE_NAME.test(role)) {
    throw new PostgresConfigError('role', `${JSON.stringify(role)} is not a plain role name`);
  }
  const s = quoteSchema(schema);
  const r = `"${role}"`;
  const stores = REPLACEABLE_TABLES.map((table) => `${s}.${table}`).join(', ');
  return [
    `GRANT USAGE ON SCHEMA ${s} TO ${r};`,
    `GRANT SELECT ON ${s}.schema_migrations TO ${r};`,
    `GRANT SELECT, INSERT ON ${s}.events TO ${r};`,
    `GRANT SELECT, UPDATE ON ${s}.ledger_head TO ${r};`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${stores} TO ${r};`,
  ].join('\n');
}
