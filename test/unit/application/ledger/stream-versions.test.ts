import { describe, expect, it } from 'vitest';
import {
  RecentStreamVersions,
  versionsOf,
} from '../../../../src/application/ledger/stream-versions.js';

describe('RecentStreamVersions', () => {
  it('keeps at most its capacity, in two generations, forgetting the older one whole', () => {
    const versions = new RecentStreamVersions(4); // generations of 2
    versions.set('a', 1);
    versions.set('b', 1);
    versions.set('a', 2); // updated in place: the young generation still holds 2
    versions.set('c', 1); // the young generation (a, b) grows old; c starts a new one
    expect([versions.get('a'), versions.get('b'), versions.get('c')]).toEqual([2, 1, 1]);
    versions.set('d', 1);
    versions.set('e', 1); // (a, b) are dropped, (c, d) grow old
    expect([versions.get('a'), versions.get('b')]).toEqual([undefined, undefined]);
    expect([versions.get('c'), versions.get('d'), versions.get('e')]).toEqual([1, 1, 1]);
    expect(versions.size).toBe(3);
  });

  it('asks only for streams that continue and are neither remembered nor earlier in the page', () => {
    const versions = new RecentStreamVersions(10);
    versions.set('known', 4);
    const page = [
      { streamId: 'new', streamVersion: 1 },
      { streamId: 'new', streamVersion: 2 },
      { streamId: 'known', streamVersion: 5 },
      { streamId: 'forgotten', streamVersion: 3 },
      { streamId: 'forgotten', streamVersion: 4 },
      { streamId: 'broken', streamVersion: Number.NaN },
    ];
    expect(versions.unknownIn(page)).toEqual(['forgotten']);
    versions.remember(new Map([['forgotten', 2]]));
    expect(versions.get('forgotten')).toBe(2);
  });

  it('refuses a capacity that is not a whole number of at least 2', () => {
    for (const capacity of [1, 0, -1, 2.5, Number.NaN]) {
      expect(() => new RecentStreamVersions(capacity)).toThrow(RangeError);
    }
  });
});

describe('versionsOf', () => {
  it('answers every stream asked for, 0 for those not found, text versions as numbers', () => {
    const found = [{ streamId: 'b', version: '7' }];
    expect(Object.fromEntries(versionsOf(['a', 'b'], found))).toEqual({ a: 0, b: 7 });
  });
});
