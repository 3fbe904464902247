import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/adapters/clock/virtual-clock.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { transmissionStreamId } from '../../../src/domain/index.js';
import {
  appendTransmission,
  T0,
  toNewEvent,
  transmission,
} from '../../../src/testing/contracts/transmission-fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gtx-redrive-upgrade-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a ledger projected before redrives existed', () => {
  it('re-drives a dead letter whose projected state lacks the redrive fields, without a rebuild', async () => {
    const path = join(dir, 'ledger.db');
    const clock = new VirtualClock(T0);
    const first = openSqliteLedger({ path, clock });
    await appendTransmission(first.events, 'old', [
      transmission.requested('old', 'conv-old'),
      transmission.started(1),
      transmission.failed(1, null),
      transmission.deadLettered(1),
    ]);
    await first.close();
    // The state column as the previous release wrote it: no deadLetters, deadLetterReason, redriveIds.
    const db = new Database(path);
    db.prepare(
      `UPDATE transmissions SET state = json_remove(state, '$.deadLetters', '$.deadLetterReason', '$.redriveIds')`,
    ).run();
    expect(
      (db.prepare('SELECT state FROM transmissions').get() as { state: string }).state,
    ).not.toContain('redriveIds');
    db.close();

    const ledger = openSqliteLedger({ path, clock });
    expect(await ledger.work.listDeadLettered({ afterPosition: 0, limit: 10 })).toHaveLength(1);
    await ledger.events.append({
      streamId: transmissionStreamId('old'),
      expectedVersion: 4,
      events: [toNewEvent(transmission.redriven('dead-letter-1', 1), 'old')],
    });
    const [claim] = await ledger.work.claim({ owner: 'w1', nowMs: T0, limit: 5, leaseMs: 1000 });
    expect(claim).toMatchObject({ commandId: 'old', status: 'pending', sequence: 5 });
    await ledger.close();
  });
});
