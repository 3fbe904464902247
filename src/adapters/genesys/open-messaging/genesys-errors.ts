import { GtxError, hasErrorCode, type TransportFailure } from '../../../domain/index.js';

/**
 * Genesys refused our client credentials (400 or 401 from /oauth/token). Retrying cannot help,
 * so the CLI stops with its own exit code. The message never carries the id's secret.
 */
export class GenesysAuthError extends GtxError {
  static readonly CODE = 'GENESYS_AUTH_FAILED';

  constructor(status: number, clientId: string, cause?: unknown) {
    super(
      GenesysAuthError.CODE,
      `Genesys rejected the client credentials of OAuth client ${clientId} (HTTP ${status} from /oauth/token)`,
      { cause, details: { status, clientId } },
    );
  }
}

/**
 * The login could not be completed for a reason other than bad credentials: the login host is
 * unreachable, timed out, rate-limited or failing. `failure` says how to retry.
 */
export class GenesysLoginFailedError extends GtxError {
  static readonly CODE = 'GENESYS_LOGIN_FAILED';

  constructor(
    readonly failure: TransportFailure,
    cause?: unknown,
  ) {
    super(GenesysLoginFailedError.CODE, `could not obtain a Genesys token: ${describe(failure)}`, {
      cause,
      details: { kind: failure.kind, status: failure.status, code: failure.code },
    });
  }
}

/** The transport options cannot work (a malformed GENESYS_API_URL, an empty integration id…). */
export class GenesysConfigError extends GtxError {
  static readonly CODE = 'GENESYS_CONFIG_INVALID';

  constructor(setting: string, reason: string) {
    super(GenesysConfigError.CODE, `${setting}: ${reason}`, { details: { setting } });
  }
}

/** `send` after `close`: a bug in the caller, so it rejects instead of answering a failure. */
export class TransportClosedError extends GtxError {
  static readonly CODE = 'GENESYS_TRANSPORT_CLOSED';

  constructor() {
    super(TransportClosedError.CODE, 'the Open Messaging transport is closed');
  }
}

function describe(failure: TransportFailure): string {
  const parts: string[] = [failure.kind];
  if (failure.status !== null) parts.push(`HTTP ${failure.status}`);
  if (failure.code !== null) parts.push(failure.code);
  if (failure.message !== null) parts.push(failure.message);
  return parts.join(', ');
}

/** Brand-based guards: they hold across duplicate copies of the package, unlike `instanceof`. */
export function isGenesysAuthError(value: unknown): value is GenesysAuthError {
  return hasErrorCode(value, GenesysAuthError.CODE);
}

export function isGenesysLoginFailedError(value: unknown): value is GenesysLoginFailedError {
  return hasErrorCode(value, GenesysLoginFailedError.CODE) && 'failure' in value;
}
