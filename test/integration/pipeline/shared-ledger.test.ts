import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { verifyChain } from '../../../src/application/ledger/hash-chain.js';
import {
  readLedger,
  spawnTs,
  CLI_MAIN,
  tempDir,
} from '../../reliability/support/reliability-kit.js';

/*
 * Two batch jobs started together on one SQLite ledger file, in two real processes, their
 * commands interleaved over the same conversations. Each must wait only for its own commands,
 * whoever delivered them, and end; every command is delivered once; a conversation's order
 * holds across both processes.
 */
const PER_JOB = 500;
const CONVERSATIONS = 20;

let sandbox: RunningSandbox;
let temp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  temp = tempDir('gtx-shared-ledger-');
  sandbox = await startSandbox({ integrationIds: ['integration-1'], rateLimitPerMinute: null });
});

afterAll(async () => {
  await sandbox.close();
  temp.remove();
});

function batchFile(job: string, count = PER_JOB): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const guest = `guest-${i % CONVERSATIONS}`;
    lines.push(JSON.stringify({ id: `${job}-${i}`, guest: { id: guest }, text: `${job} ${i}` }));
  }
  const path = join(temp.dir, `${job}.ndjson`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function settingsFor(ledger: string): Record<string, string> {
  return {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: 'sandbox-client',
    GENESYS_CLIENT_SECRET: 'sandbox-secret',
    GENESYS_INTEGRATION_ID: 'integration-1',
    GTX_LEDGER: ledger,
    GTX_RATE_LIMIT_PER_MINUTE: '120000',
    GTX_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
    GTX_LOG_LEVEL: 'warn',
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('several processes on one SQLite ledger', () => {
  it('a batch job beside gtx serve on the same file ends with every command delivered once', async () => {
    const ledger = join(temp.dir, 'beside-serve.db');
    const env = settingsFor(ledger);
    const service = spawnTs(CLI_MAIN, ['serve', '--port', '0', '--no-auth'], env);
    try {
      await until(() => /listening on http/.test(service.stdout()), 'gtx serve to listen');
      const before = sandbox.received().length;
      const batch = spawnTs(CLI_MAIN, ['send', '--file', batchFile('charlie', 300), '--json'], env);
      expect(await batch.exited, batch.stderr()).toBe(0);
      expect(JSON.parse(batch.stdout())).toMatchObject({ delivered: 300, total: 300 });
      const received = sandbox.received().slice(before);
      expect(received).toHaveLength(300);
      expect(received.every((r) => r.copies === 1)).toBe(true);
    } finally {
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
    }
    const events = await readLedger(ledger);
    expect(verifyChain(events)).toMatchObject({ ok: true, count: events.length });
    expect(events.filter((e) => e.type === 'TransmissionDelivered')).toHaveLength(300);
  }, 120_000);

  it('two overlapping batch jobs each deliver and await their own commands, once, in conversation order', async () => {
    const ledger = join(temp.dir, 'shared.db');
    const env = settingsFor(ledger);
    const before = sandbox.received().length;
    const jobs = ['alpha', 'bravo'].map((job) =>
      spawnTs(CLI_MAIN, ['send', '--file', batchFile(job), '--json'], env),
    );
    const codes = await Promise.all(jobs.map((job) => job.exited));
    expect(codes, jobs.map((job) => job.stderr()).join('\n---\n')).toEqual([0, 0]);
    for (const job of jobs) {
      expect(JSON.parse(job.stdout())).toMatchObject({ delivered: PER_JOB, total: PER_JOB });
    }

    const events = await readLedger(ledger);
    expect(verifyChain(events)).toMatchObject({ ok: true, count: events.length });
    const delivered = events.filter((e) => e.type === 'TransmissionDelivered');
    expect(new Set(delivered.map((e) => e.streamId)).size).toBe(2 * PER_JOB);

    const received = sandbox
      .received()
      .slice(before)
      .filter((r) => r.messageId !== null);
    expect(received).toHaveLength(2 * PER_JOB);
    expect(received.every((r) => r.copies === 1)).toBe(true);
    // The order of each conversation is the order its requests entered the ledger.
    const requested = events.filter((e) => e.type === 'TransmissionRequested');
    const conversationOf = new Map(
      requested.map((e) => [
        e.metadata.commandId,
        (e.data as { conversationRef: string }).conversationRef,
      ]),
    );
    const order = (ids: readonly (string | undefined)[]): Map<string, string[]> => {
      const byConversation = new Map<string, string[]>();
      for (const id of ids) {
        if (id === undefined) continue;
        const conversation = conversationOf.get(id) ?? '?';
        byConversation.set(conversation, [...(byConversation.get(conversation) ?? []), id]);
      }
      return byConversation;
    };
    expect(order(received.map((r) => r.messageId ?? undefined))).toEqual(
      order(requested.map((e) => e.metadata.commandId)),
    );
  }, 120_000);
});
