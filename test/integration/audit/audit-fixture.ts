import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { VirtualClock } from '../../../src/adapters/clock/virtual-clock.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import type { EventStore } from '../../../src/application/ports/event-store.port.js';
import {
  appendTransmission,
  note,
  T0,
  transmission,
} from '../../../src/testing/contracts/transmission-fixtures.js';

export { T0 };

export interface TempDir {
  readonly dir: string;
  path(name: string): string;
  remove(): void;
}

export function tempDir(prefix = 'gtx-audit-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Appends `transmissions` transmission streams (guests g-0, g-1, g-2 in turn; delivered, retried
 * or rejected) interleaved with note events, one minute apart, through the real ledger API.
 */
export async function fillLedger(
  ledger: EventStore,
  clock: VirtualClock,
  transmissions: number,
): Promise<void> {
  for (let i = 0; i < transmissions; i += 1) {
    const id = `cmd-${i}`;
    const conversation = `c${i % 3}`;
    const events =
      i % 5 === 4
        ? [transmission.rejected(id, conversation)]
        : i % 3 === 1
          ? [
              transmission.requested(id, conversation),
              transmission.started(1),
              transmission.failed(1, T0 + 6000),
              transmission.started(2),
              transmission.delivered(2),
            ]
          : [
              transmission.requested(id, conversation),
              transmission.started(1),
              transmission.delivered(1),
            ];
    await appendTransmission(ledger, id, events);
    await ledger.append({
      streamId: `notes-${i % 2}`,
      expectedVersion: 'any',
      events: [note(i, { text: 'a, "quoted"\nline' })],
    });
    await clock.advanceBy(60_000);
  }
}

/** A SQLite ledger file with `transmissions` transmissions in it, closed again. */
export async function makeLedgerFile(path: string, transmissions: number): Promise<void> {
  const clock = new VirtualClock(T0);
  const ledger = openSqliteLedger({ path, clock }).events;
  try {
    await fillLedger(ledger, clock, transmissions);
  } finally {
    await ledger.close();
  }
}

/** Opens the file with better-sqlite3 and drops the append-only triggers, as an attacker would. */
export function openForTampering(path: string): Database.Database {
  const db = new Database(path);
  db.exec(
    'DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete; DROP TRIGGER IF EXISTS events_chain_continues;',
  );
  return db;
}

/** Runs one statement on the file past the append-only triggers, then closes it again. */
export function tamperWith(path: string, sql: string): void {
  const db = openForTampering(path);
  try {
    db.prepare(sql).run();
  } finally {
    db.close();
  }
}
