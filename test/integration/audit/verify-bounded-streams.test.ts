import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import {
  verifyLedger,
  type VerifyLedgerOptions,
} from '../../../src/application/audit/ledger-verification.js';
import type { EventStore, StoredRowReader } from '../../../src/application/ports/index.js';
import { copyLedger, LedgerCopyError } from '../../../src/application/ledger/ledger-copy.js';
import { openLedgerStores } from '../../../src/composition/ledger-stores.js';
import { note } from '../../../src/testing/contracts/transmission-fixtures.js';
import { tamperWith, tempDir, type TempDir } from './audit-fixture.js';
import { decodedOnly } from '../../support/decoded-only.js';

/*
 * A verify of stored rows keeps the last version of a bounded number of streams and asks the
 * store where the others stood. With room for 4 streams and 40 streams written round-robin, every
 * row after the first round belongs to a forgotten stream: the verdicts must still be exactly
 * those of the verify that remembers every stream.
 */

const STREAMS = 40;
const VERSIONS = 4;
let tmp: TempDir;
let path: string;

beforeEach(async () => {
  tmp = tempDir('gtx-verify-bounded-');
  path = tmp.path('ledger.db');
  const ledger = openSqliteLedger({ path, clock: new SystemClock() });
  for (let version = 1; version <= VERSIONS; version += 1) {
    for (let stream = 0; stream < STREAMS; stream += 1) {
      await ledger.events.append({
        streamId: `s-${String(stream)}`,
        expectedVersion: version === 1 ? 'noStream' : version - 1,
        events: [note(version * 100 + stream)],
      });
    }
  }
  await ledger.close();
});

afterEach(() => {
  tmp.remove();
});

/** The store, counting the streams it is asked about. */
function counting(store: EventStore & StoredRowReader): {
  store: EventStore & StoredRowReader;
  asked: () => number;
} {
  let asked = 0;
  return {
    asked: () => asked,
    store: {
      ...decodedOnly(store),
      readStoredRows: (options) => store.readStoredRows(options),
      streamVersionsBefore: (streamIds, position) => {
        asked += streamIds.length;
        return store.streamVersionsBefore(streamIds, position);
      },
    },
  };
}

async function verifyBoth(options: VerifyLedgerOptions = {}) {
  const ledger = openSqliteLedger({ path, readOnly: true, clock: new SystemClock() });
  try {
    const { store, asked } = counting(ledger.events);
    const bounded = await verifyLedger(store, { pageSize: 7, trackedStreams: 4, ...options });
    const everyStream = await verifyLedger(decodedOnly(ledger.events), { pageSize: 7, ...options });
    return { bounded, everyStream, asked: asked() };
  } finally {
    await ledger.close();
  }
}

describe('audit verify with room for fewer streams than the ledger holds', () => {
  it('verifies an untouched ledger as the verify that remembers every stream does', async () => {
    const { bounded, everyStream, asked } = await verifyBoth();
    expect(bounded).toMatchObject({ ok: true, count: STREAMS * VERSIONS });
    expect(bounded).toEqual(everyStream);
    expect(asked).toBeGreaterThanOrEqual(STREAMS * (VERSIONS - 1));
  });

  it('from the middle of the ledger, checks forgotten streams against where they stood', async () => {
    const { bounded, everyStream } = await verifyBoth({ afterPosition: 100 });
    expect(bounded).toMatchObject({ ok: true, count: STREAMS * VERSIONS - 100 });
    expect(bounded).toEqual(everyStream);
  });

  it('names a version gap in a forgotten stream, as the verify that remembers it does', async () => {
    const position = 3 * STREAMS + 8; // s-7, version 4
    tamperWith(path, `UPDATE events SET stream_version = 6 WHERE global_position = ${position}`);
    const { bounded, everyStream } = await verifyBoth();
    expect(bounded).toMatchObject({
      ok: false,
      position,
      reason: 'streamVersionOutOfOrder',
      detail: 'stream s-7: expected version 4, found 6',
    });
    expect(bounded).toEqual(everyStream);
  });
});

describe('ledger copy with room for fewer streams than the source holds', () => {
  async function copyWithRoomFor4(): Promise<{ asked: number; copied: Promise<number> }> {
    const clock = new SystemClock();
    const source = openLedgerStores({ kind: 'sqlite', path }, clock, { mustExist: true });
    const target = openLedgerStores({ kind: 'sqlite', path: tmp.path('copy.db') }, clock);
    const { store, asked } = counting(source.ledger.events as EventStore & StoredRowReader);
    const copied = copyLedger(
      { events: store, guestKeys: source.guestKeys, checkpoints: source.checkpoints },
      {
        events: target.ledger.events,
        importStoredRows: (rows) => target.importStoredRows(rows),
        rebuildProjections: () => target.finishImport(),
        guestKeys: target.guestKeys,
        checkpoints: target.checkpoints,
      },
      { pageSize: 7, trackedStreams: 4 },
    )
      .then((summary) => summary.events)
      .finally(async () => {
        await target.close();
        await source.close();
      });
    await copied.catch(() => undefined);
    return { asked: asked(), copied };
  }

  it('copies a sound source whole, asking the source where forgotten streams stood', async () => {
    const { asked, copied } = await copyWithRoomFor4();
    expect(await copied).toBe(STREAMS * VERSIONS);
    expect(asked).toBeGreaterThanOrEqual(STREAMS * (VERSIONS - 1));
  });

  it('stops at a version gap in a forgotten stream of the source', async () => {
    const position = 3 * STREAMS + 8;
    tamperWith(path, `UPDATE events SET stream_version = 6 WHERE global_position = ${position}`);
    const { copied } = await copyWithRoomFor4();
    const error = await copied.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LedgerCopyError);
    expect((error as LedgerCopyError).message).toContain(
      `does not verify at position ${position} (streamVersionOutOfOrder: stream s-7: expected version 4, found 6)`,
    );
  });
});
