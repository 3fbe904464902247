/** The append requests of the batch benchmarks (1 and 9): one stream of 100 small events each. */
import type { AppendRequest, NewEvent } from '../../src/application/ports/index.js';

export const EVENTS_PER_BATCH = 100;

/** The n-th event of a batch: a note of about 320 bytes once stored with its hashes. */
export function noteEvent(batch: number, n: number): NewEvent {
  return {
    type: 'BenchNoteRecorded',
    schemaVersion: 1,
    data: {
      n,
      guestRef: `guest-${String((batch * EVENTS_PER_BATCH + n) % 5000)}`,
      amountCents: 1250 + n,
      note: 'seat 14C moved to 15A',
    },
    metadata: { commandId: `cmd-${String(batch)}`, correlationId: `cmd-${String(batch)}` },
  };
}

/** `events` events as requests of EVENTS_PER_BATCH, each into a new stream of run `run`. */
export function noteBatches(run: string, events: number): AppendRequest[] {
  const out: AppendRequest[] = [];
  for (let batch = 0; batch * EVENTS_PER_BATCH < events; batch += 1) {
    out.push({
      streamId: `bench-${run}-${String(batch)}`,
      expectedVersion: 'noStream',
      events: Array.from({ length: EVENTS_PER_BATCH }, (_, n) => noteEvent(batch, n)),
    });
  }
  return out;
}

/** Events per run of the batch benchmarks, SQLite (1) and PostgreSQL (9) alike. */
export function batchBenchmarkEvents(quick: boolean): number {
  return quick ? 10_000 : 50_000;
}
