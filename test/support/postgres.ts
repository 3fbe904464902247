import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test server; every test works in a schema of its own there and drops it. */
export const TEST_POSTGRES_URL =
  process.env.GTX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface PostgresTestSchema {
  readonly url: string;
  /** A fresh name, `gtx_t_<random hex>`: nothing exists under it until a ledger opens it. */
  readonly schema: string;
  /** DROP SCHEMA … CASCADE; safe when the schema was never created. */
  drop(): Promise<void>;
}

/** A unique schema name on the test server, and the way to remove it. */
export function postgresTestSchema(): PostgresTestSchema {
  const schema = `gtx_t_${randomBytes(6).toString('hex')}`;
  return {
    url: TEST_POSTGRES_URL,
    schema,
    drop: async () => {
      await withAdmin((admin) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    },
  };
}

/**
 * Runs `work` on a connection of the test server's superuser, for what a test does around the
 * ledger (raw SQL, killing connections, roles). Fails with a line saying what is missing when
 * the server does not answer: these tests never skip.
 */
export async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({
    connectionString: TEST_POSTGRES_URL,
    connectionTimeoutMillis: 5000,
  });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is needed for this test and does not answer at ${TEST_POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')} (set GTX_TEST_POSTGRES_URL): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Fails the calling suite at once, with the reason, when the test server does not answer. */
export async function requirePostgres(): Promise<void> {
  await withAdmin((admin) => admin.query('SELECT 1'));
}

/**
 * Ends every connection whose application_name starts with `applicationName` (the pool's and
 * the listener's), as a server restart or a network cut would; returns how many.
 */
export async function terminateConnections(applicationName: string): Promise<number> {
  return withAdmin(async (admin) => {
    const result = await admin.query<{ pid: number }>(
      `SELECT pg_terminate_backend(pid) AS ended, pid FROM pg_stat_activity
       WHERE starts_with(application_name, $1) AND pid <> pg_backend_pid()`,
      [applicationName],
    );
    return result.rowCount ?? 0;
  });
}
