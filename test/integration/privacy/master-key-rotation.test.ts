import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { AesGcmMasterKeyRewrapper } from '../../../src/adapters/crypto/aes-gcm-master-key-rewrapper.js';
import { AesGcmPersonalDataVault } from '../../../src/adapters/crypto/aes-gcm-personal-data-vault.js';
import { MasterKey } from '../../../src/adapters/crypto/master-key.js';
import { SeededRandom } from '../../../src/adapters/ids/random.js';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import { ScriptedTransport } from '../../../src/adapters/memory/scripted-transport.js';
import { readAllPages } from '../../../src/application/ledger/ledger-pages.js';
import type { GuestKeyStore } from '../../../src/application/ports/guest-key-store.port.js';
import { MasterKeyRotation } from '../../../src/application/privacy/master-key-rotation.js';
import { openRecordedEvent } from '../../../src/application/privacy/open-recorded-event.js';
import { GtxError } from '../../../src/domain/index.js';
import { openGuestKeyStore, openLedgerFile } from '../../../src/composition/ledger-files.js';
import { createTransmitter, type TransmitterOptions } from '../../../src/main.js';
import { runGtx } from '../../support/cli-harness.js';
import { postgresTestSchema, requirePostgres } from '../../support/postgres.js';
import { testDir } from '../../support/test-dir.js';

const GUESTS = 6;

interface RotationLedger {
  readonly target: string;
  readonly cwd: string;
  readonly ledgerOption: NonNullable<TransmitterOptions['ledger']>;
}

/** One sealed message for each of GUESTS guests, under `masterKey`. */
async function fill(ledger: RotationLedger, masterKey: MasterKey): Promise<void> {
  // A database ledger polls on real time: a virtual clock would never move it.
  const clock = new SystemClock();
  const transmitter = createTransmitter({
    ledger: ledger.ledgerOption,
    privacy: { masterKey: masterKey.bytes() },
    adapters: {
      clock,
      transport: new ScriptedTransport({ clock }),
      random: new SeededRandom(9),
      logger: new InMemoryLogger(),
    },
  });
  const outcomes = await Promise.all(
    Array.from({ length: GUESTS }, (_, i) =>
      transmitter.submit({
        id: `m${i}`,
        guest: { id: `guest-${i}` },
        conversation: 'c',
        text: `text of guest ${i}`,
      }),
    ),
  );
  expect(outcomes.every((o) => o.status === 'delivered')).toBe(true);
  await transmitter.close();
}

/** For each sealed message, sorted: its text opened with `masterKey`, or the error code. */
async function openEverything(ledger: RotationLedger, masterKey: MasterKey): Promise<string[]> {
  const clock = new SystemClock();
  const events = openLedgerFile(ledger.target, clock);
  const vault = new AesGcmPersonalDataVault(openGuestKeyStore(ledger.target), masterKey, clock);
  const opened: string[] = [];
  try {
    for await (const row of readAllPages(events.events, { types: ['TransmissionRequested'] })) {
      try {
        const data = (await openRecordedEvent(row, vault)).data as { content: { text: string } };
        opened.push(data.content.text);
      } catch (error) {
        opened.push(error instanceof GtxError ? error.code : String(error));
      }
    }
  } finally {
    await vault.close();
    await events.close();
  }
  // Messages submitted together land in any order: compare them as a sorted list.
  return opened.sort();
}

const ALL_TEXTS = Array.from({ length: GUESTS }, (_, i) => `text of guest ${i}`);

function keyFile(dir: string, key: MasterKey): string {
  const path = join(dir, `new-${key.fingerprint()}.key`);
  writeFileSync(path, `${key.bytes().toString('base64')}\n`, { mode: 0o600 });
  return path;
}

function rotate(ledger: RotationLedger, oldKey: MasterKey, newKeyFile: string) {
  return runGtx(
    [
      'privacy',
      'rotate-master-key',
      '--new-key-file',
      newKeyFile,
      '--ledger',
      ledger.target,
      '--json',
    ],
    { GTX_MASTER_KEY: oldKey.bytes().toString('base64') },
    ledger.cwd,
  );
}

/** A key store that stops (like a killed process) after `allowed` rewraps. */
function stoppingAfter(store: GuestKeyStore, allowed: number): GuestKeyStore {
  let left = allowed;
  return Object.assign(Object.create(store) as GuestKeyStore, {
    rewrap: (keyId: string, expected: string, next: string) => {
      if (left === 0) return Promise.reject(new Error('the rotation was stopped here'));
      left -= 1;
      return store.rewrap(keyId, expected, next);
    },
  });
}

/** Runs the rotation in-process until it has made `allowed` rewraps, then stops it. */
async function rotateUntilStopped(
  ledger: RotationLedger,
  oldKey: MasterKey,
  newKey: MasterKey,
  allowed: number,
): Promise<void> {
  const store = openGuestKeyStore(ledger.target);
  try {
    const rotation = new MasterKeyRotation({
      keys: stoppingAfter(store, allowed),
      rewrapper: new AesGcmMasterKeyRewrapper(oldKey, newKey),
      pageSize: 2,
    });
    await expect(rotation.run()).rejects.toThrow('the rotation was stopped here');
  } finally {
    await store.close();
  }
}

function rotationSuite(name: string, makeLedger: () => RotationLedger): void {
  describe(`gtx privacy rotate-master-key (${name})`, () => {
    it('re-wraps every guest key: then the new key alone opens everything, the old one none', async () => {
      const ledger = makeLedger();
      const [oldKey, newKey] = [MasterKey.generate(), MasterKey.generate()];
      await fill(ledger, oldKey);
      const run = await rotate(ledger, oldKey, keyFile(ledger.cwd, newKey));
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({
        keys: GUESTS,
        newWrapsAdded: GUESTS,
        oldWrapsDropped: GUESTS,
      });
      expect(await openEverything(ledger, newKey)).toEqual(ALL_TEXTS);
      expect(await openEverything(ledger, oldKey)).toEqual(
        ALL_TEXTS.map(() => 'MASTER_KEY_MISMATCH'),
      );
      const again = await rotate(ledger, oldKey, keyFile(ledger.cwd, newKey));
      expect(JSON.parse(again.stdout)).toEqual({
        keys: GUESTS,
        newWrapsAdded: 0,
        oldWrapsDropped: 0,
      });
    });

    it('stopped in its first pass: the old key still opens everything, the new one what was re-wrapped; a rerun finishes', async () => {
      const ledger = makeLedger();
      const [oldKey, newKey] = [MasterKey.generate(), MasterKey.generate()];
      await fill(ledger, oldKey);
      await rotateUntilStopped(ledger, oldKey, newKey, 3);
      expect(await openEverything(ledger, oldKey)).toEqual(ALL_TEXTS);
      const withNew = await openEverything(ledger, newKey);
      expect(withNew.filter((text) => ALL_TEXTS.includes(text))).toHaveLength(3);
      expect(withNew.filter((text) => text === 'MASTER_KEY_MISMATCH')).toHaveLength(GUESTS - 3);

      const run = await rotate(ledger, oldKey, keyFile(ledger.cwd, newKey));
      expect(JSON.parse(run.stdout)).toEqual({
        keys: GUESTS,
        newWrapsAdded: GUESTS - 3,
        oldWrapsDropped: GUESTS,
      });
      expect(await openEverything(ledger, newKey)).toEqual(ALL_TEXTS);
      expect(new Set(await openEverything(ledger, oldKey))).toEqual(
        new Set(['MASTER_KEY_MISMATCH']),
      );
    });

    it('stopped in its second pass: every key opens with the new key, the rest still with the old; a rerun finishes', async () => {
      const ledger = makeLedger();
      const [oldKey, newKey] = [MasterKey.generate(), MasterKey.generate()];
      await fill(ledger, oldKey);
      await rotateUntilStopped(ledger, oldKey, newKey, GUESTS + 2);
      expect(await openEverything(ledger, newKey)).toEqual(ALL_TEXTS);
      const withOld = await openEverything(ledger, oldKey);
      expect(withOld.filter((text) => ALL_TEXTS.includes(text))).toHaveLength(GUESTS - 2);
      expect(withOld.filter((text) => text === 'MASTER_KEY_MISMATCH')).toHaveLength(2);

      const run = await rotate(ledger, oldKey, keyFile(ledger.cwd, newKey));
      expect(JSON.parse(run.stdout)).toEqual({
        keys: GUESTS,
        newWrapsAdded: 0,
        oldWrapsDropped: GUESTS - 2,
      });
      expect(await openEverything(ledger, newKey)).toEqual(ALL_TEXTS);
      expect(new Set(await openEverything(ledger, oldKey))).toEqual(
        new Set(['MASTER_KEY_MISMATCH']),
      );
    });

    it('refuses a wrong current key or a new key equal to it, changing nothing', async () => {
      const ledger = makeLedger();
      const oldKey = MasterKey.generate();
      await fill(ledger, oldKey);
      const wrong = await rotate(
        ledger,
        MasterKey.generate(),
        keyFile(ledger.cwd, MasterKey.generate()),
      );
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toContain('MASTER_KEY_MISMATCH');
      const same = await rotate(ledger, oldKey, keyFile(ledger.cwd, oldKey));
      expect(same.code).not.toBe(0);
      expect(same.stderr).toContain('MASTER_KEY_INVALID');
      expect(same.stderr).toContain('--new-key-file');
      const missing = await rotate(ledger, oldKey, join(ledger.cwd, 'no-such.key'));
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('MASTER_KEY_INVALID');
      expect(await openEverything(ledger, oldKey)).toEqual(ALL_TEXTS);
    });
  });
}

rotationSuite('SQLite file', () => {
  const dir = testDir('gtx-rotate-');
  const path = join(dir, 'ledger.db');
  return { target: path, cwd: dir, ledgerOption: { path } };
});

const schemas: { drop(): Promise<void> }[] = [];
beforeAll(requirePostgres);
afterEach(async () => {
  for (const schema of schemas.splice(0)) await schema.drop();
});

rotationSuite('PostgreSQL', () => {
  const schema = postgresTestSchema();
  schemas.push(schema);
  return {
    target: `${schema.url}?schema=${schema.schema}`,
    cwd: testDir('gtx-rotate-pg-'),
    ledgerOption: { url: schema.url, schema: schema.schema },
  };
});
