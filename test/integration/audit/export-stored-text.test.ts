import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asyncScheduler } from 'rxjs';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { parseExportFilter } from '../../../src/application/audit/export-filter.js';
import { writeExport, type ExportOptions } from '../../../src/application/audit/ledger-export.js';
import type { Clock, EventStore } from '../../../src/application/ports/index.js';
import { epochMsToIso } from '../../../src/domain/index.js';
import { makeLedgerFile, T0, tempDir, type TempDir } from './audit-fixture.js';

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

function decodedOnly(store: EventStore): EventStore {
  return {
    append: (request) => store.append(request),
    readStream: (streamId) => store.readStream(streamId),
    readAll: (options) => store.readAll(options),
    head: () => store.head(),
    close: () => store.close(),
  };
}

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
