import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { epochMsToIso, isoToEpochMs } from '../../../src/domain/index.js';

describe('pure ISO time conversions', () => {
  it('agrees with Date for any instant from 1970 to 2200', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7_258_118_400_000 }), (ms) => {
        const iso = epochMsToIso(ms);
        return iso === new Date(ms).toISOString() && isoToEpochMs(iso) === ms;
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-01 00:00:00Z',
    'yesterday',
    '2026-01-01T24:00:00Z',
  ])('refuses %s', (text) => {
    expect(isoToEpochMs(text)).toBeNull();
  });

  it('reads second precision and fewer millisecond digits', () => {
    expect(isoToEpochMs('2026-11-28T09:00:00Z')).toBe(Date.UTC(2026, 10, 28, 9));
    expect(isoToEpochMs('2026-11-28T09:00:00.5Z')).toBe(Date.UTC(2026, 10, 28, 9, 0, 0, 500));
  });
});
