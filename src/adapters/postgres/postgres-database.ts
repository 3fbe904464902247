import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import type { ClientConfig, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { LedgerClosedError, LedgerUnavailableError } from '../../application/errors.js';
import type { LogFields, Logger } from '../../application/ports/logger.port.js';
import { hasErrorCode, isGtxError } from '../../domain/index.js';
import { redactSecret } from './postgres-redaction.js';
import {
  isConnectionLoss,
  isTransientConflict,
  toLedgerError,
  type FailureContext,
} from './postgres-errors.js';
import {
  resolvePostgresSettings,
  type PostgresLedgerSettings,
  type ResolvedPostgresSettings,
} from './postgres-ledger-options.js';
import { migratePostgres } from './postgres-migrations.js';
import { quoteSchema, type PostgresSession } from './postgres-session.js';

export interface PostgresDatabaseOptions {
  /** Where lost idle connections are reported; they are counted in `stats()` either way. */
  readonly logger?: Logger;
}

export interface PostgresDatabaseStats {
  /** Null until the schema is migrated. */
  readonly schemaVersion: number | null;
  readonly pool: { readonly total: number; readonly idle: number; readonly waiting: number };
  /** Idle connections the server or the network ended; the pool replaced them. */
  readonly idleConnectionsLost: number;
  /** Transactions run again after a deadlock, a serialization failure or a lost connection. */
  readonly transactionRetries: number;
}

/** What the event store on this database did, for tests and diagnostics. */
export interface PostgresLedgerDiagnostics extends PostgresDatabaseStats {
  readonly schema: string;
  readonly groupCommit: boolean;
  /** Append transactions committed or attempted by group commit since open. */
  readonly writeTransactions: number;
  readonly appendRequests: number;
  /** Batches run again one savepoint per request after a statement of the batch's failed. */
  readonly separatedBatches: number;
}

/** Deadlocks and serialization failures: the server rolled back; running again is safe. */
const MAX_CONFLICT_ATTEMPTS = 5;
/** A connection lost before COMMIT was sent: nothing committed, so a fresh connection may retry. */
const MAX_CONNECTION_ATTEMPTS = 3;

/**
 * The one handle on a PostgreSQL ledger per process and URL: a connection pool, opened and
 * migrated at once (`open` is synchronous, `ready()` says when the schema is usable, and every
 * query waits for it), shared by every store built on it. Each store `retain`s the handle when
 * built and `release`s it when closed; the pool ends with the last release.
 *
 * Driver failures leave here as coded errors naming the server and never the password. A lost
 * connection is replaced by the pool; transactions lost before COMMIT, deadlocks and
 * serialization failures are run again a bounded number of times.
 */
export class PostgresDatabase {
  readonly settings: ResolvedPostgresSettings;
  /** The schema, quoted for SQL: `"gtx"`. */
  readonly sqlSchema: string;
  private readonly pool: pg.Pool;
  private readonly readiness: Promise<void>;
  private readonly context: FailureContext;
  private holders = 0;
  /** Set when the last store released the handle; a failed open ends the pool but not this. */
  private closed = false;
  private ending: Promise<void> | null = null;
  private version: number | null = null;
  private idleConnectionsLost = 0;
  private transactionRetries = 0;
  /** Until one connection opened, a failure is the server being unreachable, not a lost link. */
  private everConnected = false;

  private constructor(
    settings: ResolvedPostgresSettings,
    private readonly logger: Logger | undefined,
  ) {
    this.settings = settings;
    this.sqlSchema = quoteSchema(settings.schema);
    this.context = {
      target: settings.target,
      database: settings.database,
      schema: settings.schema,
      role: settings.role,
      password: settings.password,
      poolSize: settings.poolSize,
      connectTimeoutMs: settings.connectTimeoutMs,
    };
    this.pool = new pg.Pool({
      ...this.clientConfig(),
      max: settings.poolSize,
      // A process whose work is done exits even while idle connections are open.
      allowExitOnIdle: true,
    });
    // An idle connection the server ended (a restart, pg_terminate_backend, a network cut)
    // must not crash the process: the pool drops it and opens a new one for the next query.
    this.pool.on('error', (error) => {
      this.idleConnectionsLost += 1;
      this.warn('PostgreSQL ended an idle ledger connection; the pool replaces it', {
        code: (error as { code?: string }).code ?? null,
      });
    });
    this.pool.on('connect', () => {
      this.everConnected = true;
    });
    this.readiness = this.migrate();
    // Callers see the failure through ready() and every operation; this only keeps a handle
    // nobody asked yet from being reported as an unhandled rejection.
    this.readiness.catch(() => undefined);
  }

  /** Checks the settings (throws `PostgresConfigError`), then starts connecting and migrating. */
  static open(
    settings: PostgresLedgerSettings,
    options: PostgresDatabaseOptions = {},
  ): PostgresDatabase {
    return new PostgresDatabase(resolvePostgresSettings(settings), options.logger);
  }

  /** Resolves once the schema is migrated; rejects with the coded error that stopped it. */
  ready(): Promise<void> {
    return this.readiness;
  }

  /** A store built on this handle; the pool stays open until every store released it. */
  retain(): void {
    if (this.closed) throw new LedgerClosedError();
    this.holders += 1;
  }

  /** A store closed; the last one ends the pool. */
  release(): Promise<void> {
    this.holders = Math.max(0, this.holders - 1);
    if (this.holders > 0) return Promise.resolve();
    this.closed = true;
    return this.end();
  }

  /** One statement in auto-commit; a connection lost on the way is retried on a fresh one. */
  async query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>> {
    await this.usable();
    return this.withConnectionRetry(() => this.pool.query<R>(text, values));
  }

  /** `work` in one transaction, run again on a deadlock, serialization failure or lost link. */
  async transaction<T>(work: (tx: PostgresSession) => Promise<T>): Promise<T> {
    await this.usable();
    return this.runTransaction(work);
  }

  /**
   * A connection of its own, outside the pool, for what must hold one session (LISTEN, a
   * session advisory lock). The caller ends it, and must listen for its `error` event.
   */
  async connectClient(purpose: string): Promise<pg.Client> {
    await this.usable();
    const client = new pg.Client({
      ...this.clientConfig(),
      application_name: `${this.settings.applicationName} ${purpose}`.slice(0, 63),
    });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw this.failure(error);
    }
  }

  /** Trouble a background connection (listener, leader lock) met and is handling itself. */
  warn(message: string, fields: LogFields = {}): void {
    this.logger?.warn(message, {
      target: this.settings.target,
      schema: this.settings.schema,
      ...fields,
    });
  }

  /** A driver failure as the coded error the ledger reports. */
  failure(error: unknown): Error {
    return toLedgerError(error, this.context);
  }

  stats(): PostgresDatabaseStats {
    return {
      schemaVersion: this.version,
      pool: {
        total: this.pool.totalCount,
        idle: this.pool.idleCount,
        waiting: this.pool.waitingCount,
      },
      idleConnectionsLost: this.idleConnectionsLost,
      transactionRetries: this.transactionRetries,
    };
  }

  private clientConfig(): ClientConfig {
    return {
      connectionString: this.settings.url,
      connectionTimeoutMillis: this.settings.connectTimeoutMs,
      application_name: this.settings.applicationName,
      keepAlive: true,
      // A paused process must not hold the chain head (and so every writer) for ever.
      idle_in_transaction_session_timeout: this.settings.idleInTransactionTimeoutMs,
    };
  }

  private async usable(): Promise<void> {
    if (this.closed) throw new LedgerClosedError();
    await this.readiness;
  }

  private end(): Promise<void> {
    this.ending ??= this.pool.end();
    return this.ending;
  }

  private async migrate(): Promise<void> {
    try {
      const session: PostgresSession = {
        query: (text, values) => this.withConnectionRetry(() => this.pool.query(text, values)),
      };
      this.version = await migratePostgres(
        session,
        (work) => this.runTransaction(work),
        this.settings.schema,
      );
    } catch (error) {
      await this.end().catch(() => undefined);
      throw this.openFailure(error);
    }
  }

  private openFailure(error: unknown): Error {
    const { target, database, schema } = this.context;
    // A socket closed while connecting (a connect timeout does that) says nothing more.
    const driverError = isGtxError(error) ? error.cause : error;
    const closedWhileConnecting =
      !this.everConnected &&
      driverError !== undefined &&
      isConnectionLoss(driverError) &&
      (driverError as { code?: unknown }).code === undefined;
    if (closedWhileConnecting) {
      return new LedgerUnavailableError(
        `cannot reach PostgreSQL at ${target} (database ${database}, schema ${schema}): no connection opened within ${this.settings.connectTimeoutMs} ms (${redactSecret(errorMessage(driverError), this.context.password)})`,
        driverError,
      );
    }
    const failure = this.failure(error);
    if (
      !hasErrorCode(failure, 'LEDGER_UNAVAILABLE') ||
      failure.message.includes(this.context.target)
    ) {
      return failure;
    }
    const reason = failure.message.replace(/^the ledger cannot be used: /, '');
    return new LedgerUnavailableError(
      `cannot open PostgreSQL at ${this.context.target} (database ${this.context.database}, schema ${this.context.schema}) as a ledger: ${reason}`,
      failure,
    );
  }

  private async withConnectionRetry<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await run();
      } catch (error) {
        if (
          !isConnectionLoss(error) ||
          attempt >= MAX_CONNECTION_ATTEMPTS ||
          this.ending !== null
        ) {
          throw this.failure(error);
        }
        await delay(backoffMs(attempt));
      }
    }
  }

  private async runTransaction<T>(work: (tx: PostgresSession) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.withConnectionRetry(() => this.pool.connect());
      const outcome = await attemptTransaction(client, work);
      if (outcome.ok) return outcome.value;
      const { error, commitSent } = outcome;
      const retry =
        this.ending === null &&
        ((isTransientConflict(error) && attempt < MAX_CONFLICT_ATTEMPTS) ||
          (isConnectionLoss(error) && !commitSent && attempt < MAX_CONNECTION_ATTEMPTS));
      if (!retry) {
        if (commitSent && isConnectionLoss(error)) {
          throw new LedgerUnavailableError(
            `lost the connection to PostgreSQL at ${this.context.target} while committing; whether the transaction committed is unknown`,
            error,
          );
        }
        throw this.failure(error);
      }
      this.transactionRetries += 1;
      await delay(backoffMs(attempt));
    }
  }
}

type TransactionOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown; readonly commitSent: boolean };

/** One try: BEGIN, work, COMMIT; on failure ROLLBACK, or drop the connection if it broke. */
async function attemptTransaction<T>(
  client: PoolClient,
  work: (tx: PostgresSession) => Promise<T>,
): Promise<TransactionOutcome<T>> {
  let broken: unknown = null;
  // A checked-out connection that fails between two statements emits `error`; without a
  // listener that would crash the process. The next statement then fails and says why.
  const onError = (error: unknown): void => {
    broken ??= error;
  };
  client.on('error', onError);
  let commitSent = false;
  try {
    await client.query('BEGIN');
    const value = await work(client);
    commitSent = true;
    await client.query('COMMIT');
    client.off('error', onError);
    client.release();
    return { ok: true, value };
  } catch (error) {
    if (broken === null && !isConnectionLoss(error)) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError;
      }
    }
    client.off('error', onError);
    // A connection that broke (or could not roll back) is destroyed, not reused.
    client.release(
      broken !== null || isConnectionLoss(error) ? asError(broken ?? error) : undefined,
    );
    return { ok: false, error, commitSent };
  }
}

function errorMessage(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function backoffMs(attempt: number): number {
  return Math.min(1000, 20 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
}
