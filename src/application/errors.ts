import { GtxError } from '../domain/index.js';

export class LedgerVersionConflictError extends GtxError {
  constructor(streamId: string, expected: string | number, actual: number) {
    super(
      'LEDGER_VERSION_CONFLICT',
      `stream ${streamId}: expected version ${String(expected)}, found ${actual}`,
      { details: { streamId, expected, actual } },
    );
  }
}

export class LedgerClosedError extends GtxError {
  constructor() {
    super('LEDGER_CLOSED', 'the ledger is closed');
  }
}

/** A row that cannot be read back as an event: corrupt JSON, unknown schema version, bad hash. */
export class LedgerCorruptError extends GtxError {
  constructor(position: number, reason: string, cause?: unknown) {
    super('LEDGER_CORRUPT', `ledger row at position ${position}: ${reason}`, {
      cause,
      details: { position },
    });
  }
}

export class LedgerUnavailableError extends GtxError {
  constructor(reason: string, cause?: unknown) {
    super('LEDGER_UNAVAILABLE', `the ledger cannot be used: ${reason}`, { cause });
  }
}

export class LedgerReadOnlyError extends GtxError {
  constructor() {
    super('LEDGER_READ_ONLY', 'the ledger was opened read-only; nothing can be appended');
  }
}

/**
 * A worker tried to record an outcome for work it no longer holds: its lease expired and another
 * worker claimed the transmission (or it was released). Nothing was written.
 */
export class WorkClaimLostError extends GtxError {
  constructor(
    readonly streamId: string,
    readonly owner: string,
    readonly fence: number,
    holder: string | null,
  ) {
    super(
      'WORK_CLAIM_LOST',
      `${owner} no longer holds ${streamId} (claim ${fence}); ${holder === null ? 'nobody holds it now' : `now held by ${holder}`}`,
      { details: { streamId, owner, fence, holder } },
    );
  }
}

/**
 * The database refused the ledger's role something it needs (SQLSTATE 42501): the role is named,
 * and what it lacks, as the database reported it. Nothing was written.
 */
export class LedgerPermissionDeniedError extends GtxError {
  constructor(role: string, lacking: string, cause?: unknown) {
    super(
      'LEDGER_PERMISSION_DENIED',
      `the ledger's role ${role} may not do this: ${lacking}; grant it the ledger's rights`,
      { cause, details: { role, lacking } },
    );
  }
}

/**
 * Rows offered to be stored exactly as they are (a copy from another ledger) that do not continue
 * this ledger's chain, or do not verify on their own. Nothing was written.
 */
export class LedgerImportRefusedError extends GtxError {
  constructor(position: number, reason: string) {
    super('LEDGER_IMPORT_REFUSED', `cannot import the row at position ${position}: ${reason}`, {
      details: { position, reason },
    });
  }
}

/** Genesys answered 404: no integration or Supported Content profile with that id. */
export class GenesysNotFoundError extends GtxError {
  static readonly CODE = 'GENESYS_NOT_FOUND';

  /** `serverTimeMs`: the answer's `Date`, which still tells the server's clock. */
  constructor(what: string, id: string, serverTimeMs: number | null = null) {
    super(GenesysNotFoundError.CODE, `Genesys has no ${what} ${id}`, {
      details: { what, id, serverTimeMs },
    });
  }
}

/** A configuration read that Genesys answered with a failure other than 404 (or not at all). */
export class GenesysReadFailedError extends GtxError {
  static readonly CODE = 'GENESYS_READ_FAILED';

  constructor(what: string, id: string, reason: string, status: number | null) {
    super(GenesysReadFailedError.CODE, `reading ${what} ${id} from Genesys failed: ${reason}`, {
      details: { what, id, status },
    });
  }
}
