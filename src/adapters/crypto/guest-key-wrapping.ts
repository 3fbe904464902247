import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { WrappedGuestKey } from '../../application/ports/guest-key-store.port.js';
import { MasterKeyMismatchError } from '../../application/privacy/privacy-errors.js';
import type { MasterKey } from './master-key.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const TAGGED = /^mk1:([0-9a-f]{16}):([A-Za-z0-9+/]+={0,2})$/;

/**
 * One wrap of a guest data key: base64 of iv (12 bytes) + tag (16 bytes) + wrapped key (32
 * bytes), and the fingerprint of the master key that made it (null for wraps written before
 * wraps were tagged: they are tried with whichever key is given).
 */
export interface MasterKeyWrap {
  readonly fingerprint: string | null;
  readonly blob: string;
}

/**
 * The stored form: `mk1:<fingerprint>:<base64>` wraps joined by commas (two while a rotation
 * runs), or a bare base64 wrap as older ledgers hold it.
 */
export function parseWraps(wrapped: string): MasterKeyWrap[] {
  if (!wrapped.startsWith('mk1:')) return [{ fingerprint: null, blob: wrapped }];
  return wrapped.split(',').map((part) => {
    const match = TAGGED.exec(part);
    if (match === null) return { fingerprint: null, blob: part };
    return { fingerprint: match[1] ?? null, blob: match[2] ?? '' };
  });
}

export function formatWraps(wraps: readonly MasterKeyWrap[]): string {
  return wraps
    .map((wrap) => (wrap.fingerprint === null ? wrap.blob : `mk1:${wrap.fingerprint}:${wrap.blob}`))
    .join(',');
}

/** Wraps `dataKey` with `master`, bound to the key id and guest; zeroes `dataKey`. */
export function wrapDataKey(
  master: MasterKey,
  key: Pick<WrappedGuestKey, 'keyId' | 'guestIdHash'>,
  dataKey: Buffer,
): MasterKeyWrap {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, master.bytes(), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(wrapAad(key.keyId, key.guestIdHash));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  dataKey.fill(0);
  return {
    fingerprint: master.fingerprint(),
    blob: Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64'),
  };
}

/**
 * The data key, from the wrap `master` made, or from an untagged (older) wrap that opens with
 * it; MASTER_KEY_MISMATCH when none does.
 */
export function unwrapDataKey(master: MasterKey, key: WrappedGuestKey): Buffer {
  const wraps = parseWraps(key.wrapped);
  const fingerprint = master.fingerprint();
  const candidates = wraps.filter((w) => w.fingerprint === fingerprint || w.fingerprint === null);
  let failure: unknown = new Error(
    `no wrap by master key ${fingerprint}; wrapped by ${wraps.map((w) => w.fingerprint ?? 'an untagged key').join(', ')}`,
  );
  for (const wrap of candidates) {
    try {
      return openWrap(master, key, wrap.blob);
    } catch (error) {
      failure = error;
    }
  }
  throw new MasterKeyMismatchError(key.keyId, failure);
}

/** Whether `key` holds a wrap tagged with `master`'s fingerprint. */
export function hasWrapBy(master: MasterKey, key: WrappedGuestKey): boolean {
  const fingerprint = master.fingerprint();
  return parseWraps(key.wrapped).some((wrap) => wrap.fingerprint === fingerprint);
}

function openWrap(master: MasterKey, key: WrappedGuestKey, blob64: string): Buffer {
  const blob = Buffer.from(blob64, 'base64');
  const iv = blob.subarray(0, IV_BYTES);
  const tag = blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM, master.bytes(), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(wrapAad(key.keyId, key.guestIdHash));
  decipher.setAuthTag(tag);
  const dataKey = Buffer.concat([
    decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)),
    decipher.final(),
  ]);
  if (dataKey.length !== KEY_BYTES) throw new Error('the unwrapped key is not 32 bytes');
  return dataKey;
}

function wrapAad(keyId: string, hash: string): Buffer {
  return Buffer.from(JSON.stringify(['gtx-guest-key', 1, keyId, hash]), 'utf8');
}
