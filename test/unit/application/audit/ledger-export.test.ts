import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../src/adapters/memory/in-memory-event-store.js';
import { verifyExport } from '../../../../src/application/audit/export-verification.js';
import { writeExport, type RowViewer } from '../../../../src/application/audit/ledger-export.js';
import { verifyLedger } from '../../../../src/application/audit/ledger-verification.js';
import { GENESIS_HASH } from '../../../../src/application/ledger/hash-chain.js';
import { LedgerCorruptError } from '../../../../src/application/errors.js';
import type { Clock } from '../../../../src/application/ports/clock.port.js';
import type {
  EventStore,
  ReadAllOptions,
  RecordedEvent,
} from '../../../../src/application/ports/event-store.port.js';

const clock: Clock = { now: () => Date.UTC(2026, 2, 1, 12, 0, 0), scheduler: asyncScheduler };

async function notes(texts: readonly string[]): Promise<InMemoryEventStore> {
  const ledger = new InMemoryEventStore(clock);
  for (const [n, text] of texts.entries()) {
    await ledger.append({
      streamId: `notes-${n % 2}`,
      expectedVersion: 'any',
      events: [{ type: 'NoteTaken', schemaVersion: 1, data: { n, text }, metadata: {} }],
    });
  }
  return ledger;
}

async function exported(
  ledger: EventStore,
  options: Parameters<typeof writeExport>[2],
): Promise<string> {
  let text = '';
  await writeExport(ledger, clock, options, {
    write: (chunk) => {
      text += chunk;
      return Promise.resolve();
    },
  });
  return text;
}

async function* lines(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield await Promise.resolve(line);
}

describe('writeExport', () => {
  it('writes header, rows with prev hash and hash, and trailer as NDJSON', async () => {
    const ledger = await notes(['a', 'b', 'c']);
    const text = await exported(ledger, { format: 'ndjson', filter: {} });
    const [header, first, second, third, trailer, end] = text.split('\n');
    expect(JSON.parse(header ?? '')).toEqual({
      format: 'gtx-audit-export',
      version: 1,
      exportedAt: '2026-03-01T12:00:00.000Z',
      head: await ledger.head(),
      partial: false,
      filter: {},
    });
    const rows = [first, second, third].map((line) => JSON.parse(line ?? '') as RecordedEvent);
    expect(rows.map((r) => r.position)).toEqual([1, 2, 3]);
    expect(rows[0]?.prevHash).toBe(GENESIS_HASH);
    expect(rows[1]?.prevHash).toBe(rows[0]?.hash);
    expect(JSON.parse(trailer ?? '')).toEqual({
      format: 'gtx-audit-export-end',
      count: 3,
      lastPosition: 3,
    });
    expect(end).toBe('');
    expect(await verifyExport(lines(text))).toMatchObject({ ok: true, partial: false, count: 3 });
  });

  it('quotes CSV fields with commas, quotes and line breaks and keeps JSON columns as JSON text', async () => {
    const ledger = await notes(['a, "b"\r\nc']);
    await ledger.append({
      streamId: 'odd, "stream"\r\nid',
      expectedVersion: 'noStream',
      events: [{ type: 'NoteTaken', schemaVersion: 1, data: [1], metadata: { by: 'x,y' } }],
    });
    const text = await exported(ledger, { format: 'csv', filter: {} });
    const header = text.slice(0, text.indexOf('\n'));
    expect(header).toBe(
      'position,stream_id,stream_version,type,schema_version,recorded_at,data,metadata,prev_hash,hash',
    );
    // JSON escapes control characters, so only the quotes and the comma need CSV quoting.
    expect(text).toContain(',"{""n"":0,""text"":""a, \\""b\\""\\r\\nc""}",{},');
    expect(text).toContain('\n2,"odd, ""stream""\r\nid",1,NoteTaken,1,');
    expect(text).toContain(',[1],"{""by"":""x,y""}",');
  });

  it('writes what a viewer returns under view, beside the stored row', async () => {
    const ledger = await notes(['secret']);
    const viewer: RowViewer = {
      view: (row) => Promise.resolve(row.position === 1 ? { opened: true } : null),
    };
    const text = await exported(ledger, { format: 'ndjson', filter: {}, viewer });
    const row = JSON.parse(text.split('\n')[1] ?? '') as Record<string, unknown>;
    expect(row.view).toEqual({ opened: true });
    expect(row.data).toEqual({ n: 0, text: 'secret' });
    expect(await verifyExport(lines(text))).toMatchObject({ ok: true });
    const csv = await exported(ledger, { format: 'csv', filter: {}, viewer });
    expect(csv.split('\n')[0]).toMatch(/,hash,view$/);
    expect(csv.split('\n')[1]).toMatch(/,"{""opened"":true}"$/);
  });

  it('exports only up to the head read at the start, and a stream filter marks it partial', async () => {
    const ledger = await notes(['a', 'b', 'c', 'd']);
    const text = await exported(ledger, { format: 'ndjson', filter: { streams: ['notes-1'] } });
    const all = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(all[0]).toMatchObject({ partial: true, filter: { streams: ['notes-1'] } });
    expect(all.slice(1, -1).map((r) => r.position)).toEqual([2, 4]);
    expect(await verifyExport(lines(text))).toMatchObject({ ok: true, partial: true, count: 2 });
  });
});

describe('verifyLedger', () => {
  it('names a row the ledger cannot read, after checking the rows before it on the same page', async () => {
    const inner = await notes(['a', 'b', 'c', 'd', 'e']);
    const unreadableAt = 4;
    const refusing = <Row extends { position: number }>(page: readonly Row[]): readonly Row[] => {
      if (page.some((row) => row.position === unreadableAt)) {
        throw new LedgerCorruptError(unreadableAt, 'data is not JSON');
      }
      return page;
    };
    // Both reads, as an adapter refuses a column of the wrong type in either.
    const ledger: EventStore = Object.assign(Object.create(inner) as EventStore, {
      readAll: async (options: ReadAllOptions) => refusing(await inner.readAll(options)),
      readStoredRows: async (options: ReadAllOptions) =>
        refusing(await inner.readStoredRows(options)),
    });
    const result = await verifyLedger(ledger, { pageSize: 10 });
    expect(result).toEqual({
      ok: false,
      position: 4,
      reason: 'unreadableRow',
      detail: 'ledger row at position 4: data is not JSON',
      count: 3,
    });
  });

  it('reports progress per page and verifies an empty ledger', async () => {
    const progress: number[] = [];
    const result = await verifyLedger(await notes(['a', 'b', 'c', 'd', 'e']), {
      pageSize: 2,
      onProgress: (n) => progress.push(n),
    });
    expect(result).toMatchObject({ ok: true, count: 5 });
    expect(progress).toEqual([2, 4, 5]);
    expect(await verifyLedger(new InMemoryEventStore(clock))).toEqual({
      ok: true,
      count: 0,
      firstPosition: null,
      lastPosition: null,
      headHash: GENESIS_HASH,
    });
  });
});
