/**
 * `gtx doctor` end to end: the real CLI, the real SDK against the sandbox (its rate limit on),
 * real SQLite and PostgreSQL ledgers. Every check passes on a good setup (exit 0); each broken
 * part fails its own line (exit 11) and the checks that needed it say so; nothing secret is
 * printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { EXIT } from '../../src/adapters/cli/exit-codes.js';
import type { RunningSandbox, SandboxOptions } from '../../src/sandbox/index.js';
import { makeLedgerFile, tamperWith } from '../integration/audit/audit-fixture.js';
import { runGtx, type CliRun } from '../support/cli-harness.js';
import { postgresTestSchema } from '../support/postgres.js';
import { paced, sandboxWith } from '../support/sandbox-harness.js';
import { testDir } from '../support/test-dir.js';

const WEBHOOK = {
  url: 'https://replies.example.com/genesys?key=abc',
  secret: 'webhook-signing-secret-42',
};
const CHECKS = [
  'settings',
  'ledger',
  'credentials',
  'integration',
  'supported-content',
  'webhook',
  'clock',
];

interface Setup {
  readonly sandbox: RunningSandbox;
  readonly dir: string;
  readonly ledger: string;
  readonly env: Record<string, string>;
}

async function setup(
  options: SandboxOptions = {},
  env: Record<string, string> = {},
): Promise<Setup> {
  const sandbox = await sandboxWith({ ...paced().sandbox, outboundWebhook: WEBHOOK, ...options });
  const dir = testDir('gtx-doctor-');
  const ledger = join(dir, 'ledger.db');
  await makeLedgerFile(ledger, 12);
  return {
    sandbox,
    dir,
    ledger,
    env: {
      GENESYS_API_URL: sandbox.url,
      GENESYS_CLIENT_ID: 'sandbox-client',
      GENESYS_CLIENT_SECRET: 'sandbox-secret',
      GENESYS_INTEGRATION_ID: 'sandbox-integration',
      GTX_LEDGER: ledger,
      ...env,
    },
  };
}

function doctor(s: Setup, ...args: string[]): Promise<CliRun> {
  return runGtx(['doctor', ...args], s.env, s.dir);
}

function lineOf(run: CliRun, check: string): string {
  const found = run.stdout.split('\n').find((line) => line.slice(5).startsWith(`${check} — `));
  if (found === undefined) throw new Error(`no line for ${check} in:\n${run.stdout}`);
  return found;
}

function expectNoSecrets(run: CliRun): void {
  for (const secret of ['sandbox-secret', WEBHOOK.secret, 'key=abc']) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

describe('gtx doctor', () => {
  it('passes every check on a good setup, one PASS line each, and exits 0', async () => {
    const s = await setup();
    const run = await doctor(s);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ')[1]),
    ).toEqual(CHECKS);
    expect(run.stdout).not.toContain('FAIL');
    expect(lineOf(run, 'ledger')).toMatch(
      /^PASS ledger — sqlite .*schema version 3, last 50 of 50 events verify, writable$/,
    );
    expect(lineOf(run, 'integration')).toContain('is Active');
    expect(lineOf(run, 'supported-content')).toContain('allows inbound */*');
    expect(lineOf(run, 'webhook')).toBe(
      'PASS webhook — https://replies.example.com/genesys?… (signature secret set)',
    );
    expectNoSecrets(run);
  });

  it('logs no token, secret or webhook query even at GTX_LOG_LEVEL=debug', async () => {
    const s = await setup({}, { GTX_LOG_LEVEL: 'debug' });
    const run = await doctor(s);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('obtained a Genesys access token');
    expectNoSecrets(run);
    const tokens = s.sandbox.issuedTokens();
    expect(tokens.length).toBeGreaterThan(0);
    for (const token of tokens) expect(`${run.stdout}${run.stderr}`).not.toContain(token);
  });

  it('--json prints one object with every check and the overall result', async () => {
    const s = await setup();
    const run = await doctor(s, '--json', '--verify-last', '5');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: Record<string, unknown>[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check['name'])).toEqual(CHECKS);
    for (const check of report.checks) {
      expect(Object.keys(check).sort()).toEqual(['checked', 'detail', 'hint', 'name', 'ok']);
      expect(check).toMatchObject({ ok: true, checked: true, hint: null });
      expect(typeof check['detail']).toBe('string');
    }
    expect(report.checks[1]?.['detail']).toContain('last 5 of 50 events verify');
  });

  it('fails the integration check for an inactive integration, and for one whose creation failed', async () => {
    const s = await setup({ integrationState: { status: 'Inactive', createStatus: 'Completed' } });
    const inactive = await doctor(s);
    expect(inactive.code).toBe(EXIT.doctorFailed);
    expect(lineOf(inactive, 'integration')).toMatch(
      /^FAIL integration — .* is Inactive.*\(activate the integration/,
    );
    expect(lineOf(inactive, 'credentials')).toMatch(/^PASS/);

    const broken = await setup({
      integrationState: {
        status: 'Inactive',
        createStatus: 'Error',
        createError: 'webhook URL refused',
      },
    });
    const failed = await doctor(broken);
    expect(lineOf(failed, 'integration')).toContain('failed to be created: webhook URL refused');
  });

  it('fails an unknown integration id, and does not check what needs the integration', async () => {
    const s = await setup({}, { GENESYS_INTEGRATION_ID: 'not-our-integration' });
    const run = await doctor(s, '--json');
    expect(run.code).toBe(EXIT.doctorFailed);
    const checks = (
      JSON.parse(run.stdout) as {
        checks: { name: string; ok: boolean; checked: boolean; detail: string }[];
      }
    ).checks;
    const byName = new Map(checks.map((check) => [check.name, check]));
    expect(byName.get('integration')).toMatchObject({ ok: false, checked: true });
    expect(byName.get('integration')?.detail).toContain('GENESYS_NOT_FOUND');
    expect(byName.get('supported-content')).toMatchObject({
      ok: false,
      checked: false,
      detail: 'not checked: needs the integration',
    });
    // The 404 still carried Genesys' Date.
    expect(byName.get('clock')).toMatchObject({ ok: true });
  });

  it('names the media types the local policy allows and the profile refuses', async () => {
    const s = await setup({
      supportedContent: { id: 'images', name: 'Images', inbound: ['image/*'], outbound: ['*/*'] },
    });
    writeFileSync(
      join(s.dir, 'policy.json'),
      JSON.stringify({ supportedMediaTypes: ['image/png', 'application/pdf'] }),
    );
    const run = await runGtx(['doctor'], { ...s.env, GTX_POLICY_FILE: 'policy.json' }, s.dir);
    expect(run.code).toBe(EXIT.doctorFailed);
    const line = lineOf(run, 'supported-content');
    expect(line).toMatch(
      /^FAIL supported-content — profile Images \(images\) allows inbound image\/\*; the local policy allows application\/pdf, which the profile refuses; the local policy refuses \(some of\) image\/\*, which the profile allows \(/,
    );
    expect(line).not.toMatch(/allows image\/png, which/);
    expect(line).toContain('GTX_MEDIA_POLICY=from-integration');

    const fromIntegration = await runGtx(
      ['doctor'],
      { ...s.env, GTX_POLICY_FILE: 'policy.json', GTX_MEDIA_POLICY: 'from-integration' },
      s.dir,
    );
    expect(lineOf(fromIntegration, 'supported-content')).toMatch(/^PASS .*it is the media policy/);
  });

  it('fails bad credentials, and every check that needs a token says it was not checked', async () => {
    const s = await setup({}, { GENESYS_CLIENT_SECRET: 'not-the-secret' });
    const run = await doctor(s);
    expect(run.code).toBe(EXIT.doctorFailed);
    expect(lineOf(run, 'credentials')).toMatch(
      /^FAIL credentials — .*GENESYS_AUTH_FAILED.*\(check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET/,
    );
    for (const check of ['integration', 'supported-content', 'webhook', 'clock']) {
      expect(lineOf(run, check)).toBe(`FAIL ${check} — not checked: needs credentials`);
    }
    expect(lineOf(run, 'ledger')).toMatch(/^PASS/);
    expect(run.stdout).not.toContain('not-the-secret');
  });

  it("fails the clock check when Genesys' clock is a minute ahead", async () => {
    const s = await setup({ now: () => Date.now() + 60_000 });
    const run = await doctor(s);
    expect(run.code).toBe(EXIT.doctorFailed);
    expect(lineOf(run, 'clock')).toMatch(
      /^FAIL clock — this clock is [\d.]+ s behind Genesys' \(limit 5 s, GTX_CLOCK_SKEW_MAX_MS\) \(synchronise/,
    );
    const relaxed = await runGtx(['doctor'], { ...s.env, GTX_CLOCK_SKEW_MAX_MS: '120000' }, s.dir);
    expect(lineOf(relaxed, 'clock')).toMatch(/^PASS clock/);
  });

  it('fails the ledger check on a broken chain, naming the position', async () => {
    const s = await setup();
    tamperWith(
      s.ledger,
      "UPDATE events SET recorded_at = '2030-01-01T00:00:00.000Z' WHERE global_position = 40",
    );
    const run = await doctor(s);
    expect(run.code).toBe(EXIT.doctorFailed);
    expect(lineOf(run, 'ledger')).toMatch(/^FAIL ledger — .*BROKEN at position 40: hash mismatch/);
    // Outside the last N, the break is not seen: that is gtx audit verify's job.
    const tail = await doctor(s, '--verify-last', '5');
    expect(lineOf(tail, 'ledger')).toMatch(/^PASS ledger/);
  });

  it('fails the ledger check when there is no ledger at the path', async () => {
    const s = await setup();
    const run = await doctor(s, '--ledger', 'missing.db');
    expect(lineOf(run, 'ledger')).toMatch(/^FAIL ledger — .*missing\.db.*LEDGER_NOT_FOUND/);
  });

  it('checks a PostgreSQL ledger the same way', async () => {
    const s = await setup();
    const schema = postgresTestSchema();
    onTestFinished(() => schema.drop());
    const url = `${schema.url}?schema=${schema.schema}`;
    expect((await runGtx(['ledger', 'copy', '--from', s.ledger, '--to', url])).code).toBe(0);
    const run = await doctor(s, '--ledger', url);
    expect(run.code).toBe(0);
    expect(lineOf(run, 'ledger')).toMatch(
      /^PASS ledger — postgres .*schema version 4, last 50 of 50 events verify, writable$/,
    );
  });

  it('fails the settings check naming the bad setting, and checks nothing else', async () => {
    const s = await setup({}, { GTX_MEDIA_POLICY: 'sometimes' });
    const run = await doctor(s);
    expect(run.code).toBe(EXIT.doctorFailed);
    expect(lineOf(run, 'settings')).toMatch(
      /^FAIL settings — GTX_MEDIA_POLICY must be one of local, from-integration/,
    );
    expect(lineOf(run, 'ledger')).toBe('FAIL ledger — not checked: needs valid settings');
  });
});
