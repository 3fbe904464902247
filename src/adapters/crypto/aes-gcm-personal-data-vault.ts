import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { epochMsToIso, type ErasedContent } from '../../domain/index.js';
import { canonicalJson } from '../../application/ledger/canonical-json.js';
import { CLOCK, type Clock } from '../../application/ports/clock.port.js';
import {
  GUEST_KEY_STORE,
  type GuestKeyStore,
  type WrappedGuestKey,
} from '../../application/ports/guest-key-store.port.js';
import type {
  PersonalDataVault,
  SealableContent,
  SealContext,
  SealedContent,
} from '../../application/ports/personal-data-vault.port.js';
import { SealedContentInvalidError } from '../../application/privacy/privacy-errors.js';
import { guestIdHash, sealedContentOwner } from '../../application/privacy/sealed-content.js';
import { formatWraps, unwrapDataKey, wrapDataKey } from './guest-key-wrapping.js';
import { MASTER_KEY, type MasterKey } from './master-key.js';
import { UnwrappedKeyCache } from './unwrapped-key-cache.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * AES-256-GCM per guest: each guest has a random data key, stored wrapped (AES-256-GCM) with the
 * master key (see guest-key-wrapping.ts: a key being rotated holds a wrap by each master key); content is sealed under it with a fresh 96-bit IV and bound, as additional data,
 * to the key id, the guest and the command. Key rows are looked up on every seal and open, never
 * cached, so a guest forgotten by another process is erased here at the next read; only the
 * unwrapping of a row already read is remembered (UnwrappedKeyCache).
 */
@injectable()
export class AesGcmPersonalDataVault implements PersonalDataVault {
  private readonly unwrapped = new UnwrappedKeyCache();

  constructor(
    @inject(GUEST_KEY_STORE) private readonly keys: GuestKeyStore,
    @inject(MASTER_KEY) private readonly masterKey: MasterKey,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async seal(context: SealContext, content: SealableContent): Promise<SealedContent> {
    // The key is the guest's (by the id in the content); the blob is bound to the id as the
    // event stores it, which is a keyed hash on a pseudonymised ledger.
    const key = await this.guestKey(sealedContentOwner(content));
    const dataKey = this.unwrap(key);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, dataKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(contentAad(key.keyId, context));
    const ct = Buffer.concat([cipher.update(canonicalJson(content), 'utf8'), cipher.final()]);
    return {
      sealed: {
        v: 1,
        alg: 'A256GCM',
        keyId: key.keyId,
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        ct: ct.toString('base64'),
      },
    };
  }

  async verifyMasterKey(): Promise<void> {
    const [stored] = await this.keys.list(null, 1);
    // Unwrapped afresh, not from the cache: this is the check that the master key still fits.
    if (stored !== undefined) unwrapDataKey(this.masterKey, stored);
  }

  async open(
    context: SealContext,
    sealed: SealedContent,
  ): Promise<SealableContent | ErasedContent> {
    const { keyId } = sealed.sealed;
    const key = await this.keys.findById(keyId);
    if (key === null) return { kind: 'erased' };
    const dataKey = this.unwrap(key);
    let plaintext: string;
    try {
      const iv = Buffer.from(sealed.sealed.iv, 'base64');
      const tag = Buffer.from(sealed.sealed.tag, 'base64');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
        throw new Error('the IV or tag has the wrong length');
      }
      const decipher = createDecipheriv(ALGORITHM, dataKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(contentAad(keyId, context));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([
        decipher.update(Buffer.from(sealed.sealed.ct, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch (error) {
      throw new SealedContentInvalidError(keyId, 'it does not authenticate', error);
    }
    let content: SealableContent;
    try {
      content = JSON.parse(plaintext) as SealableContent;
    } catch (error) {
      throw new SealedContentInvalidError(keyId, 'the plaintext is not JSON', error);
    }
    // Checked on the opened content, not on the event's guest id: on a pseudonymised ledger
    // the event holds a keyed hash this vault cannot compare with the key's owner.
    if (guestIdHash(sealedContentOwner(content)) !== key.guestIdHash) {
      throw new SealedContentInvalidError(keyId, 'it is bound to another guest');
    }
    return content;
  }

  close(): Promise<void> {
    return this.keys.close();
  }

  private async guestKey(guestId: string): Promise<WrappedGuestKey> {
    const hash = guestIdHash(guestId);
    const existing = await this.keys.findByGuest(hash);
    if (existing !== null) return existing;
    const keyId = randomBytes(16).toString('base64url');
    const wrapped = this.wrap(keyId, hash, randomBytes(KEY_BYTES));
    // A concurrent first seal for the same guest may win; its key is the guest's key then.
    return this.keys.createIfAbsent({
      keyId,
      guestIdHash: hash,
      wrapped,
      createdAt: epochMsToIso(this.clock.now()),
    });
  }

  private wrap(keyId: string, hash: string, dataKey: Buffer): string {
    return formatWraps([wrapDataKey(this.masterKey, { keyId, guestIdHash: hash }, dataKey)]);
  }

  private unwrap(key: WrappedGuestKey): Buffer {
    return this.unwrapped.dataKey(key, (row) => unwrapDataKey(this.masterKey, row));
  }
}

function contentAad(keyId: string, context: SealContext): Buffer {
  return Buffer.from(
    JSON.stringify(['gtx-content', 1, keyId, context.guestId, context.commandId]),
    'utf8',
  );
}
