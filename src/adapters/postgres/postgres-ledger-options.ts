import { PostgresConfigError } from './postgres-errors.js';
import { redactUrl } from './postgres-redaction.js';

/** Settings of the PostgreSQL ledger; several processes may share one database and schema. */
export interface PostgresLedgerSettings {
  /** `postgres://user:password@host:port/database` (or `postgresql://`), as libpq reads it. */
  readonly url: string;
  /** The schema every table lives in, created when missing; default `gtx`. */
  readonly schema?: string;
  /** Connections this process opens at most (the listener and leader lock use their own). */
  readonly poolSize?: number;
  /** How long opening one connection may take before the ledger is reported unavailable. */
  readonly connectTimeoutMs?: number;
  /** The most events one `readAll` returns, and the page size of rebuilds; default 1000. */
  readonly readPageSize?: number;
  /** Appends issued in the same tick share one transaction; default true. */
  readonly groupCommit?: boolean;
  /**
   * The server ends a session of ours that sits inside a transaction this long (a paused or
   * stuck process holding the chain head), so the other workers' appends go on; default 5000.
   */
  readonly idleInTransactionTimeoutMs?: number;
  /** What `pg_stat_activity` shows for this process's connections. */
  readonly applicationName?: string;
}

export const POSTGRES_LEDGER_DEFAULTS = {
  schema: 'gtx',
  poolSize: 10,
  connectTimeoutMs: 5000,
  readPageSize: 1000,
  groupCommit: true,
  idleInTransactionTimeoutMs: 5000,
  applicationName: 'genesys-transmitter',
} as const satisfies Required<Omit<PostgresLedgerSettings, 'url'>>;

/** Settings checked, defaults filled in, and what errors may say about the server. */
export interface ResolvedPostgresSettings extends Required<PostgresLedgerSettings> {
  /** `host:port`, for messages. */
  readonly target: string;
  readonly database: string;
  /** The role the connections log in as, for permission errors. */
  readonly role: string;
  /** The URL with its password replaced, safe to show. */
  readonly redactedUrl: string;
  /** The password, so that it can be cut out of any text before it is shown; '' when none. */
  readonly password: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const POSTGRES_SCHEMES = new Set(['postgres:', 'postgresql:']);
const DEFAULT_PORT = '5432';

/** Whether `text` names a PostgreSQL database (rather than, say, a SQLite file path). */
export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text.trim());
}

/** Checks every setting; throws `PostgresConfigError` naming the first bad one. */
export function resolvePostgresSettings(
  settings: PostgresLedgerSettings,
): ResolvedPostgresSettings {
  const url = parseUrl(settings.url);
  const schema = settings.schema ?? POSTGRES_LEDGER_DEFAULTS.schema;
  checkSchema(schema);
  const applicationName = settings.applicationName ?? POSTGRES_LEDGER_DEFAULTS.applicationName;
  if (typeof applicationName !== 'string' || applicationName.length > 63) {
    throw new PostgresConfigError('applicationName', 'must be text of at most 63 characters');
  }
  const password = decodePart('password', url.password);
  const host = url.hostname === '' ? (url.searchParams.get('host') ?? 'localhost') : url.hostname;
  const user = decodePart('user', url.username);
  return {
    url: settings.url,
    schema,
    poolSize: positiveInteger('poolSize', settings.poolSize, POSTGRES_LEDGER_DEFAULTS.poolSize),
    connectTimeoutMs: positiveInteger(
      'connectTimeoutMs',
      settings.connectTimeoutMs,
      POSTGRES_LEDGER_DEFAULTS.connectTimeoutMs,
    ),
    readPageSize: positiveInteger(
      'readPageSize',
      settings.readPageSize,
      POSTGRES_LEDGER_DEFAULTS.readPageSize,
    ),
    groupCommit: settings.groupCommit ?? POSTGRES_LEDGER_DEFAULTS.groupCommit,
    idleInTransactionTimeoutMs: positiveInteger(
      'idleInTransactionTimeoutMs',
      settings.idleInTransactionTimeoutMs,
      POSTGRES_LEDGER_DEFAULTS.idleInTransactionTimeoutMs,
    ),
    applicationName,
    target: `${host}:${url.port === '' ? DEFAULT_PORT : url.port}`,
    database: decodePart('database', url.pathname.replace(/^\//, '')) || user || 'postgres',
    role: user === '' ? defaultRole() : user,
    redactedUrl: redactUrl(settings.url),
    password,
  };
}

/** A part of the URL with its %-escapes decoded; a malformed escape is refused, not thrown. */
function decodePart(part: 'user' | 'password' | 'database', text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Never echo the password itself, even malformed.
    throw new PostgresConfigError('url', `its ${part} has a malformed %-escape`);
  }
}

function parseUrl(text: unknown): URL {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new PostgresConfigError('url', 'is missing: give postgres://user@host:port/database');
  }
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new PostgresConfigError('url', `${redactUrl(text)} does not parse as a URL`);
  }
  if (!POSTGRES_SCHEMES.has(url.protocol.toLowerCase())) {
    throw new PostgresConfigError(
      'url',
      `${redactUrl(text)} has the scheme ${url.protocol.replace(/:$/, '')}; use postgres:// or postgresql://`,
    );
  }
  return url;
}

function checkSchema(schema: unknown): void {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new PostgresConfigError(
      'schema',
      `${JSON.stringify(schema)} is not a schema name: lower-case letters, digits and _, starting with a letter or _, at most 63`,
    );
  }
  // PostgreSQL reserves these for its own schemas and refuses to create one.
  if (schema.startsWith('pg_')) {
    throw new PostgresConfigError('schema', `${schema} starts with pg_, which PostgreSQL reserves`);
  }
}

function positiveInteger(setting: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new PostgresConfigError(setting, `must be a positive integer, not ${String(value)}`);
  }
  return value;
}

/** The role libpq (and pg) log in as when the URL names none. */
function defaultRole(): string {
  return process.env.PGUSER ?? process.env.USER ?? process.env.USERNAME ?? 'postgres';
}
