import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../src/adapters/memory/in-memory-event-store.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { verifyChain } from '../../../src/application/ledger/hash-chain.js';
import type { Clock } from '../../../src/application/ports/clock.port.js';
import type {
  AppendRequest,
  EventStore,
  ExpectedVersion,
} from '../../../src/application/ports/event-store.port.js';

interface Step {
  readonly stream: number;
  readonly events: number;
  /** 'any', the stream's version as last seen, or one past it (a conflict unless raced). */
  readonly expectation: 'any' | 'exact' | 'stale';
}

const step: fc.Arbitrary<Step> = fc.record({
  stream: fc.integer({ min: 0, max: 4 }),
  events: fc.integer({ min: 1, max: 3 }),
  expectation: fc.constantFrom('any', 'exact', 'stale'),
});

/** Groups of steps; each group is issued in one tick, so SQLite commits it as one group. */
const script = fc.array(fc.array(step, { minLength: 1, maxLength: 6 }), {
  minLength: 1,
  maxLength: 8,
});

function toRequest(s: Step, versions: Map<string, number>, n: number): AppendRequest {
  const streamId = `stream-${s.stream}`;
  const current = versions.get(streamId) ?? 0;
  const expectedVersion: ExpectedVersion =
    s.expectation === 'any' ? 'any' : s.expectation === 'exact' ? current : current + 1;
  return {
    streamId,
    expectedVersion,
    events: Array.from({ length: s.events }, (_, i) => ({
      type: 'Step',
      schemaVersion: 1,
      data: { n, i, text: `step ${n}.${i}` },
      metadata: { correlationId: `run-${n}` },
    })),
  };
}

async function play(ledger: EventStore, groups: readonly (readonly Step[])[]): Promise<string[]> {
  // Versions as the script believes them when it issues a group: requests in one group may race.
  const versions = new Map<string, number>();
  const outcomes: string[] = [];
  let n = 0;
  for (const group of groups) {
    const settled = await Promise.allSettled(
      group.map((s) => ledger.append(toRequest(s, versions, (n += 1)))),
    );
    for (const result of settled) {
      if (result.status === 'fulfilled') {
        versions.set(result.value.streamId, result.value.streamVersion);
        outcomes.push(`ok ${result.value.firstPosition}-${result.value.lastPosition}`);
      } else {
        outcomes.push(String((result.reason as { code?: string }).code));
      }
    }
  }
  return outcomes;
}

describe('any sequence of appends', () => {
  it('keeps positions gapless, stream versions ordered, the chain verified, and both adapters agreeing', async () => {
    const clock: Clock = { now: () => Date.UTC(2026, 5, 1), scheduler: asyncScheduler };
    await fc.assert(
      fc.asyncProperty(script, async (groups) => {
        const dir = mkdtempSync(join(tmpdir(), 'gtx-ledger-property-'));
        const sqlite = openSqliteLedger({
          path: join(dir, 'ledger.sqlite'),
          clock,
          readPageSize: 7,
        }).events;
        const memory = new InMemoryEventStore(clock);
        try {
          const outcomes = await play(sqlite, groups);
          expect(await play(memory, groups)).toEqual(outcomes);
          const rows = [...(await sqlite.readAll({ afterPosition: 0, limit: 10_000 }))];
          // readPageSize 7 caps the page; read the rest to check all of it.
          while (rows.length > 0) {
            const more = await sqlite.readAll({ afterPosition: rows.at(-1)!.position, limit: 7 });
            if (more.length === 0) break;
            rows.push(...more);
          }
          expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i + 1));
          expect(verifyChain(rows)).toMatchObject({ ok: true, count: rows.length });
          expect(await sqlite.head()).toEqual(await memory.head());
          expect(outcomes.every((o) => o.startsWith('ok') || o === 'LEDGER_VERSION_CONFLICT')).toBe(
            true,
          );
        } finally {
          await sqlite.close();
          await memory.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});
