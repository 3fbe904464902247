import type { WrappedGuestKey } from '../../application/ports/guest-key-store.port.js';

/** Enough for every guest of a busy batch; a data key is 32 bytes. */
const DEFAULT_CAPACITY = 4096;

/**
 * Data keys already unwrapped, by the exact stored row they came from (key id, guest hash and
 * wrapped text). Unwrapping costs an AES-GCM decryption with the master key on every seal and
 * open; the row itself is still read from the key store every time, so a guest forgotten by
 * another process (row gone) or a key re-wrapped by a rotation (text changed) is never served
 * from here. Least recently used entries go first.
 */
export class UnwrappedKeyCache {
  private readonly entries = new Map<string, Buffer>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  dataKey(key: WrappedGuestKey, unwrap: (key: WrappedGuestKey) => Buffer): Buffer {
    const id = `${key.keyId}\n${key.guestIdHash}\n${key.wrapped}`;
    const cached = this.entries.get(id);
    if (cached !== undefined) {
      this.entries.delete(id);
      this.entries.set(id, cached);
      return cached;
    }
    const dataKey = unwrap(key);
    this.entries.set(id, dataKey);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return dataKey;
  }

  get size(): number {
    return this.entries.size;
  }
}
