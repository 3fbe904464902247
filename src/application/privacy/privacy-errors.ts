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
