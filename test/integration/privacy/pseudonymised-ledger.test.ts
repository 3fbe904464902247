/**
 * GTX_PSEUDONYMISE=guest-ids on each engine: no guest id (an email address, a phone number) or
 * conversation ref is stored in clear, in any spelling, in any table (or the SQLite WAL), while
 * every lookup by the typed value still works: status, audit export --guest, privacy status and
 * forget, verify; and still after rotate-master-key. A writer whose setting disagrees with the
 * ledger is refused before it writes anything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { MasterKey } from '../../../src/adapters/crypto/master-key.js';
import { SeededRandom } from '../../../src/adapters/ids/random.js';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import { ScriptedTransport } from '../../../src/adapters/memory/scripted-transport.js';
import { isGtxError } from '../../../src/domain/index.js';
import { buildTransmitter, createTransmitter, type TransmitterOptions } from '../../../src/main.js';
import {
  fileIfPresent,
  findLeaks,
  sqliteTables,
  textSpellings,
  type ScannedPlace,
} from '../../reliability/support/secret-scan.js';
import { runGtx } from '../../support/cli-harness.js';
import { postgresTestSchema, requirePostgres, withAdmin } from '../../support/postgres.js';
import { testDir } from '../../support/test-dir.js';

const EMAIL = 'margaret.hamilton@example.com';
const PHONE = '+33612345678';
const CONVERSATION = 'crm-ticket-40417';
const OTHER = 'opaque-guest-7';

interface PseudonymisedLedger {
  readonly target: string;
  readonly cwd: string;
  readonly ledgerOption: NonNullable<TransmitterOptions['ledger']>;
  /** Every table of the ledger (and the SQLite WAL) as places to search. */
  scan(): Promise<ScannedPlace[]>;
}

function transmitterOptions(
  ledger: PseudonymisedLedger,
  masterKey: MasterKey,
  pseudonymiseGuestIds: boolean,
): TransmitterOptions {
  // A database ledger polls on real time: a virtual clock would never move it.
  const clock = new SystemClock();
  return {
    ledger: ledger.ledgerOption,
    privacy: { masterKey: masterKey.bytes(), pseudonymiseGuestIds },
    adapters: {
      clock,
      transport: new ScriptedTransport({ clock }),
      random: new SeededRandom(4),
      logger: new InMemoryLogger(),
    },
  };
}

async function fill(ledger: PseudonymisedLedger, masterKey: MasterKey): Promise<void> {
  const transmitter = createTransmitter(transmitterOptions(ledger, masterKey, true));
  await transmitter.ready();
  const outcomes = await Promise.all([
    transmitter.submit({
      id: 'e1',
      guest: { id: EMAIL, idType: 'Email' },
      conversation: CONVERSATION,
      text: 'first',
    }),
    transmitter.submit({
      id: 'e2',
      guest: { id: EMAIL, idType: 'Email' },
      conversation: CONVERSATION,
      text: 'second',
    }),
    // No conversation: the ref defaults to the phone number, which must not show either.
    transmitter.submit({ id: 'p1', guest: { id: PHONE, idType: 'Phone' }, text: 'third' }),
    transmitter.submit({ id: 'o1', guest: { id: OTHER }, conversation: 'c-o', text: 'fourth' }),
    // A rejection records the guest too.
    transmitter.submit({ id: 'bad', guest: { id: PHONE, idType: 'Phone' }, text: ' ' }),
  ]);
  expect(outcomes.map((o) => o.status)).toEqual([
    'delivered',
    'delivered',
    'delivered',
    'delivered',
    'rejected',
  ]);
  await transmitter.close();
}

function gtx(ledger: PseudonymisedLedger, masterKey: MasterKey, ...argv: string[]) {
  return runGtx(
    [...argv, '--ledger', ledger.target],
    { GTX_MASTER_KEY: masterKey.bytes().toString('base64') },
    ledger.cwd,
  );
}

function ndjson(stdout: string): { streamId: string; type: string; data: unknown }[] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { streamId: string; type: string; data: unknown });
}

async function exportedStreams(
  ledger: PseudonymisedLedger,
  masterKey: MasterKey,
  guest: string,
): Promise<string[]> {
  const run = await gtx(ledger, masterKey, 'audit', 'export', '--guest', guest);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  // The last line is the export's summary, which names no stream.
  const rows = ndjson(run.stdout).filter((row) => typeof row.streamId === 'string');
  return [...new Set(rows.map((row) => row.streamId))].sort();
}

async function privacyStatus(ledger: PseudonymisedLedger, masterKey: MasterKey, guest: string) {
  const run = await gtx(ledger, masterKey, 'privacy', 'status', '--guest', guest, '--json');
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as { transmissions: Record<string, number> };
}

function clearValues() {
  return [EMAIL, PHONE, CONVERSATION].flatMap((value) => textSpellings(value, value));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isGtxError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

function pseudonymisedSuite(name: string, makeLedger: () => PseudonymisedLedger): void {
  describe(`a pseudonymised ledger (${name})`, () => {
    it('stores no guest id or conversation ref in clear, and every lookup by the typed value works, before and after rotate-master-key', async () => {
      const ledger = makeLedger();
      const [oldKey, newKey] = [MasterKey.generate(), MasterKey.generate()];
      await fill(ledger, oldKey);
      const places = await ledger.scan();
      expect(places.length).toBeGreaterThan(3);
      expect(findLeaks(places, clearValues())).toEqual([]);
      // The scan does find what is stored in clear: the command ids.
      expect(findLeaks(places, textSpellings('command id', 'transmission-e1'))).not.toEqual([]);

      const status = await gtx(ledger, oldKey, 'status', 'e1', '--json');
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ status: 'delivered' });
      expect(await exportedStreams(ledger, oldKey, EMAIL)).toEqual([
        'transmission-e1',
        'transmission-e2',
      ]);
      expect(await exportedStreams(ledger, oldKey, PHONE)).toEqual([
        'transmission-bad',
        'transmission-p1',
      ]);
      expect((await privacyStatus(ledger, oldKey, EMAIL)).transmissions).toMatchObject({
        total: 2,
        readable: 2,
      });
      const replayed = join(ledger.cwd, 'replayed.ndjson');
      const replay = await gtx(
        ledger,
        oldKey,
        'replay',
        '--to',
        replayed,
        '--guest',
        EMAIL,
        '--json',
      );
      expect(replay.code).toBe(0);
      // Requested, attempt started, delivered: of e1 and e2 only, named by the hash.
      expect(JSON.parse(replay.stdout)).toMatchObject({ matched: 6, delivered: 6 });
      const fed = readFileSync(replayed, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { guestId: string });
      expect(new Set(fed.map((event) => event.guestId)).size).toBe(1);
      expect(fed[0]?.guestId).toMatch(/^hmac:/);
      expect(readFileSync(replayed, 'utf8')).not.toContain(EMAIL);

      const newKeyFile = join(ledger.cwd, 'new.key');
      writeFileSync(newKeyFile, `${newKey.bytes().toString('base64')}\n`, { mode: 0o600 });
      const rotation = await gtx(
        ledger,
        oldKey,
        'privacy',
        'rotate-master-key',
        '--new-key-file',
        newKeyFile,
        '--json',
      );
      expect(rotation.code).toBe(0);
      // Four guests' keys and the ledger's pseudonymisation key.
      expect(JSON.parse(rotation.stdout)).toEqual({
        keys: 4,
        newWrapsAdded: 4,
        oldWrapsDropped: 4,
      });
      expect(await exportedStreams(ledger, newKey, EMAIL)).toEqual([
        'transmission-e1',
        'transmission-e2',
      ]);
      const stale = await gtx(ledger, oldKey, 'audit', 'export', '--guest', EMAIL);
      expect(stale.code).not.toBe(0);
      expect(stale.stderr).toContain('MASTER_KEY_MISMATCH');

      // A writer on the new key, setting on, continues the same names.
      const writer = createTransmitter(transmitterOptions(ledger, newKey, true));
      await writer.ready();
      expect(
        await writer.submit({
          id: 'e3',
          guest: { id: EMAIL },
          conversation: CONVERSATION,
          text: 'after the rotation',
        }),
      ).toMatchObject({ status: 'delivered' });
      await writer.close();
      expect(await exportedStreams(ledger, newKey, EMAIL)).toEqual([
        'transmission-e1',
        'transmission-e2',
        'transmission-e3',
      ]);

      const forget = await gtx(ledger, newKey, 'privacy', 'forget', '--guest', EMAIL, '--json');
      expect(forget.code).toBe(0);
      expect(JSON.parse(forget.stdout)).toMatchObject({ status: 'erased' });
      expect((await privacyStatus(ledger, newKey, EMAIL)).transmissions).toMatchObject({
        total: 3,
        readable: 0,
        erased: 3,
      });
      expect((await privacyStatus(ledger, newKey, PHONE)).transmissions).toMatchObject({
        total: 2,
        readable: 2,
      });
      const verify = await gtx(ledger, newKey, 'audit', 'verify');
      expect(verify.code).toBe(0);
      expect(findLeaks(await ledger.scan(), clearValues())).toEqual([]);
    });

    it('refuses a writer with the setting off on it, and the setting on for a ledger with clear ids, writing nothing', async () => {
      const pseudonymised = makeLedger();
      const masterKey = MasterKey.generate();
      await fill(pseudonymised, masterKey);
      const off = buildTransmitter(transmitterOptions(pseudonymised, masterKey, false));
      expect(await codeOf(off.ready())).toBe('PSEUDONYMISATION_REQUIRED');
      expect(
        await codeOf(off.accept({ id: 'clear-1', guest: { id: EMAIL }, text: 'in clear?' })),
      ).toBe('PSEUDONYMISATION_REQUIRED');
      await off.close();
      const status = await gtx(pseudonymised, masterKey, 'status', 'clear-1');
      expect(status.code).not.toBe(0);
      expect(findLeaks(await pseudonymised.scan(), clearValues())).toEqual([]);

      const clear = makeLedger();
      const first = createTransmitter(transmitterOptions(clear, masterKey, false));
      expect(await first.submit({ id: 'c1', guest: { id: EMAIL }, text: 'clear' })).toMatchObject({
        status: 'delivered',
      });
      await first.close();
      const on = buildTransmitter(transmitterOptions(clear, masterKey, true));
      expect(await codeOf(on.ready())).toBe('PSEUDONYMISATION_LEDGER_NOT_EMPTY');
      expect(await codeOf(on.accept({ id: 'c2', guest: { id: PHONE }, text: 'hashed?' }))).toBe(
        'PSEUDONYMISATION_LEDGER_NOT_EMPTY',
      );
      await on.close();
      // The clear ledger is still one whose lookups find the value as typed.
      expect(await exportedStreams(clear, masterKey, EMAIL)).toEqual(['transmission-c1']);
      expect(await exportedStreams(clear, masterKey, PHONE)).toEqual([]);
    });
  });
}

pseudonymisedSuite('SQLite file', () => {
  const dir = testDir('gtx-pseudonyms-');
  const path = join(dir, 'ledger.db');
  return {
    target: path,
    cwd: dir,
    ledgerOption: { path },
    scan: () => {
      const wal = fileIfPresent(`${path}-wal`, 'the WAL');
      return Promise.resolve([...sqliteTables(path, 'ledger'), ...(wal === null ? [] : [wal])]);
    },
  };
});

const schemas: { drop(): Promise<void> }[] = [];
beforeAll(requirePostgres);
afterEach(async () => {
  for (const schema of schemas.splice(0)) await schema.drop();
});

pseudonymisedSuite('PostgreSQL', () => {
  const schema = postgresTestSchema();
  schemas.push(schema);
  return {
    target: `${schema.url}?schema=${schema.schema}`,
    cwd: testDir('gtx-pseudonyms-pg-'),
    ledgerOption: { url: schema.url, schema: schema.schema },
    // Every table of the schema, found in the catalogue rather than from a list of ours.
    scan: () =>
      withAdmin(async (admin) => {
        const tables = await admin.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables
           WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
          [schema.schema],
        );
        const places: ScannedPlace[] = [];
        for (const { table_name: table } of tables.rows) {
          const rows = await admin.query<{ row: string }>(
            `SELECT t::text AS row FROM "${schema.schema}"."${table}" t`,
          );
          places.push({
            where: `table ${table}`,
            bytes: Buffer.from(rows.rows.map((r) => r.row).join('\n'), 'utf8'),
          });
        }
        return places;
      }),
  };
});

describe('gtx send with GTX_PSEUDONYMISE', () => {
  it('pseudonymises a new ledger file when set, and refuses the same ledger without it, writing nothing', async () => {
    const dir = testDir('gtx-pseudonyms-cli-');
    const env = {
      GTX_LEDGER: join(dir, 'ledger.db'),
      GTX_MASTER_KEY: MasterKey.generate().bytes().toString('base64'),
    };
    const send = (id: string, extra: Record<string, string>) =>
      runGtx(
        [
          'send',
          '--sandbox',
          '--id',
          id,
          '--guest',
          EMAIL,
          '--conversation',
          CONVERSATION,
          '--text',
          'hi',
          '--json',
        ],
        { ...env, ...extra },
        dir,
      );
    const on = await send('s1', { GTX_PSEUDONYMISE: 'guest-ids' });
    expect(on.stderr).toBe('');
    expect(on.code).toBe(0);
    const off = await send('s2', {});
    expect(off.code).not.toBe(0);
    expect(off.stderr).toContain('PSEUDONYMISATION_REQUIRED');
    expect(off.stderr).toContain('GTX_PSEUDONYMISE=guest-ids');
    const places = [
      ...sqliteTables(env.GTX_LEDGER, 'ledger'),
      ...[fileIfPresent(`${env.GTX_LEDGER}-wal`, 'the WAL')].filter((p) => p !== null),
    ];
    expect(findLeaks(places, clearValues())).toEqual([]);
    expect(findLeaks(places, textSpellings('s2', 'transmission-s2'))).toEqual([]);
    expect(findLeaks(places, textSpellings('s1', 'transmission-s1'))).not.toEqual([]);
  });
});
