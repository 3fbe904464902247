import { describe, expect, it } from 'vitest';
import {
  isFullExport,
  parseExportFilter,
  parseInstant,
} from '../../../../src/application/audit/export-filter.js';
import { thrownBy } from '../../../support/failures.js';

describe('parseInstant', () => {
  it.each([
    ['2026-03-01', Date.UTC(2026, 2, 1)],
    ['2026-03-01T09:30Z', Date.UTC(2026, 2, 1, 9, 30)],
    ['2026-03-01T09:30:15Z', Date.UTC(2026, 2, 1, 9, 30, 15)],
    ['2026-03-01T09:30:15.5Z', Date.UTC(2026, 2, 1, 9, 30, 15, 500)],
    ['2026-03-01T11:30:00+02:00', Date.UTC(2026, 2, 1, 9, 30)],
    ['2026-03-01T04:30:00-05:00', Date.UTC(2026, 2, 1, 9, 30)],
  ])('reads %s', (text, ms) => {
    expect(parseInstant('--since', text)).toBe(ms);
  });

  it.each([
    'yesterday',
    '2026-02-30',
    '2026-13-01',
    '2026-03-01T09:30',
    '2026-03-01T25:00Z',
    '',
    '1709280000',
  ])('refuses %j naming the option', (text) => {
    const error = thrownBy(() => parseInstant('--until', text));
    expect(error.code).toBe('AUDIT_FILTER_INVALID');
    expect(error.message).toMatch(/^--until: ".*" is not an ISO-8601 date or time/);
  });
});

describe('parseExportFilter', () => {
  it('normalises times to UTC, drops empty lists and duplicates', () => {
    const filter = parseExportFilter({
      since: '2026-03-01T11:00:00+02:00',
      streams: ['s', 's'],
      guests: [],
      types: undefined,
    });
    expect(filter).toEqual({ since: '2026-03-01T09:00:00.000Z', streams: ['s'] });
    expect(isFullExport(filter)).toBe(false);
    expect(isFullExport(parseExportFilter({ streams: [] }))).toBe(true);
  });

  it('refuses an empty window and blank ids', () => {
    expect(
      thrownBy(() => parseExportFilter({ since: '2026-03-02', until: '2026-03-01' })).message,
    ).toBe('--since: must be before --until');
    expect(thrownBy(() => parseExportFilter({ guests: [' '] })).code).toBe('AUDIT_FILTER_INVALID');
  });
});
