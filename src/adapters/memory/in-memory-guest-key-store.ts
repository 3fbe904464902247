import { injectable } from 'inversify';
import type {
  GuestKeyStore,
  WrappedGuestKey,
} from '../../application/ports/guest-key-store.port.js';

/** Guest keys in a map: the twin of the SQLite key store, for unit tests and `:memory:` runs. */
@injectable()
export class InMemoryGuestKeyStore implements GuestKeyStore {
  private readonly byId = new Map<string, WrappedGuestKey>();

  findByGuest(guestIdHash: string): Promise<WrappedGuestKey | null> {
    return Promise.resolve(this.keyOfGuest(guestIdHash));
  }

  findById(keyId: string): Promise<WrappedGuestKey | null> {
    return Promise.resolve(this.byId.get(keyId) ?? null);
  }

  createIfAbsent(key: WrappedGuestKey): Promise<WrappedGuestKey> {
    // Checked and written in one step: writers racing for one guest all get the first key.
    const existing = this.keyOfGuest(key.guestIdHash);
    if (existing !== null) return Promise.resolve(existing);
    if (this.byId.has(key.keyId)) {
      return Promise.reject(new Error(`key id ${key.keyId} is already in use`));
    }
    this.byId.set(key.keyId, key);
    return Promise.resolve(key);
  }

  list(afterKeyId: string | null, limit: number): Promise<readonly WrappedGuestKey[]> {
    const keys = [...this.byId.values()]
      .filter((key) => afterKeyId === null || key.keyId > afterKeyId)
      .sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0))
      .slice(0, Math.max(0, Math.floor(limit)));
    return Promise.resolve(keys);
  }

  rewrap(keyId: string, expectedWrapped: string, newWrapped: string): Promise<boolean> {
    const current = this.byId.get(keyId);
    if (current?.wrapped !== expectedWrapped) return Promise.resolve(false);
    this.byId.set(keyId, { ...current, wrapped: newWrapped });
    return Promise.resolve(true);
  }

  forget(guestIdHash: string): Promise<readonly string[]> {
    const forgotten = [...this.byId.values()]
      .filter((key) => key.guestIdHash === guestIdHash)
      .map((key) => key.keyId);
    for (const keyId of forgotten) this.byId.delete(keyId);
    return Promise.resolve(forgotten);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private keyOfGuest(guestIdHash: string): WrappedGuestKey | null {
    for (const key of this.byId.values()) {
      if (key.guestIdHash === guestIdHash) return key;
    }
    return null;
  }
}
