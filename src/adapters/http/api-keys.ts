import { createHash, timingSafeEqual } from 'node:crypto';

export interface AuthenticatedKey {
  /** `key-1`, `key-2`…: the key's place in GTX_API_KEYS, safe to log and to label metrics. */
  readonly name: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Bearer keys from GTX_API_KEYS. A presented key is hashed and compared with every configured
 * hash in constant time (timingSafeEqual over equal-length digests, no early exit), so neither
 * the key's length nor where it first differs shows in the response time.
 */
export class ApiKeys {
  private readonly hashes: readonly Buffer[];

  private constructor(keys: readonly string[]) {
    this.hashes = keys.map(digest);
  }

  /** Parses the comma-separated setting; undefined or blank means no key is configured. */
  static fromSetting(setting: string | undefined): ApiKeys {
    const keys = (setting ?? '')
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key !== '');
    return new ApiKeys(keys);
  }

  get configured(): boolean {
    return this.hashes.length > 0;
  }

  /** The key named by an `Authorization: Bearer …` header, or null. */
  authenticate(authorization: string | undefined): AuthenticatedKey | null {
    if (authorization === undefined) return null;
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    const presented = match?.[1];
    if (presented === undefined) return null;
    const candidate = digest(presented);
    let found = -1;
    this.hashes.forEach((hash, index) => {
      if (timingSafeEqual(hash, candidate) && found === -1) found = index;
    });
    return found === -1 ? null : { name: `key-${found + 1}` };
  }
}
