import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/adapters/cli/exit-codes.js';
import { runGtx, type CliRun } from '../../support/cli-harness.js';
import { makeLedgerFile, tamperWith, tempDir, type TempDir } from './audit-fixture.js';

let tmp: TempDir;
let ledger: string;

// GTX_LOG_LEVEL unset: the audit commands run at the default log level, as a user gets them.
const gtx = (...argv: string[]): Promise<CliRun> =>
  runGtx(argv, { GTX_LOG_LEVEL: undefined }, tmp.dir);

async function verifyJson(): Promise<Record<string, unknown>> {
  const run = await gtx('audit', 'verify', '--ledger', ledger, '--json');
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/** gtx audit verify against a digest file, with the public key to check its signature by. */
const verifyDigest = (digest: string, publicKey: string): Promise<CliRun> =>
  gtx('audit', 'verify', '--ledger', ledger, '--digest', digest, '--public-key', publicKey);

/** gtx audit export of the test's ledger. */
const exportLedger = (...argv: string[]): Promise<CliRun> =>
  gtx('audit', 'export', '--ledger', ledger, ...argv);

/** The rows of an NDJSON export, header and trailer lines included. */
const ndjsonLines = (text: string): Record<string, unknown>[] =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeEach(async () => {
  tmp = tempDir();
  ledger = tmp.path('ledger.db');
  await makeLedgerFile(ledger, 12);
});

afterEach(() => {
  tmp.remove();
});

describe('gtx audit verify', () => {
  it('says ok with count, positions and head hash for an intact ledger', async () => {
    const run = await gtx('audit', 'verify', '--ledger', ledger);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^ok: 50 events, positions 1\.\.50, head [0-9a-f]{64}\n$/);
    expect(await verifyJson()).toMatchObject({
      ok: true,
      count: 50,
      firstPosition: 1,
      lastPosition: 50,
    });
  });

  it('names the first broken position and exits 5', async () => {
    tamperWith(
      ledger,
      "UPDATE events SET recorded_at = '2030-01-01T00:00:00.000Z' WHERE global_position = 17",
    );
    const run = await gtx('audit', 'verify', '--ledger', ledger);
    expect(run.code).toBe(EXIT.ledgerBroken);
    expect(run.stdout).toContain('BROKEN at position 17: hash mismatch (hashMismatch)');
    expect(run.stdout).toContain('16 events verified before it');
    expect(await verifyJson()).toMatchObject({
      ok: false,
      position: 17,
      reason: 'hashMismatch',
      count: 16,
    });
  });

  it('refuses a ledger path that does not exist instead of creating it', async () => {
    const run = await gtx('audit', 'verify', '--ledger', tmp.path('nope.db'));
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/^gtx: LEDGER_NOT_FOUND: no ledger at .*nope\.db/);
    expect(readdirSync(tmp.dir)).not.toContain('nope.db');
  });
});

describe('gtx audit keygen, digest and verify --digest', () => {
  it('signs a digest that a holder of the public key can check; a rewrite is caught by it', async () => {
    const keygen = await gtx('audit', 'keygen', '--out', 'auditor');
    expect(keygen.code).toBe(EXIT.ok);
    expect(statSync(tmp.path('auditor.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(tmp.path('auditor.pub'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    expect(keygen.stdout).toMatch(/fingerprint: sha256:[0-9a-f]{64}/);
    expect((await gtx('audit', 'keygen', '--out', 'auditor')).code).toBe(EXIT.usage);

    const digest = await gtx(
      'audit',
      'digest',
      '--ledger',
      ledger,
      '--sign-key',
      'auditor.key',
      '--out',
      'd.json',
    );
    expect(digest.code).toBe(EXIT.ok);
    const written = JSON.parse(readFileSync(tmp.path('d.json'), 'utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({ format: 'gtx-ledger-digest', version: 1, position: 50 });
    expect(written.signature).toMatchObject({ algorithm: 'ed25519' });

    const ok = await verifyDigest('d.json', 'auditor.pub');
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.stdout).toContain('digest: position 50');
    expect(ok.stdout).toContain('signature valid');

    // Without the public key the signature is not taken on trust: the output says so.
    const unchecked = await gtx('audit', 'verify', '--ledger', ledger, '--digest', 'd.json');
    expect(unchecked.stdout).toContain('signature NOT checked');

    // A forged digest (head hash changed, signature kept) fails its signature.
    writeFileSync(
      tmp.path('forged.json'),
      JSON.stringify({ ...written, headHash: 'f'.repeat(64) }),
    );
    const forged = await verifyDigest('forged.json', 'auditor.pub');
    expect(forged.code).toBe(EXIT.ledgerBroken);
    expect(forged.stdout).toContain('signature does not verify');

    // Another key's public half does not vouch for it.
    await gtx('audit', 'keygen', '--out', 'other');
    const other = await verifyDigest('d.json', 'other.pub');
    expect(other.code).toBe(EXIT.ledgerBroken);
    expect(other.stdout).toContain('signed by another key');

    // The private key is refused where the public one belongs.
    const wrongHalf = await verifyDigest('d.json', 'auditor.key');
    expect(wrongHalf.code).toBe(EXIT.usage);
    expect(wrongHalf.stderr).toContain('AUDIT_KEY_INVALID');

    // Cutting off the last row verifies on its own, but not against the digest.
    tamperWith(ledger, 'DELETE FROM events WHERE global_position = 50');
    expect((await gtx('audit', 'verify', '--ledger', ledger)).code).toBe(EXIT.ok);
    const cut = await verifyDigest('d.json', 'auditor.pub');
    expect(cut.code).toBe(EXIT.ledgerBroken);
    expect(cut.stdout).toContain(
      'BROKEN at position 50: ledger shorter than the digest (truncated)',
    );
  });

  it('reports bad digest and flag combinations as usage errors on one line', async () => {
    writeFileSync(tmp.path('bad.json'), '{"format":"gtx-ledger-digest"}');
    const bad = await gtx('audit', 'verify', '--ledger', ledger, '--digest', 'bad.json');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('AUDIT_DIGEST_INVALID');
    const keyAlone = await gtx('audit', 'verify', '--ledger', ledger, '--public-key', 'x.pub');
    expect(keyAlone.code).toBe(EXIT.usage);
    expect(keyAlone.stderr).toContain('pass --digest too');
    const both = await gtx('audit', 'verify', '--ledger', ledger, '--file', 'x.ndjson');
    expect(both.code).toBe(EXIT.usage);
  });
});

describe('gtx audit export', () => {
  it('writes a full NDJSON export that verifies offline, and names a tampered line', async () => {
    const run = await exportLedger('--out', 'all.ndjson');
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('exported 50 events, positions 1..50 (full, ledger head 50)');
    const lines = readFileSync(tmp.path('all.ndjson'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(52);
    const verified = await gtx('audit', 'verify', '--file', 'all.ndjson');
    expect(verified.code).toBe(EXIT.ok);
    expect(verified.stdout).toContain('full export');

    const row = JSON.parse(lines[5] ?? '') as Record<string, unknown>;
    lines[5] = JSON.stringify({ ...row, recordedAt: '2031-01-01T00:00:00.000Z' });
    writeFileSync(tmp.path('tampered.ndjson'), `${lines.join('\n')}\n`);
    const tampered = await gtx('audit', 'verify', '--file', 'tampered.ndjson', '--json');
    expect(tampered.code).toBe(EXIT.ledgerBroken);
    expect(JSON.parse(tampered.stdout)).toMatchObject({
      ok: false,
      position: 5,
      line: 6,
      reason: 'hashMismatch',
    });
  });

  it('filters by guest, type and time; the partial export verifies and says so', async () => {
    const run = await exportLedger(
      '--guest',
      'guest-c1',
      '--since',
      '2026-03-01T09:03:00Z',
      '--until',
      '2026-03-01T09:10:00+00:00',
    );
    expect(run.code).toBe(EXIT.ok);
    const lines = ndjsonLines(run.stdout);
    const rows = lines.slice(1, -1);
    expect(lines[0]).toMatchObject({ format: 'gtx-audit-export', partial: true });
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.streamId))).toEqual(
      new Set(['transmission-cmd-4', 'transmission-cmd-7']),
    );
    writeFileSync(tmp.path('part.ndjson'), run.stdout);
    const verified = await gtx('audit', 'verify', '--file', 'part.ndjson');
    expect(verified.code).toBe(EXIT.ok);
    expect(verified.stdout).toContain('partial export');

    const types = await exportLedger('--type', 'TransmissionDelivered', '--guest', 'guest-c0');
    const delivered = ndjsonLines(types.stdout).slice(1, -1);
    expect(delivered.map((r) => r.streamId)).toEqual([
      'transmission-cmd-0',
      'transmission-cmd-3',
      'transmission-cmd-6',
    ]);
  });

  it('writes CSV with a header, quoting and JSON columns as JSON text', async () => {
    const run = await exportLedger('--format', 'csv', '--type', 'NoteTaken', '--stream', 'notes-0');
    expect(run.code).toBe(EXIT.ok);
    const [header, first] = run.stdout.split('\n');
    expect(header).toBe(
      'position,stream_id,stream_version,type,schema_version,recorded_at,data,metadata,prev_hash,hash',
    );
    expect(first).toMatch(
      /^4,notes-0,1,NoteTaken,1,2026-03-01T09:00:00\.000Z,"{""n"":0,""text"":""a, \\""quoted\\""/,
    );
  });

  it('rejects bad dates and formats with exit 1 and one line, writing nothing', async () => {
    for (const argv of [
      ['--since', 'yesterday'],
      ['--until', '2026-02-30'],
      ['--since', '2026-03-02', '--until', '2026-03-01'],
      ['--guest', ''],
    ]) {
      const run = await exportLedger('--out', 'x.ndjson', ...argv);
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toMatch(/^gtx: AUDIT_FILTER_INVALID: --(since|until|guest): .+\n$/);
    }
    const format = await exportLedger('--format', 'xml');
    expect(format.code).toBe(EXIT.usage);
    expect(format.stderr).toContain('Allowed choices are ndjson, csv');
    expect(
      readdirSync(tmp.dir).filter((name) => name !== 'ledger.db' && !name.startsWith('ledger.db-')),
    ).toEqual([]);
  });

  it('leaves no file behind when the export meets an unreadable row, and exits 5', async () => {
    tamperWith(ledger, "UPDATE events SET data = '{not json' WHERE global_position = 30");
    const run = await exportLedger('--out', 'broken.ndjson');
    expect(run.code).toBe(EXIT.ledgerBroken);
    expect(run.stderr).toContain('LEDGER_CORRUPT');
    expect(readdirSync(tmp.dir).filter((name) => name.includes('broken'))).toEqual([]);
  });
});

describe('the real process', () => {
  it('runs gtx audit verify, digest and export end to end', async () => {
    const exec = promisify(execFile);
    // node --import tsx: the real entry point, without npx's start-up on every call.
    const cli = ['--import', 'tsx', 'src/cli.ts'];
    const options = { cwd: process.cwd(), env: { ...process.env, GTX_LEDGER: ledger } };
    const gtxProcess = (...argv: string[]) => exec(process.execPath, [...cli, ...argv], options);
    const verified = await gtxProcess('audit', 'verify', '--json');
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, count: 50 });
    await gtxProcess('audit', 'digest', '--out', tmp.path('d.json'));
    await gtxProcess('audit', 'export', '--out', tmp.path('e.ndjson'));
    const offline = await gtxProcess(
      'audit',
      'verify',
      '--file',
      tmp.path('e.ndjson'),
      '--digest',
      tmp.path('d.json'),
    );
    expect(offline.stdout).toContain('ok: 50 events');

    tamperWith(ledger, 'DELETE FROM events WHERE global_position = 9');
    const broken = await gtxProcess('audit', 'verify').then(
      () => null,
      (error: unknown) => error as { code: number; stdout: string },
    );
    expect(broken?.code).toBe(EXIT.ledgerBroken);
    expect(broken?.stdout).toContain('BROKEN at position 9: gap in positions');
  }, 120_000);
});
