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
