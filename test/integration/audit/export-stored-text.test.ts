import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asyncScheduler } from 'rxjs';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { parseExportFilter } from '../../../src/application/audit/export-filter.js';
import { verifyExport } from '../../../src/application/audit/export-verification.js';
import { writeExport, type ExportOptions } from '../../../src/application/audit/ledger-export.js';
import type { Clock, EventStore } from '../../../src/application/ports/index.js';
import { epochMsToIso } from '../../../src/domain/index.js';
import { VirtualClock } from '../../../src/adapters/clock/virtual-clock.js';
import { makeLedgerFile, T0, tempDir, type TempDir } from './audit-fixture.js';
import { decodedOnly } from '../../support/decoded-only.js';

/*
 * An NDJSON export writes the stored data and metadata text as it is; it must be byte for byte
 * what writing each decoded row with JSON.stringify gives (the path a viewer or a guest filter
 * still takes, and a store of a library user's own).
 */

const clock: Clock = { now: () => T0 + 86_400_000, scheduler: asyncScheduler };
let tmp: TempDir;
let path: string;

beforeEach(async () => {
  tmp = tempDir('gtx-export-stored-');
  path = tmp.path('ledger.db');
  await makeLedgerFile(path, 12);
});

afterEach(() => {
  tmp.remove();
});

async function exported(
  options: Omit<ExportOptions, 'format'>,
  wrap: (store: EventStore) => EventStore,
): Promise<{ text: string; progress: number[] }> {
  const ledger = openSqliteLedger({ path, readOnly: true, clock, readPageSize: 7 });
  let text = '';
  const progress: number[] = [];
  try {
    await writeExport(
      wrap(ledger.events),
      clock,
      { ...options, format: 'ndjson', pageSize: 5, onProgress: (p) => progress.push(p) },
      {
        write: (chunk) => {
          text += chunk;
          return Promise.resolve();
        },
      },
    );
  } finally {
    await ledger.close();
  }
  return { text, progress };
}

describe('NDJSON export of the stored text', () => {
  const filters = {
    everything: {},
    types: { types: ['TransmissionDelivered', 'NoteTaken'] },
    streams: { streams: ['notes-1', 'transmission-cmd-4'] },
    time: { since: epochMsToIso(T0 + 3 * 60_000), until: epochMsToIso(T0 + 8 * 60_000) },
    combined: { types: ['NoteTaken'], since: epochMsToIso(T0 + 5 * 60_000) },
  };

  for (const [name, input] of Object.entries(filters)) {
    it(`writes the same bytes as the decoded export: ${name}`, async () => {
      const filter = parseExportFilter({ streams: [], guests: [], types: [], ...input });
      const stored = await exported({ filter }, (store) => store);
      const decoded = await exported({ filter }, decodedOnly);
      // Header, trailer and the empty string after the last newline, plus at least one row.
      expect(stored.text.split('\n').length).toBeGreaterThan(3);
      expect(stored.text).toBe(decoded.text);
      expect(stored.progress).toEqual(decoded.progress);
    });
  }
});

/*
 * The one place the two paths part: JSON.stringify writes integer-like keys of a parsed object
 * first, in numeric order, where canonical JSON (the stored text) sorts every key as a string.
 * The stored path keeps the text the chain hashed; both exports still verify offline.
 */
describe('NDJSON export of data with integer-like keys', () => {
  const storedData = '{"10":"ten","9":"nine","b":true}';

  async function appendIntegerKeyedNote(): Promise<void> {
    const ledger = openSqliteLedger({ path, clock: new VirtualClock(T0 + 60 * 60_000) });
    try {
      await ledger.events.append({
        streamId: 'notes-integer-keys',
        expectedVersion: 'noStream',
        events: [
          {
            type: 'NoteTaken',
            schemaVersion: 1,
            data: { b: true, 9: 'nine', 10: 'ten' },
            metadata: {},
          },
        ],
      });
    } finally {
      await ledger.close();
    }
  }

  async function* linesOf(text: string): AsyncGenerator<string> {
    for (const line of text.split('\n')) yield await Promise.resolve(line);
  }

  it('writes the stored canonical text, where the decoded export re-orders the keys', async () => {
    await appendIntegerKeyedNote();
    const filter = parseExportFilter({ streams: ['notes-integer-keys'], guests: [], types: [] });
    const stored = await exported({ filter }, (store) => store);
    const decoded = await exported({ filter }, decodedOnly);
    expect(stored.text).toContain(`"data":${storedData},`);
    expect(decoded.text).toContain('"data":{"9":"nine","10":"ten","b":true},');
    expect(stored.text.replace(storedData, '{"9":"nine","10":"ten","b":true}')).toBe(decoded.text);
    expect(await verifyExport(linesOf(stored.text))).toMatchObject({ ok: true, count: 1 });
    expect(await verifyExport(linesOf(decoded.text))).toMatchObject({ ok: true, count: 1 });
  });
});
