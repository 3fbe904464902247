import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { verifyLedger } from '../../../src/application/audit/ledger-verification.js';
import { chainHashOfStored } from '../../../src/application/ledger/hash-chain.js';
import type { EventStore, StoredRow } from '../../../src/application/ports/index.js';
import { makeLedgerFile, tamperWith, tempDir, type TempDir } from './audit-fixture.js';
import { decodedOnly } from '../../support/decoded-only.js';

/*
 * `audit verify` hashes the text the ledger stores, which is the text hashed at append. A row
 * whose JSON was re-formatted without changing its value still decodes to the same event, so a
 * verifier that re-encodes decoded rows would pass it; the stored text no longer hashes the same.
 */

let tmp: TempDir;
let path: string;

beforeEach(async () => {
  tmp = tempDir('gtx-verify-stored-');
  path = tmp.path('ledger.db');
  await makeLedgerFile(path, 4);
});

afterEach(() => {
  tmp.remove();
});

async function verify(
  wrap: (store: EventStore) => EventStore = (store) => store,
): Promise<Awaited<ReturnType<typeof verifyLedger>>> {
  const ledger = openSqliteLedger({ path, readOnly: true, clock: new SystemClock() });
  try {
    return await verifyLedger(wrap(ledger.events), { pageSize: 3 });
  } finally {
    await ledger.close();
  }
}

function storedRow(position: number): StoredRow {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT global_position AS position, stream_id AS streamId, stream_version AS streamVersion,
         event_type AS type, schema_version AS schemaVersion, data AS dataJson,
         metadata AS metadataJson, recorded_at AS recordedAt, prev_hash AS prevHash, hash
         FROM events WHERE global_position = ?`,
      )
      .get(position) as StoredRow;
  } finally {
    db.close();
  }
}

function lastPosition(): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT MAX(global_position) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('audit verify over the stored text', () => {
  it('verifies an untouched ledger read as stored and read decoded alike', async () => {
    const stored = await verify();
    expect(stored).toMatchObject({ ok: true, count: lastPosition() });
    expect(await verify(decodedOnly)).toEqual(stored);
  });

  it('fails a row whose JSON was re-formatted, which a re-encoding verifier would pass', async () => {
    const row = storedRow(2);
    const reformatted = row.dataJson.replace(/^\{/, '{ ');
    expect(JSON.parse(reformatted)).toEqual(JSON.parse(row.dataJson));
    tamperWith(
      path,
      `UPDATE events SET data = '${reformatted.replace(/'/g, "''")}' WHERE global_position = 2`,
    );
    expect(await verify()).toMatchObject({ ok: false, position: 2, reason: 'hashMismatch' });
    expect(await verify(decodedOnly)).toMatchObject({ ok: true });
  });

  it('names a row whose text hashes right but does not parse as unreadable', async () => {
    const last = lastPosition();
    const row = storedRow(last);
    const broken = { ...row, dataJson: '{"not json' };
    const hash = chainHashOfStored(row.prevHash, broken);
    tamperWith(
      path,
      `UPDATE events SET data = '{"not json', hash = '${hash}' WHERE global_position = ${String(last)}`,
    );
    expect(await verify()).toEqual({
      ok: false,
      position: last,
      reason: 'unreadableRow',
      detail: `ledger row at position ${String(last)}: data is not JSON`,
      count: last - 1,
    });
  });

  it('names a row whose metadata is not an object of strings', async () => {
    const last = lastPosition();
    const row = storedRow(last);
    const broken = { ...row, metadataJson: '{"commandId":7}' };
    const hash = chainHashOfStored(row.prevHash, broken);
    tamperWith(
      path,
      `UPDATE events SET metadata = '{"commandId":7}', hash = '${hash}' WHERE global_position = ${String(last)}`,
    );
    expect(await verify()).toMatchObject({
      ok: false,
      position: last,
      reason: 'unreadableRow',
      detail: `ledger row at position ${String(last)}: metadata is not an object of strings`,
    });
  });
});
