import { GtxError } from '../../domain/index.js';

/** A value that has no single canonical JSON form, so it cannot be hashed or stored. */
export class NotCanonicalJsonError extends GtxError {
  constructor(path: string, reason: string) {
    super('NOT_CANONICAL_JSON', `${path === '' ? 'value' : path}: ${reason}`, {
      details: { path, reason },
    });
  }
}

/**
 * An append refused before anything was written: the event could not be stored, or could not
 * be read back as the event it claims to be. Refusing it here keeps an append-only ledger from
 * holding a row that every later read would report as corrupt.
 */
export class LedgerInvalidEventError extends GtxError {
  constructor(streamId: string, reason: string, cause?: unknown) {
    super('LEDGER_INVALID_EVENT', `cannot append to stream ${streamId}: ${reason}`, {
      cause,
      details: { streamId, reason },
    });
  }
}

/**
 * An event of a transmission stream that cannot become a domain event, or breaks the
 * transmission lifecycle. Adapters turn it into `LedgerInvalidEventError` on append and into
 * `LedgerCorruptError` when it is found in stored rows.
 */
export class InvalidTransmissionEventError extends GtxError {
  constructor(
    readonly streamId: string,
    readonly position: number,
    readonly reason: string,
    cause?: unknown,
  ) {
    super('INVALID_TRANSMISSION_EVENT', `stream ${streamId}, position ${position}: ${reason}`, {
      cause,
      details: { streamId, position, reason },
    });
  }
}
