import { describe, expect, it } from 'vitest';
import { UnwrappedKeyCache } from '../../../../src/adapters/crypto/unwrapped-key-cache.js';
import type { WrappedGuestKey } from '../../../../src/application/ports/index.js';

const row = (keyId: string, wrapped = `w-${keyId}`): WrappedGuestKey => ({
  keyId,
  guestIdHash: `h-${keyId}`,
  wrapped,
  createdAt: '2026-12-02T00:00:00.000Z',
});

describe('unwrapped key cache', () => {
  it('unwraps a stored row once and serves it again', () => {
    const cache = new UnwrappedKeyCache();
    let unwraps = 0;
    const unwrap = (key: WrappedGuestKey): Buffer => {
      unwraps += 1;
      return Buffer.from(key.keyId);
    };
    expect(cache.dataKey(row('a'), unwrap).toString()).toBe('a');
    expect(cache.dataKey(row('a'), unwrap).toString()).toBe('a');
    expect(unwraps).toBe(1);
  });

  it('unwraps again when the stored wrap changed (a master-key rotation)', () => {
    const cache = new UnwrappedKeyCache();
    const seen: string[] = [];
    const unwrap = (key: WrappedGuestKey): Buffer => {
      seen.push(key.wrapped);
      return Buffer.from(key.wrapped);
    };
    cache.dataKey(row('a', 'old'), unwrap);
    cache.dataKey(row('a', 'new'), unwrap);
    expect(seen).toEqual(['old', 'new']);
  });

  it('does not remember a row whose unwrap failed', () => {
    const cache = new UnwrappedKeyCache();
    expect(() =>
      cache.dataKey(row('a'), () => {
        throw new Error('wrong master key');
      }),
    ).toThrow('wrong master key');
    expect(cache.size).toBe(0);
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const cache = new UnwrappedKeyCache(2);
    const unwrapped: string[] = [];
    const unwrap = (key: WrappedGuestKey): Buffer => {
      unwrapped.push(key.keyId);
      return Buffer.from(key.keyId);
    };
    cache.dataKey(row('a'), unwrap);
    cache.dataKey(row('b'), unwrap);
    cache.dataKey(row('a'), unwrap);
    cache.dataKey(row('c'), unwrap);
    expect(cache.size).toBe(2);
    cache.dataKey(row('a'), unwrap);
    cache.dataKey(row('b'), unwrap);
    expect(unwrapped).toEqual(['a', 'b', 'c', 'b']);
  });
});
