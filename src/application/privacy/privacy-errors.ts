import { GtxError } from '../../domain/index.js';

/** A sealed blob that does not authenticate: tampered, moved to another event, or truncated. */
export class SealedContentInvalidError extends GtxError {
  constructor(keyId: string, reason: string, cause?: unknown) {
    super(
      'SEALED_CONTENT_INVALID',
      `sealed content under key ${keyId} cannot be opened: ${reason}`,
      {
        cause,
        details: { keyId },
      },
    );
  }
}

/** The master key given is not the one the guest keys were wrapped with. */
export class MasterKeyMismatchError extends GtxError {
  constructor(keyId: string, cause?: unknown) {
    super(
      'MASTER_KEY_MISMATCH',
      `guest key ${keyId} does not unwrap with this master key (GTX_MASTER_KEY / GTX_MASTER_KEY_FILE)`,
      { cause, details: { keyId } },
    );
  }
}

/** A master key that is not 32 bytes, or a key file that cannot be read or created. */
export class MasterKeyInvalidError extends GtxError {
  constructor(source: string, reason: string, cause?: unknown) {
    super('MASTER_KEY_INVALID', `${source}: ${reason}`, { cause, details: { source } });
  }
}

/**
 * The ledger holds guest keys but the master key that wraps them is not where it was looked
 * for. A new key would not open them, so none is created: the old one has to be restored.
 */
export class MasterKeyMissingError extends GtxError {
  constructor(keyPath: string, ledgerPath: string, guestKeys: number) {
    super(
      'MASTER_KEY_MISSING',
      `the ledger ${ledgerPath} holds ${guestKeys} guest key(s) wrapped by a master key that is not at ${keyPath}: ` +
        `restore ${keyPath} from your backup, or set GTX_MASTER_KEY / GTX_MASTER_KEY_FILE to that key. ` +
        'No new key was created: it could not open the personal data already recorded',
      { details: { keyPath, ledgerPath, guestKeys } },
    );
  }
}

/**
 * Pseudonymisation was turned on for a ledger that already stores guest ids and conversation
 * refs in clear: new rows would be named by keyed hashes and old ones by values, so no lookup
 * would find a guest's whole history. Nothing is written.
 */
export class PseudonymisationLedgerNotEmptyError extends GtxError {
  constructor() {
    super(
      'PSEUDONYMISATION_LEDGER_NOT_EMPTY',
      'GTX_PSEUDONYMISE=guest-ids (privacy.pseudonymiseGuestIds): this ledger already stores guest ids and conversation refs in clear; ' +
        'pseudonymisation starts with a new, empty ledger (turn the setting off to keep using this one)',
    );
  }
}

/**
 * The ledger names guests and conversations by keyed hashes, and this writer was configured to
 * write them in clear: its rows would not be found by the ledger's lookups. Nothing is written.
 */
export class PseudonymisationRequiredError extends GtxError {
  constructor() {
    super(
      'PSEUDONYMISATION_REQUIRED',
      'this ledger stores guest ids and conversation refs as keyed hashes: set GTX_PSEUDONYMISE=guest-ids ' +
        '(privacy.pseudonymiseGuestIds: true) to write to it; a pseudonymised ledger cannot go back to clear ids',
    );
  }
}
