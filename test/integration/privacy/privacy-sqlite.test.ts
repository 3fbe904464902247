import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/adapters/clock/virtual-clock.js';
import type { CliIo } from '../../../src/adapters/cli/cli-io.js';
import { openPersonalDataViewer } from '../../../src/composition/personal-data-viewer.js';
import { AesGcmPersonalDataVault } from '../../../src/adapters/crypto/aes-gcm-personal-data-vault.js';
import { MasterKey } from '../../../src/adapters/crypto/master-key.js';
import { SeededRandom } from '../../../src/adapters/ids/random.js';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import { ScriptedTransport } from '../../../src/adapters/memory/scripted-transport.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { SqliteGuestKeyStore } from '../../../src/adapters/sqlite/sqlite-guest-key-store.js';
import { ChainVerifier } from '../../../src/application/ledger/hash-chain.js';
import { readAllPages } from '../../../src/application/ledger/ledger-pages.js';
import { PersonalDataRowViewer } from '../../../src/application/privacy/personal-data-row-viewer.js';
import { guestIdHash, guestStreamId } from '../../../src/application/privacy/sealed-content.js';
import { createTransmitter } from '../../../src/main.js';
import { runGtx, type CliRun } from '../../support/cli-harness.js';
import { testDir } from '../../support/test-dir.js';

const TEXT = 'the door code is 55-2291, come after nine';
const NICKNAME = 'Ottoline';
const OTHER_TEXT = 'a message of the other guest';

function tempLedger(): string {
  return join(testDir('gtx-privacy-'), 'ledger.db');
}

function fileBytes(path: string): Buffer {
  const parts = [path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p));
  return Buffer.concat(parts);
}

/** `gtx privacy …` in-process on the ledger at `path`, from its folder, at the default log level. */
function privacy(path: string, ...argv: string[]): Promise<CliRun> {
  return runGtx(
    ['privacy', ...argv, '--ledger', path],
    { GTX_LOG_LEVEL: undefined },
    join(path, '..'),
  );
}

async function fillLedger(path: string, masterKey: MasterKey, logger: InMemoryLogger) {
  const clock = new VirtualClock();
  const transport = new ScriptedTransport({ clock });
  const transmitter = createTransmitter({
    ledger: { path },
    privacy: { masterKey: masterKey.bytes() },
    rateLimit: { perMinute: 600_000, burst: 1_000 },
    adapters: { clock, transport, random: new SeededRandom(3), logger },
  });
  const submissions = [
    transmitter.submit({
      id: 'm1',
      guest: { id: 'g1', nickname: NICKNAME },
      conversation: 'c1',
      text: TEXT,
    }),
    transmitter.submit({
      id: 'm2',
      guest: { id: 'g1', nickname: NICKNAME },
      conversation: 'c1',
      text: `${TEXT}!`,
    }),
    transmitter.submit({ id: 'o1', guest: { id: 'g2' }, conversation: 'c2', text: OTHER_TEXT }),
  ];
  let done = 0;
  for (const s of submissions) void s.then(() => (done += 1));
  await clock.advanceUntil(() => done === submissions.length, 60_000);
  const outcomes = await Promise.all(submissions);
  await transmitter.close();
  return { outcomes, transport };
}

describe('personal data sealed in a SQLite ledger', () => {
  it('keeps plaintext out of the file, forgets a guest, and the chain still verifies', async () => {
    const path = tempLedger();
    const masterKey = MasterKey.generate();
    const logger = new InMemoryLogger();
    const { outcomes, transport } = await fillLedger(path, masterKey, logger);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(
      transport.delivered().map((r) => r.content.kind === 'message' && r.content.text),
    ).toContain(TEXT);
    expect(JSON.stringify(logger.records)).not.toContain(TEXT);
    expect(JSON.stringify(logger.records)).not.toContain(NICKNAME);

    const before = fileBytes(path);
    for (const secret of [TEXT, NICKNAME, OTHER_TEXT]) {
      expect(before.includes(Buffer.from(secret))).toBe(false);
    }
    // No default key file: the master key was given.
    expect(existsSync(`${path}.key`)).toBe(false);

    const keys = SqliteGuestKeyStore.open({ path });
    const wrapped = (await keys.findByGuest(guestIdHash('g1')))?.wrapped;
    await keys.close();
    expect(wrapped).toBeDefined();
    expect(fileBytes(path).includes(Buffer.from(wrapped!))).toBe(true);

    const forget = await privacy(path, 'forget', '--guest', 'g1', '--json');
    expect(forget.code).toBe(0);
    const forgot = JSON.parse(forget.stdout) as {
      status: string;
      erasures: { position: number }[];
    };
    expect(forgot.status).toBe('erased');

    // The destroyed wrapped key is in neither the database nor the WAL.
    expect(fileBytes(path).includes(Buffer.from(wrapped!))).toBe(false);

    const again = await privacy(path, 'forget', '--guest', 'g1');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already forgotten');

    const status = await privacy(path, 'status', '--guest', 'g1', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      guestIdHash: guestIdHash('g1'),
      activeKeyId: null,
      erasures: [{ position: forgot.erasures[0]?.position }],
      transmissions: { total: 2, readable: 0, erased: 2, plain: 0 },
    });

    const ledger = openSqliteLedger({ path, clock: new VirtualClock() });
    const verifier = new ChainVerifier();
    const rows = [];
    for await (const row of readAllPages(ledger.events)) {
      rows.push(row);
      expect(verifier.push(row)).toBeNull();
    }
    expect(verifier.finish()).toMatchObject({ ok: true, count: rows.length });
    const erasures = rows.filter((r) => r.type === 'GuestDataErased');
    expect(erasures).toHaveLength(1);
    expect(erasures[0]?.streamId).toBe(guestStreamId('g1'));
    expect(erasures[0]?.streamId).not.toContain('g1');
    expect(erasures[0]?.data).toMatchObject({ guestIdHash: guestIdHash('g1') });

    const vault = new AesGcmPersonalDataVault(
      SqliteGuestKeyStore.open({ path }),
      masterKey,
      new VirtualClock(),
    );
    const viewer = new PersonalDataRowViewer(vault);
    const requested = rows.filter((r) => r.type === 'TransmissionRequested');
    const views = await Promise.all(requested.map((r) => viewer.view(r)));
    expect(views[0]).toMatchObject({ content: { erased: true } });
    expect(views[2]).toMatchObject({ content: { kind: 'message', text: OTHER_TEXT } });
    expect(await viewer.view(rows.find((r) => r.type === 'TransmissionDelivered')!)).toBeNull();
    await vault.close();
    await ledger.close();

    // Once as a real process.
    const { stdout } = await promisify(execFile)(
      'npx',
      ['tsx', 'src/cli.ts', 'privacy', 'status', '--guest', 'g2', '--ledger', path, '--json'],
      { cwd: process.cwd(), timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toMatchObject({
      transmissions: { total: 1, readable: 1, erased: 0 },
    });
  }, 90_000);

  it('opens a viewer for read-only commands with the key file, never creating one', async () => {
    const path = tempLedger();
    const masterKey = MasterKey.generate();
    await fillLedger(path, masterKey, new InMemoryLogger());
    const cli: CliIo = {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      env: {},
      cwd: join(path, '..'),
    };
    // The ledger holds guest keys: a missing key file is a lost one, and the error says so.
    expect(() => openPersonalDataViewer(cli, path)).toThrow(
      expect.objectContaining({ code: 'MASTER_KEY_MISSING' }),
    );
    expect(existsSync(`${path}.key`)).toBe(false);
    const opened = openPersonalDataViewer(
      { ...cli, env: { GTX_MASTER_KEY: masterKey.bytes().toString('base64') } },
      path,
    );
    const ledger = openSqliteLedger({ path, clock: new VirtualClock() });
    const [row] = await ledger.events.readStream('transmission-o1');
    expect(await opened.viewer.view(row!)).toMatchObject({ content: { text: OTHER_TEXT } });
    await opened.close();
    await ledger.close();
  });

  it('refuses a ledger that does not exist rather than creating one', async () => {
    const path = tempLedger();
    const run = await privacy(path, 'forget', '--guest', 'g1');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('LEDGER_NOT_FOUND');
    expect(existsSync(path)).toBe(false);
  });

  it('creates the default key file next to the ledger when no master key is given', async () => {
    const path = tempLedger();
    const clock = new VirtualClock();
    const logger = new InMemoryLogger();
    const transmitter = createTransmitter({
      ledger: { path },
      adapters: { clock, transport: new ScriptedTransport({ clock }), logger },
    });
    const submitted = transmitter.submit({
      id: 'k1',
      guest: { id: 'g' },
      conversation: 'c',
      text: TEXT,
    });
    let done = false;
    void submitted.then(() => (done = true));
    await clock.advanceUntil(() => done, 60_000);
    expect((await submitted).status).toBe('delivered');
    await transmitter.close();
    expect(existsSync(`${path}.key`)).toBe(true);
    expect(logger.records.filter((r) => r.message.includes('master key file'))).toHaveLength(1);
    const key = readFileSync(`${path}.key`, 'utf8').trim();
    expect(JSON.stringify(logger.records)).not.toContain(key);
  });
});
