import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Container } from 'inversify';
import { asyncScheduler } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../../src/adapters/sqlite/sqlite-event-store.js';
import {
  openSqliteLedger,
  type SqliteLedger,
  type SqliteLedgerOptions,
} from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { sqliteLedgerModule } from '../../../src/adapters/sqlite/sqlite-ledger.module.js';
import { LATEST_SCHEMA_VERSION } from '../../../src/adapters/sqlite/sqlite-migrations.js';
import {
  chainHash,
  GENESIS_HASH,
  verifyChain,
  verifyChainAsync,
} from '../../../src/application/ledger/hash-chain.js';
import { readAllPages } from '../../../src/application/ledger/ledger-pages.js';
import { CLOCK, type Clock } from '../../../src/application/ports/clock.port.js';
import { EVENT_STORE, type NewEvent } from '../../../src/application/ports/event-store.port.js';
import { LEDGER } from '../../../src/application/ports/ledger.port.js';
import { TRANSMISSION_WORK_QUEUE } from '../../../src/application/ports/work-queue.port.js';
import {
  appendTransmission,
  transmission,
} from '../../../src/testing/contracts/transmission-fixtures.js';
import { rejectionOf, thrownBy } from '../../support/failures.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const SQLITE_LEDGER_MODULE = join(REPO_ROOT, 'src', 'adapters', 'sqlite', 'sqlite-ledger.ts');

const clock: Clock = { now: () => Date.UTC(2026, 2, 1, 12, 0, 0), scheduler: asyncScheduler };
let dir: string;
let path: string;
const opened: SqliteLedger[] = [];

function openLedger(options: Partial<SqliteLedgerOptions> = {}): SqliteLedger {
  const ledger = openSqliteLedger({ path, clock, ...options });
  opened.push(ledger);
  return ledger;
}

/** The event store of a freshly opened ledger: what most of these tests exercise. */
function open(options: Partial<SqliteLedgerOptions> = {}): SqliteEventStore {
  return openLedger(options).events;
}

function note(n: number): NewEvent {
  return { type: 'NoteTaken', schemaVersion: 1, data: { n }, metadata: {} };
}

/** Writes a row the way another tool could, continuing the chain so the triggers accept it. */
function insertRaw(row: {
  streamId: string;
  type: string;
  data: string;
  schemaVersion?: number;
}): number {
  const raw = new Database(path);
  try {
    const last = raw
      .prepare('SELECT global_position AS p, hash FROM events ORDER BY 1 DESC LIMIT 1')
      .get() as { p: number; hash: string } | undefined;
    const position = (last?.p ?? 0) + 1;
    raw
      .prepare(
        `INSERT INTO events VALUES (?, ?, 1, ?, ?, ?, '{}', '2026-03-01T12:00:00.000Z', ?, ?)`,
      )
      .run(
        position,
        row.streamId,
        row.type,
        row.schemaVersion ?? 1,
        row.data,
        last?.hash ?? GENESIS_HASH,
        'e'.repeat(64),
      );
    return position;
  } finally {
    raw.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gtx-sqlite-ledger-'));
  path = join(dir, 'ledger.sqlite');
});

afterEach(async () => {
  for (const ledger of opened.splice(0)) await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteLedger on a file', () => {
  it('continues the chain after reopening the same file', async () => {
    const first = open();
    await first.append({ streamId: 'a', expectedVersion: 'noStream', events: [note(1), note(2)] });
    const headBefore = await first.head();
    await first.close();

    const second = open();
    expect(await second.head()).toEqual(headBefore);
    const result = await second.append({ streamId: 'a', expectedVersion: 2, events: [note(3)] });
    expect(result).toEqual({ streamId: 'a', streamVersion: 3, firstPosition: 3, lastPosition: 3 });
    const all = await second.readAll({ afterPosition: 0, limit: 10 });
    expect(all[2]!.hash).toBe(chainHash(headBefore.hash, all[2]!));
    expect(verifyChain(all)).toMatchObject({ ok: true, count: 3 });
  });

  it('migrates a new file to the latest schema version, in WAL mode with the chosen synchronous', () => {
    const ledger = open({ synchronous: 'NORMAL', busyTimeoutMs: 1234 });
    expect(ledger.diagnostics()).toMatchObject({
      journalMode: 'wal',
      synchronous: 'NORMAL',
      busyTimeoutMs: 1234,
      schemaVersion: LATEST_SCHEMA_VERSION,
    });
    expect(LATEST_SCHEMA_VERSION).toBe(3);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(3);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('syncs FULL by default', () => {
    expect(open().diagnostics().synchronous).toBe('FULL');
  });

  it('refuses a file written by a newer schema', () => {
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    const error = thrownBy(() => open());
    expect(error.code).toBe('LEDGER_UNAVAILABLE');
    expect(error.message).toContain('schema version 99');
  });

  describe('group commit', () => {
    it('writes appends issued in the same tick in one transaction', async () => {
      const ledger = open();
      await ledger.append({ streamId: 'warm-up', expectedVersion: 'any', events: [note(0)] });
      const before = ledger.diagnostics().writeTransactions;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          ledger.append({
            streamId: `s-${i}`,
            expectedVersion: 'noStream',
            events: [note(i), note(i)],
          }),
        ),
      );
      expect(ledger.diagnostics().writeTransactions - before).toBe(1);
      expect(results.map((r) => r.firstPosition)).toEqual(
        Array.from({ length: 50 }, (_, i) => 2 + 2 * i),
      );
      const all = [];
      for await (const row of readAllPages(ledger)) all.push(row);
      expect(verifyChain(all)).toMatchObject({ ok: true, count: 101 });
    });

    it('fails only the conflicting request of a group, leaving nothing of it', async () => {
      const ledger = open();
      await ledger.append({ streamId: 'taken', expectedVersion: 'noStream', events: [note(0)] });
      const before = ledger.diagnostics().writeTransactions;
      const settled = await Promise.allSettled([
        ledger.append({ streamId: 'x', expectedVersion: 'noStream', events: [note(1)] }),
        ledger.append({
          streamId: 'taken',
          expectedVersion: 'noStream',
          events: [note(2), note(3)],
        }),
        ledger.append({ streamId: 'y', expectedVersion: 'noStream', events: [note(4)] }),
        ledger.append({ streamId: 'x', expectedVersion: 'noStream', events: [note(5)] }),
      ]);
      expect(ledger.diagnostics().writeTransactions - before).toBe(1);
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
      ]);
      expect(settled[1]).toMatchObject({ reason: { code: 'LEDGER_VERSION_CONFLICT' } });
      const all = await ledger.readAll({ afterPosition: 0, limit: 10 });
      expect(all.map((e) => [e.position, e.streamId])).toEqual([
        [1, 'taken'],
        [2, 'x'],
        [3, 'y'],
      ]);
      expect(verifyChain(all).ok).toBe(true);
    });

    it('commits each request on its own with groupCommit: false', async () => {
      const ledger = open({ groupCommit: false });
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          ledger.append({ streamId: `s-${i}`, expectedVersion: 'noStream', events: [note(i)] }),
        ),
      );
      expect(ledger.diagnostics()).toMatchObject({ writeTransactions: 5, appendRequests: 5 });
      expect(results.map((r) => r.lastPosition)).toEqual([1, 2, 3, 4, 5]);
      const all = await ledger.readAll({ afterPosition: 0, limit: 10 });
      expect(verifyChain(all)).toMatchObject({ ok: true, count: 5 });
    });

    it('close waits for the queued group before closing the file', async () => {
      const ledger = open();
      const pending = Array.from({ length: 10 }, (_, i) =>
        ledger.append({ streamId: `s-${i}`, expectedVersion: 'any', events: [note(i)] }),
      );
      await ledger.close();
      expect((await Promise.all(pending)).map((r) => r.lastPosition)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
      const reopened = open();
      expect((await reopened.head()).position).toBe(10);
    });
  });

  describe('the events table is append-only', () => {
    it('refuses UPDATE and DELETE, and rows that do not continue the chain', async () => {
      const ledger = open();
      await ledger.append({ streamId: 'a', expectedVersion: 'any', events: [note(1), note(2)] });
      const headHash = (await ledger.head()).hash;
      const raw = new Database(path);
      try {
        expect(() =>
          raw.prepare(`UPDATE events SET data = '{}' WHERE global_position = 1`).run(),
        ).toThrow(/append-only: UPDATE/);
        expect(() => raw.prepare('DELETE FROM events WHERE global_position = 2').run()).toThrow(
          /append-only: DELETE/,
        );
        const insert = raw.prepare(
          `INSERT INTO events VALUES (?, 'b', 1, 'T', 1, '{}', '{}', 'now', ?, ?)`,
        );
        expect(() => insert.run(4, headHash, 'f'.repeat(64))).toThrow(/continue the chain/);
        expect(() => insert.run(3, GENESIS_HASH, 'f'.repeat(64))).toThrow(/continue the chain/);
      } finally {
        raw.close();
      }
      expect(verifyChain(await ledger.readAll({ afterPosition: 0, limit: 10 })).ok).toBe(true);
    });
  });

  describe('corrupt rows', () => {
    it('reports a row whose data is not JSON as LEDGER_CORRUPT, naming its position', async () => {
      const ledger = open();
      await ledger.append({ streamId: 'a', expectedVersion: 'any', events: [note(1)] });
      const position = insertRaw({ streamId: 'a2', type: 'NoteTaken', data: '{not json' });
      const error = await rejectionOf(ledger.readAll({ afterPosition: 0, limit: 10 }));
      expect(error).toMatchObject({ code: 'LEDGER_CORRUPT', details: { position } });
      expect(error.message).toContain(`position ${position}`);
      expect(await rejectionOf(ledger.readStream('a2'))).toMatchObject({ code: 'LEDGER_CORRUPT' });
      // Rows before it still read.
      expect((await ledger.readAll({ afterPosition: 0, limit: 1 })).length).toBe(1);
    });

    it('reports a transmission row of an unknown type or version, and rebuilding keeps the old projection', async () => {
      const { events: ledger, work } = openLedger();
      await appendTransmission(ledger, 'ok-1', [transmission.requested('ok-1', 'conv-1')]);
      const position = insertRaw({
        streamId: 'transmission-bad',
        type: 'TransmissionRequested',
        schemaVersion: 7,
        data: '{}',
      });
      expect(await rejectionOf(ledger.readAll({ afterPosition: 1, limit: 10 }))).toMatchObject({
        code: 'LEDGER_CORRUPT',
        details: { position },
      });
      expect(await rejectionOf(work.rebuild())).toMatchObject({
        code: 'LEDGER_CORRUPT',
      });
      expect(await work.counts()).toEqual({
        open: 1,
        rejected: 0,
        delivered: 0,
        deadLettered: 0,
      });
    });

    it('the chain catches a row written around the ledger', async () => {
      const ledger = open();
      await ledger.append({ streamId: 'a', expectedVersion: 'any', events: [note(1)] });
      const position = insertRaw({ streamId: 'b', type: 'NoteTaken', data: '{"n":2}' });
      const result = await verifyChainAsync(readAllPages(ledger));
      expect(result).toMatchObject({ ok: false, position, reason: 'hashMismatch' });
    });

    it('follows rows another connection appended, continuing after them', async () => {
      const ledger = open();
      await ledger.append({ streamId: 'a', expectedVersion: 'any', events: [note(1)] });
      insertRaw({ streamId: 'b', type: 'NoteTaken', data: '{"n":2}' });
      const result = await ledger.append({ streamId: 'a', expectedVersion: 1, events: [note(3)] });
      expect(result.firstPosition).toBe(3);
    });
  });

  describe('paths that are not a ledger', () => {
    it('a file that is not SQLite: LEDGER_UNAVAILABLE, file untouched', () => {
      const garbage =
        'this is not a database, just text that is long enough to look like a header'.repeat(20);
      writeFileSync(path, garbage);
      const error = thrownBy(() => open());
      expect(error.code).toBe('LEDGER_UNAVAILABLE');
      expect(error.message).toContain(path);
      expect(error.message).toMatch(/not a database/);
      expect(readFileSync(path, 'utf8')).toBe(garbage);
    });

    it('a directory: LEDGER_UNAVAILABLE', () => {
      const directory = join(dir, 'a-directory');
      mkdirSync(directory);
      const error = thrownBy(() => open({ path: directory }));
      expect(error).toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
      expect(error.message).toContain('is a directory');
    });

    it('a path in a directory that does not exist: LEDGER_UNAVAILABLE', () => {
      const error = thrownBy(() => open({ path: join(dir, 'missing', 'ledger.sqlite') }));
      expect(error.code).toBe('LEDGER_UNAVAILABLE');
    });

    // Root writes through a 0444 mode, and CI runs as root: there the open runs as `nobody`.
    it('a file that cannot be written: LEDGER_UNAVAILABLE', () => {
      writeFileSync(path, '');
      chmodSync(path, 0o444);
      if (process.getuid?.() !== 0) {
        expect(thrownBy(() => open()).code).toBe('LEDGER_UNAVAILABLE');
        return;
      }
      // The directory is open to all, so only the file's mode stands between the writer and it.
      chmodSync(dir, 0o777);
      const script = `import { openSqliteLedger } from ${JSON.stringify(SQLITE_LEDGER_MODULE)};
        try { openSqliteLedger({ path: ${JSON.stringify(path)}, clock: { now: () => 0 } });
          console.log('opened'); } catch (error) { console.log(error.code); }`;
      const output = execFileSync(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--',
          process.execPath,
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          script,
        ],
        { cwd: REPO_ROOT, env: { ...process.env, HOME: tmpdir() }, encoding: 'utf8' },
      );
      expect(output.trim()).toBe('LEDGER_UNAVAILABLE');
    });
  });

  it('binds the ledger, its store and its queue through its container module, and closes them on unbindAsync', async () => {
    const container = new Container();
    container.bind(CLOCK).toConstantValue(clock);
    container.load(sqliteLedgerModule({ path }));
    const ledger = container.get(LEDGER);
    const store = container.get(EVENT_STORE);
    expect(store).toBeInstanceOf(SqliteEventStore);
    expect(store).toBe(ledger.events);
    expect(container.get(TRANSMISSION_WORK_QUEUE)).toBe(ledger.work);
    await store.append({ streamId: 'di', expectedVersion: 'noStream', events: [note(1)] });
    await container.unbindAsync(LEDGER);
    expect(await rejectionOf(store.head())).toMatchObject({ code: 'LEDGER_CLOSED' });
    expect(await rejectionOf(ledger.work.counts())).toMatchObject({ code: 'LEDGER_CLOSED' });
  });
});
