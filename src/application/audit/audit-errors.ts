import { GtxError } from '../../domain/index.js';

/** A digest file that is not a digest this program wrote: bad JSON, missing or wrong fields. */
export class AuditDigestInvalidError extends GtxError {
  constructor(source: string, reason: string) {
    super('AUDIT_DIGEST_INVALID', `${source} is not a ledger digest: ${reason}`, {
      details: { source, reason },
    });
  }
}

/** A key file that is not an ed25519 key in PEM form, or the wrong half of the pair. */
export class AuditKeyInvalidError extends GtxError {
  constructor(source: string, reason: string, cause?: unknown) {
    super('AUDIT_KEY_INVALID', `${source}: ${reason}`, { cause, details: { source, reason } });
  }
}

/** An export filter that cannot be applied: a date that is not ISO-8601 UTC, an empty id. */
export class AuditFilterInvalidError extends GtxError {
  constructor(option: string, reason: string) {
    super('AUDIT_FILTER_INVALID', `${option}: ${reason}`, { details: { option, reason } });
  }
}

/** Options that do not make sense together, or a file the command needs that is not there. */
export class AuditUsageError extends GtxError {
  constructor(reason: string) {
    super('AUDIT_USAGE', reason);
  }
}

/** An output file that exists already (keys are never overwritten) or cannot be written. */
export class AuditOutputError extends GtxError {
  constructor(path: string, reason: string, cause?: unknown) {
    super('AUDIT_OUTPUT_FAILED', `cannot write ${path}: ${reason}`, {
      cause,
      details: { path, reason },
    });
  }
}
