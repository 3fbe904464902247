/**
 * Secrets and access. A demo-like CLI run at debug level (messages with attachments and metadata,
 * tokens revoked mid-run, faults, the analytics feed, an audit export), a `gtx serve` run and
 * refused credentials must not leave the client secret, the Basic credentials built from it, any
 * access token, the webhook secret or its key, the master key or an API key, in any spelling
 * (raw, URL-encoded, JSON-escaped, base64, base64url, hex), in the logs, any table of the ledger,
 * the WAL, the export, the webhook requests, the HTTP responses or the error messages. The API
 * refuses calls without a valid key; webhook signatures verify with the standardwebhooks package
 * only with the right secret and a fresh timestamp; attachment URLs naming private, loopback or
 * link-local hosts, in any spelling, are refused.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { InMemoryLogger } from '../../src/adapters/memory/in-memory-logger.js';
import { ScriptedTransport } from '../../src/adapters/memory/scripted-transport.js';
import { parseWebhookSecret, signWebhook } from '../../src/adapters/sinks/standard-webhooks.js';
import { createTransmitter } from '../../src/main.js';
import { runGtx } from '../support/cli-harness.js';
import { WebhookReceiver, type ReceivedRequest } from '../support/feed/webhook-receiver.js';
import { paced } from '../support/sandbox-harness.js';
import { KEY_A, startHarness } from '../integration/http/service-harness.js';
import { tempDir } from './support/reliability-kit.js';
import {
  basicHeaderSpellings,
  fileIfPresent,
  findLeaks,
  keySpellings,
  sqliteTables,
  textSpellings,
  type ScannedPlace,
  type SecretSpelling,
} from './support/secret-scan.js';

const temp = tempDir('gtx-secrets-');

const CLIENT_ID = 'secret-client';
// '/', '+', '=', '&' and ' ' change when URL-encoded, '"' when JSON-escaped.
const CLIENT_SECRET = `cs/${randomBytes(8).toString('hex')}+${randomBytes(8).toString('hex')}= &"`;
const WEBHOOK_KEY = randomBytes(32);
const WEBHOOK_SECRET = `whsec_${WEBHOOK_KEY.toString('base64')}`;
const MASTER_KEY = randomBytes(32);
const API_KEY = `api-key/${randomBytes(16).toString('hex')}+=`;
const INTEGRATION = 'integration-secrets';
/** 60 messages and their retries in seconds, not minutes: four times Genesys' rate. */
const PACE = paced({ perMinute: 1_200 });

let sandbox: RunningSandbox;
let receiver: WebhookReceiver;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    seed: 5,
    integrationIds: [INTEGRATION],
    ...PACE.sandbox,
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }],
    faults: { serverError: 0.1, rateLimited: 0.1, revokeTokensEveryMs: 300 },
  });
  receiver = await WebhookReceiver.start();
});

afterAll(async () => {
  await receiver.close();
  await sandbox.close();
  temp.remove();
});

/** Every spelling of every secret of this file, the tokens the sandbox has issued so far included. */
function secrets(): SecretSpelling[] {
  return [
    ...textSpellings('client secret', CLIENT_SECRET),
    ...basicHeaderSpellings(CLIENT_ID, CLIENT_SECRET),
    ...textSpellings('webhook secret', WEBHOOK_SECRET),
    ...keySpellings('webhook key', WEBHOOK_KEY),
    ...keySpellings('master key', MASTER_KEY),
    ...textSpellings('API key', API_KEY),
    ...sandbox
      .issuedTokens()
      .flatMap((token, i) => textSpellings(`access token ${String(i)}`, token)),
  ];
}

/** The settings of a run against the sandbox, with every secret set. */
function settings(ledger: string): Record<string, string> {
  return {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: CLIENT_ID,
    GENESYS_CLIENT_SECRET: CLIENT_SECRET,
    GENESYS_INTEGRATION_ID: INTEGRATION,
    GTX_LEDGER: ledger,
    GTX_MASTER_KEY: MASTER_KEY.toString('base64'),
    ANALYTICS_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ANALYTICS_WEBHOOK_URL: receiver.url,
    GTX_API_KEYS: API_KEY,
    ...PACE.env,
    GTX_LOG_LEVEL: 'debug',
  };
}

function commandLine(i: number): Record<string, unknown> {
  return {
    id: `secret-${String(i)}`,
    guest: { id: `guest-${String(i % 6)}`, nickname: `Guest ${String(i)}` },
    conversation: `conv-${String(i % 6)}`,
    text: `message ${String(i)}`,
    attachments: [
      {
        url: 'https://files.example.com/a.jpg',
        mime: 'image/jpeg',
        filename: 'a.jpg',
        sizeBytes: 10,
      },
    ],
    metadata: { orderId: String(i) },
  };
}

/** A webhook request as it went over the wire: every header and the body. */
function wire(request: ReceivedRequest): string {
  return `${JSON.stringify(request.headers)}\n${request.body}`;
}

/** An HTTP answer as the client saw it: status, every header and the body. */
async function answered(response: Response): Promise<string> {
  const headers = JSON.stringify([...response.headers.entries()]);
  return `${String(response.status)} ${headers}\n${await response.text()}`;
}

function place(where: string, text: string | readonly string[]): ScannedPlace {
  return { where, bytes: Buffer.from(typeof text === 'string' ? text : text.join('\n')) };
}

describe('secrets, in every spelling', () => {
  it('leaves none in the logs, any ledger table, the export or the webhook requests of a demo-like CLI run', async () => {
    const ledger = join(temp.dir, 'cli.db');
    const env = settings(ledger);
    const file = join(temp.dir, 'batch.ndjson');
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify(commandLine(i)));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const before = receiver.requests.length;
    const logs: string[] = [];
    const sent = await runGtx(['send', '--file', file, '--json'], env, temp.dir);
    logs.push(sent.stderr, sent.stdout);
    expect(sent.code, sent.stderr.slice(0, 2000)).toBe(0);
    expect(sandbox.issuedTokens().length).toBeGreaterThan(1);
    const fed = await runGtx(['feed', 'run', '--once'], env, temp.dir);
    logs.push(fed.stderr, fed.stdout);
    expect(fed.code, fed.stderr.slice(0, 2000)).toBe(0);
    const exportFile = join(temp.dir, 'export.ndjson');
    const exported = await runGtx(['audit', 'export', '--out', exportFile], env, temp.dir);
    logs.push(exported.stderr, exported.stdout);
    expect(exported.code, exported.stderr).toBe(0);
    expect(logs.join('').length).toBeGreaterThan(1000); // debug logging did run
    const hooks = receiver.requests.slice(before);
    expect(hooks.length).toBeGreaterThan(0);

    const tables = sqliteTables(ledger, 'ledger');
    expect(tables.map((table) => table.where)).toContain('ledger table events');
    const places: ScannedPlace[] = [
      place('logs', logs),
      { where: 'ledger file', bytes: readFileSync(ledger) },
      ...tables,
      ...[fileIfPresent(`${ledger}-wal`, 'WAL')].filter((p): p is ScannedPlace => p !== null),
      { where: 'export', bytes: readFileSync(exportFile) },
      place('webhook requests', hooks.map(wire)),
    ];
    expect(findLeaks(places, secrets())).toEqual([]);
  });

  it('leaves none in the HTTP responses, logs, live ledger tables or WAL of gtx serve', async () => {
    const harness = await startHarness(
      { ...settings(join(temp.dir, 'unused.db')), GTX_SHUTDOWN_TIMEOUT_MS: '2000' },
      { sandbox: false, pace: PACE.client },
    );
    const responses: string[] = [];
    const places: ScannedPlace[] = [];
    try {
      const call = async (path: string, init: RequestInit & { key?: string | null } = {}) => {
        const response = await harness.call(path, { key: API_KEY, ...init });
        responses.push(await answered(response));
        return response;
      };
      const json = { 'content-type': 'application/json' };
      const batch = Array.from({ length: 12 }, (_, i) => commandLine(100 + i));
      const accepted = await call('/v1/messages', {
        method: 'POST',
        headers: json,
        body: JSON.stringify(batch),
      });
      expect(accepted.status).toBeLessThan(300);
      for (const command of batch) {
        for (let i = 0; i < 400; i++) {
          const status = await harness.call(`/v1/messages/${String(command['id'])}`, {
            key: API_KEY,
          });
          const body = (await status.json()) as { status: string };
          if (['delivered', 'deadLettered'].includes(body.status)) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        await call(`/v1/messages/${String(command['id'])}`);
      }
      await call('/v1/events?after=0&limit=1000');
      for (const path of ['/metrics', '/healthz', '/readyz', '/openapi.json']) {
        await call(path, { key: null });
      }
      // Refusals: a wrong or missing key, a key in the query string, a bad body, a wrong path.
      await call('/v1/messages', { method: 'POST', headers: json, body: '{}', key: `${API_KEY}x` });
      await call(`/v1/events?key=${encodeURIComponent(API_KEY)}`, { key: null });
      await call('/v1/messages', { method: 'POST', headers: json, body: '{"guest":' });
      await call('/v1/nothing-here');
      expect(responses.some((r) => r.startsWith('401'))).toBe(true);

      // While the service runs, its ledger's WAL holds the latest writes.
      const wal = fileIfPresent(`${harness.ledgerPath}-wal`, 'WAL of the running service');
      expect(wal === null ? 0 : statSync(`${harness.ledgerPath}-wal`).size).toBeGreaterThan(0);
      if (wal !== null) places.push(wal);
      places.push(...sqliteTables(harness.ledgerPath, 'live ledger'));
    } finally {
      await harness.service.close();
    }
    places.push(place('HTTP responses', responses), place('service logs', harness.logs()));
    await harness.close();
    expect(findLeaks(places, secrets())).toEqual([]);
  });

  it('names none in error messages: refused credentials, from the CLI and the library, and settings that are not valid', async () => {
    const wrongSecret = `${CLIENT_SECRET}-revoked/${randomBytes(6).toString('hex')}`;
    const ledger = join(temp.dir, 'refused.db');
    const refused = await runGtx(
      ['send', '--guest', 'g', '--text', 'hi', '--json'],
      { ...settings(ledger), GENESYS_CLIENT_SECRET: wrongSecret },
      temp.dir,
    );
    expect(refused.code, refused.stderr).toBe(4);
    expect(refused.stderr).toContain('GENESYS_AUTH_FAILED');

    const logger = new InMemoryLogger();
    const transmitter = createTransmitter({
      ledger: { path: ':memory:' },
      genesys: {
        environment: 'mypurecloud.com',
        apiUrl: sandbox.url,
        clientId: CLIENT_ID,
        clientSecret: wrongSecret,
        integrationId: INTEGRATION,
      },
      adapters: { logger },
    });
    let thrown: unknown = null;
    try {
      await transmitter.verifyTransport();
    } catch (error) {
      thrown = error;
    } finally {
      await transmitter.close({ drain: false });
    }
    expect(thrown).toBeInstanceOf(Error);
    const error = thrown as Error;
    const described = [
      inspect(error, { depth: null, showHidden: true }),
      JSON.stringify(error),
      String(error.stack),
      inspect(error.cause, { depth: null, showHidden: true }),
    ];

    // Settings that are not valid are named, never echoed.
    const invalidSettings: Record<string, string>[] = [
      { GTX_MASTER_KEY: `${MASTER_KEY.toString('base64')}!` },
      { ANALYTICS_WEBHOOK_SECRET: `${WEBHOOK_SECRET}!` },
      { GENESYS_CLIENT_SECRET: `${CLIENT_SECRET}${'x'.repeat(1100)}` },
      { GTX_API_KEYS: `${API_KEY},,` },
    ];
    const invalid = [];
    for (const bad of invalidSettings) {
      const run = await runGtx(
        ['send', '--guest', 'g', '--text', 'hi'],
        { ...settings(ledger), ...bad },
        temp.dir,
      );
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`CONFIG_INVALID: ${Object.keys(bad)[0] ?? '?'}`);
      invalid.push(run);
    }

    const places: ScannedPlace[] = [
      place('CLI error output', [refused.stderr, refused.stdout]),
      place('library error', described),
      place('library logs', JSON.stringify(logger.records)),
      place(
        'errors about invalid settings',
        invalid.flatMap((run) => [run.stderr, run.stdout]),
      ),
    ];
    const spellings = [
      ...secrets(),
      ...textSpellings('refused client secret', wrongSecret),
      ...basicHeaderSpellings(CLIENT_ID, wrongSecret),
    ];
    expect(findLeaks(places, spellings)).toEqual([]);
  });

  it('the scan finds every spelling it looks for, wherever it sits', () => {
    const spellings = [
      ...secrets(),
      ...textSpellings('a secret needing escapes', 'a/b+c= &"d'),
      ...basicHeaderSpellings('id', 'a/b+c= &"d'),
    ];
    const missed = spellings.filter((spelling) => {
      const planted = Buffer.concat([randomBytes(64), spelling.bytes, randomBytes(64)]);
      return findLeaks([{ where: 'a planted buffer', bytes: planted }], [spelling]).length !== 1;
    });
    expect(missed.map((spelling) => spelling.what)).toEqual([]);
    expect(new Set(spellings.map((spelling) => spelling.what)).size).toBeGreaterThan(30);
  });

  it('the API refuses calls without a valid key', async () => {
    const harness = await startHarness();
    try {
      const body = { id: 'auth-1', guest: { id: 'g' }, text: 'hi' };
      const post = (key: string | null) =>
        harness.call('/v1/messages', {
          method: 'POST',
          key,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      for (const key of [null, '', 'wrong-key-wrong-key-0000', `${KEY_A}x`, KEY_A.slice(0, -1)]) {
        expect((await post(key)).status, String(key)).toBe(401);
      }
      expect(
        (await harness.call('/v1/messages/auth-1', { key: 'wrong-key-wrong-key-0000' })).status,
      ).toBe(401);
      expect((await harness.call('/v1/events', { key: null })).status).toBe(401);
      expect((await harness.call('/v1/messages/auth-1')).status).toBe(404);
      expect((await post(KEY_A)).status).toBe(202);
    } finally {
      await harness.close();
    }
  });

  it('webhook signatures verify with standardwebhooks, not with a wrong secret nor outside the tolerance', () => {
    const key = parseWebhookSecret(WEBHOOK_SECRET);
    const body = JSON.stringify({ type: 'gtx.analytics.batch', data: { count: 0 } });
    const now = Math.floor(Date.now() / 1000);
    const headers = (timestampSeconds: number) => ({
      'webhook-id': 'msg_test',
      'webhook-timestamp': String(timestampSeconds),
      'webhook-signature': signWebhook(key, { id: 'msg_test', timestampSeconds, body }),
    });
    expect(new Webhook(WEBHOOK_SECRET).verify(body, headers(now))).toEqual(JSON.parse(body));
    const wrong = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(wrong).verify(body, headers(now))).toThrow();
    expect(() => new Webhook(WEBHOOK_SECRET).verify(`${body} `, headers(now))).toThrow();
    expect(() => new Webhook(WEBHOOK_SECRET).verify(body, headers(now - 10 * 60))).toThrow(
      /timestamp/i,
    );
    expect(() => new Webhook(WEBHOOK_SECRET).verify(body, headers(now + 10 * 60))).toThrow(
      /timestamp/i,
    );
  });

  it('refuses attachment URLs naming private, loopback or link-local hosts in any spelling', async () => {
    const hosts = [
      '127.0.0.1',
      '127.1',
      '2130706433',
      '0x7f000001',
      '0x7f.0.0.1',
      '0177.0.0.1',
      '017700000001',
      '0',
      '0.0.0.0',
      'localhost',
      'LOCALHOST.',
      'foo.localhost',
      '10.0.0.1',
      '10.1',
      '172.16.0.1',
      '192.168.1.1',
      '3232235777',
      '169.254.169.254',
      '2852039166',
      '0xa9fea9fe',
      '100.64.0.1',
      '[::1]',
      '[::]',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '[::ffff:10.0.0.1]',
      '[::ffff:a9fe:a9fe]',
      '[fe80::1]',
      '[fc00::1]',
      '[fd12:3456::1]',
      '[0:0:0:0:0:0:0:1]',
      '[::127.0.0.1]',
      '[64:ff9b::7f00:1]',
    ];
    const clock = new SystemClock();
    const transport = new ScriptedTransport({ clock });
    const transmitter = createTransmitter({
      ledger: { path: join(temp.dir, 'urls.db') },
      adapters: { transport, logger: new InMemoryLogger() },
    });
    const accepted: string[] = [];
    for (const [i, host] of hosts.entries()) {
      const url = `https://${host}/file.jpg`;
      let outcome;
      try {
        outcome = await transmitter.submit({
          id: `url-${String(i)}`,
          guest: { id: 'g' },
          text: 'see attachment',
          attachments: [{ url, mime: 'image/jpeg', filename: 'f.jpg', sizeBytes: 10 }],
        });
      } catch {
        continue; // refused at parse: also fine
      }
      if (outcome.status !== 'rejected') accepted.push(url);
    }
    await transmitter.close();
    expect(accepted).toEqual([]);
    expect(transport.calls()).toEqual([]);
  });
});
