import { LedgerPermissionDeniedError, LedgerUnavailableError } from '../../application/errors.js';
import { GtxError, isGtxError } from '../../domain/index.js';
import { redactSecret } from './postgres-redaction.js';

/** The PostgreSQL ledger's settings cannot work: a URL that does not parse, a bad schema name… */
export class PostgresConfigError extends GtxError {
  static readonly CODE = 'POSTGRES_CONFIG_INVALID';

  constructor(setting: string, reason: string) {
    super(PostgresConfigError.CODE, `${setting}: ${reason}`, { details: { setting } });
  }
}

/** What an error message may say about the server the ledger talks to. */
export interface FailureContext {
  /** `host:port`. */
  readonly target: string;
  readonly database: string;
  readonly schema: string;
  readonly role: string;
  /** Cut out of every message. */
  readonly password: string;
  /** The pool's size and how long a query waits for one of its connections. */
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
}

/** What pg-pool says when every connection stayed busy for the whole connection timeout. */
const POOL_WAIT_TIMEOUT = /^timeout exceeded when trying to connect$/;

interface DriverError {
  readonly code?: unknown;
  readonly message?: unknown;
}

/** Node's socket and DNS failures, as a reason a person can act on. */
const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (is PostgreSQL running and listening there?)',
  ENOTFOUND: 'the host name does not resolve (DNS)',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS)',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
};

/** SQLSTATEs that mean the server, the database or the login is not there for us. */
const UNAVAILABLE_STATES: Readonly<Record<string, string>> = {
  '28P01': 'password authentication failed',
  '28000': 'the server refused the login',
  '3D000': 'the database does not exist',
  '57P01': 'the server ended the connection (terminated by an administrator or shutting down)',
  '57P02': 'the server crashed',
  '57P03': 'the server is not accepting connections yet',
  '53300': 'the server has too many connections',
  '40P01': 'deadlocks kept recurring',
  '40001': 'serialization failures kept recurring',
};

const LOST_CONNECTION = /connection terminated|not queryable|connection error|timeout/i;

function driverCode(error: unknown): string | null {
  const code = (error as DriverError | null)?.code;
  return typeof code === 'string' ? code : null;
}

function driverMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A failure that lost the connection: the transaction cannot have committed unless COMMIT was sent. */
export function isConnectionLoss(error: unknown): boolean {
  if (isGtxError(error)) return false;
  const code = driverCode(error);
  if (code !== null && (code in NETWORK_REASONS || code.startsWith('08'))) return true;
  if (code === '57P01' || code === '57P02' || code === '57P03') return true;
  return code === null && LOST_CONNECTION.test(driverMessage(error));
}

/** Deadlock or serialization failure: the server rolled the transaction back; try it again. */
export function isTransientConflict(error: unknown): boolean {
  const code = driverCode(error);
  return code === '40P01' || code === '40001';
}

/**
 * The coded error a driver failure becomes. Every message names the server (host:port, database,
 * schema) and never the password; our own coded errors pass through unchanged.
 */
export function toLedgerError(error: unknown, context: FailureContext): Error {
  if (isGtxError(error)) return error;
  const code = driverCode(error);
  const message = redactSecret(driverMessage(error), context.password);
  const where = `PostgreSQL at ${context.target} (database ${context.database}, schema ${context.schema})`;
  if (code === '42501') return new LedgerPermissionDeniedError(context.role, message, error);
  if (code !== null && code in NETWORK_REASONS) {
    return new LedgerUnavailableError(`cannot reach ${where}: ${NETWORK_REASONS[code]}`, error);
  }
  const known = code === null ? undefined : UNAVAILABLE_STATES[code];
  if (known !== undefined) {
    return new LedgerUnavailableError(`${where}: ${known}: ${message}`, error);
  }
  if (code === null && POOL_WAIT_TIMEOUT.test(message)) {
    // Not a lost connection: the server was never asked. This process had more work at once
    // than its pool has connections (poolSize), so the work waited and was not started.
    return new LedgerUnavailableError(
      `${where}: all ${String(context.poolSize)} connections of this process's pool stayed busy for ${String(context.connectTimeoutMs)} ms, so the operation was not started (more work at once than poolSize connections can carry)`,
      error,
    );
  }
  if (isConnectionLoss(error)) {
    return new LedgerUnavailableError(`lost the connection to ${where}: ${message}`, error);
  }
  return new LedgerUnavailableError(
    `${where} refused the operation${code === null ? '' : ` (SQLSTATE ${code})`}: ${message}`,
    error,
  );
}
