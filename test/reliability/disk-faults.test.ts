/**
 * Disk and database faults, as root in CI: chmod does not stop root, so a read-only ledger is a
 * read-only bind mount of its directory (the kernel refuses writes with EROFS whoever asks); a
 * full disk is a 1 MiB tmpfs; a locked database is a child process holding BEGIN EXCLUSIVE.
 * Each must give a coded error, report nothing delivered that is not in the ledger, and make
 * `gtx serve`'s /readyz say why.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isGtxError } from '../../src/domain/index.js';
import { createTransmitter } from '../../src/main.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { paced } from '../support/sandbox-harness.js';
import { runGtx } from '../support/cli-harness.js';
import { startHarness, type ServiceHarness } from '../integration/http/service-harness.js';
import { readLedger, sleep, spawnTs, tempDir } from './support/reliability-kit.js';

const temp = tempDir('gtx-disk-');
const mounted: string[] = [];
afterAll(() => {
  for (const point of mounted.splice(0).reverse()) {
    try {
      execFileSync('umount', ['-l', point]);
    } catch {
      // already gone
    }
  }
  temp.remove();
});

/** Mounts or explains why it cannot (not root, no CAP_SYS_ADMIN in this container). */
function tryMount(args: readonly string[], point: string | null): string | null {
  try {
    execFileSync('mount', [...args], { stdio: 'pipe' });
    if (point !== null) mounted.push(point);
    return null;
  } catch (error) {
    return error instanceof Error
      ? (error.message.split('\n')[0] ?? 'mount failed')
      : String(error);
  }
}

const canMount = (() => {
  const probe = join(temp.dir, 'probe');
  mkdirSync(probe);
  const reason = tryMount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], probe);
  if (reason === null) {
    execFileSync('umount', [probe]);
    mounted.pop();
  }
  return reason;
})();

interface ReadyBody {
  ready: boolean;
  checks: Record<string, string>;
}

/** These cases need mounts (root, as CI runs): where they cannot run they fail, never skip. */
function requireMount(): void {
  if (canMount !== null) throw new Error(`this case needs mount rights: ${canMount}`);
}

async function readyz(harness: ServiceHarness): Promise<{ status: number; body: ReadyBody }> {
  const response = await harness.call('/readyz', { key: null });
  return { status: response.status, body: (await response.json()) as ReadyBody };
}

function message(id: string, text = `text of ${id}`) {
  return { id, guest: { id: `guest-${id}` }, conversation: `conv-${id}`, text };
}

/** Every command the ledger records as delivered. */
async function deliveredInLedger(path: string): Promise<Set<string>> {
  const events = await readLedger(path);
  return new Set(
    events
      .filter((e) => e.type === 'TransmissionDelivered')
      .map((e) => e.streamId.slice('transmission-'.length)),
  );
}

describe('read-only ledger (read-only bind mount: refuses root too)', () => {
  it('refuses to open it with LEDGER_UNAVAILABLE, from the library and the CLI', async () => {
    requireMount();
    const dir = join(temp.dir, 'ro');
    mkdirSync(dir);
    const path = join(dir, 'ledger.db');
    // One message at the library's default pace, Genesys' own, which the sandbox enforces.
    await using sandbox = await startSandbox({
      port: 0,
      integrationIds: ['integration-ro'],
      ...paced().sandbox,
    });
    const genesys = {
      environment: 'mypurecloud.com',
      apiUrl: sandbox.url,
      clientId: 'sandbox-client',
      clientSecret: 'sandbox-secret',
      integrationId: 'integration-ro',
    };
    const writable = createTransmitter({ ledger: { path }, genesys, logLevel: 'silent' });
    expect((await writable.submit(message('ro-1'))).status).toBe('delivered');
    await writable.close();

    expect(tryMount(['--bind', dir, dir], dir)).toBeNull();
    expect(tryMount(['-o', 'remount,bind,ro', dir], null)).toBeNull();

    let thrown: unknown = null;
    try {
      createTransmitter({ ledger: { path }, genesys, logLevel: 'silent' });
    } catch (error) {
      thrown = error;
    }
    expect(isGtxError(thrown) && thrown.code).toBe('LEDGER_UNAVAILABLE');

    const sent = await runGtx(
      ['send', '--sandbox', '--ledger', path, '--guest', 'g', '--text', 'hi', '--json'],
      {},
      temp.dir,
    );
    expect(sent.code).not.toBe(0);
    expect(sent.stderr).toMatch(/ledger/i);
    expect(sent.stderr.trim().split('\n')).toHaveLength(1);

    // An auditor on a read-only mount can still verify and export: they open it read-only.
    const onMount = await runGtx(['audit', 'verify', '--ledger', path, '--json'], {}, temp.dir);
    expect(onMount.code, onMount.stderr).toBe(0);
    const exported = await runGtx(['audit', 'export', '--ledger', path], {}, temp.dir);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('TransmissionDelivered');

    // Nothing changed.
    execFileSync('umount', [dir]);
    mounted.splice(mounted.indexOf(dir), 1);
    expect(await deliveredInLedger(path)).toEqual(new Set(['ro-1']));
    const verified = await runGtx(['audit', 'verify', '--ledger', path, '--json'], {}, temp.dir);
    expect(verified.code, verified.stderr).toBe(0);
  });
});

describe('full disk (1 MiB tmpfs)', () => {
  it('answers with a coded error, reports only what the ledger holds, and /readyz says why', async () => {
    requireMount();
    const dir = join(temp.dir, 'full');
    mkdirSync(dir);
    expect(tryMount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], dir)).toBeNull();
    const path = join(dir, 'ledger.db');
    // Deliveries keep up with the intake (60,000 a minute, which the sandbox enforces): this case
    // is about the intake filling the disk, not a backlog's smaller appends that still fit.
    const harness = await startHarness({}, { ledgerPath: path, pace: { perMinute: 60_000 } });
    try {
      expect((await readyz(harness)).status).toBe(200);
      const answered = new Map<string, number>();
      let failure: { status: number; code: string } | null = null;
      for (let i = 0; i < 2000 && failure === null; i++) {
        const id = `full-${String(i)}`;
        const response = await harness.post('/v1/messages', message(id, 'x'.repeat(3900)));
        answered.set(id, response.status);
        if (response.status >= 500) {
          const body = (await response.json()) as { error: { code: string } };
          failure = { status: response.status, code: body.error.code };
        }
      }
      expect(failure?.status).toBe(503);
      expect(failure?.code).toBe('LEDGER_UNAVAILABLE');
      const ready = await readyz(harness);
      expect(ready.status).toBe(503);
      expect(ready.body.checks['ledger']).toMatch(/LEDGER_UNAVAILABLE/);

      // What the service called delivered must be in the ledger.
      const reported: string[] = [];
      for (const [id, status] of answered) {
        if (status >= 300) continue;
        const response = await harness.call(`/v1/messages/${id}`);
        if (response.status !== 200) continue;
        const body = (await response.json()) as { status: string };
        if (body.status === 'delivered') reported.push(id);
      }
      await harness.service.close().catch(() => undefined);
      const copy = join(temp.dir, 'full-copy.db');
      copyFileSync(path, copy);
      if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
      const inLedger = await deliveredInLedger(copy);
      expect(reported.filter((id) => !inLedger.has(id))).toEqual([]);
      const verified = await runGtx(['audit', 'verify', '--ledger', copy, '--json'], {}, temp.dir);
      expect(verified.code, verified.stderr).toBe(0);
    } finally {
      await harness.close().catch(() => undefined);
    }
  });
});

async function withLockedLedger(body: (harness: ServiceHarness) => Promise<void>): Promise<void> {
  const harness = await startHarness({}, {});
  const locker = spawnTs(join(import.meta.dirname, 'fixtures', 'hold-exclusive-lock.ts'), [], {
    LOCK_LEDGER: harness.ledgerPath,
  });
  try {
    await Promise.race([locker.line('locked'), locker.exited]);
    expect(locker.stdout()).toContain('locked');
    const response = await harness.post('/v1/messages', message('locked-1'));
    expect(response.status).toBe(503);
    const failure = (await response.json()) as { error: { code: string } };
    expect(failure.error.code).toBe('LEDGER_UNAVAILABLE');
    await body(harness);
    locker.child.kill('SIGKILL');
    await locker.exited;
    const after = await harness.post('/v1/messages', message('locked-2'));
    expect(after.status).toBe(202);
    expect((await harness.call('/v1/messages/locked-1')).status).toBe(404);
    for (let i = 0; i < 200 && (await readyz(harness)).status !== 200; i++) await sleep(25);
    expect((await readyz(harness)).status).toBe(200);
  } finally {
    if (locker.child.exitCode === null) locker.child.kill('SIGKILL');
    await harness.close();
  }
}

describe('database locked by another process (a child holding BEGIN EXCLUSIVE)', () => {
  it('fails the intake with LEDGER_UNAVAILABLE, records nothing, and recovers once the lock is gone', async () => {
    await withLockedLedger(() => Promise.resolve());
  });

  // Reads are not blocked by the lock (WAL), so readiness tries to start a write.
  it('/readyz reports the locked database', async () => {
    await withLockedLedger(async (harness) => {
      const ready = await readyz(harness);
      expect(ready.status, JSON.stringify(ready.body)).toBe(503);
      expect(ready.body.checks['ledger']).toMatch(/LEDGER_UNAVAILABLE|locked|busy/i);
    });
  });
});
