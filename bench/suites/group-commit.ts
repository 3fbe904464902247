/**
 * 2. Ledger append, one command (a TransmissionRequested in a new transmission stream) at a
 * time from each of 16 concurrent producers, with group commit and without it.
 */
import { join } from 'node:path';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { openSqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.js';
import type { NewEvent } from '../../src/application/ports/index.js';
import { cpuMs } from '../lib/child.js';
import { removeDb } from '../lib/files.js';
import { alternate, median, pairedRatios, round } from '../lib/stats.js';
import { templates } from '../lib/templates.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

const PRODUCERS = 16;

/** The template's TransmissionRequested for another command id, as the transmitter writes it. */
export function requestedFor(template: NewEvent, commandId: string): NewEvent {
  const data = template.data as Record<string, unknown>;
  return {
    type: template.type,
    schemaVersion: template.schemaVersion,
    data: { ...data, commandId },
    metadata: { ...template.metadata, commandId, correlationId: commandId },
  };
}

interface Run {
  readonly perSecond: number;
  readonly cpuMs: number;
  readonly appends: number;
  readonly requestsPerTransaction: number;
}

async function runProducers(
  path: string,
  groupCommit: boolean,
  seconds: number,
  requested: NewEvent,
  tag: string,
): Promise<Run> {
  removeDb(path);
  const ledger = openSqliteLedger({
    path,
    clock: new SystemClock(),
    synchronous: 'FULL',
    groupCommit,
  });
  let appends = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async (_, producer) => {
      for (let n = 0; performance.now() < end; n += 1) {
        const commandId = `${tag}-${String(producer)}-${String(n)}`;
        await ledger.events.append({
          streamId: `transmission-${commandId}`,
          expectedVersion: 'noStream',
          events: [requestedFor(requested, commandId)],
        });
        appends += 1;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const used = cpuMs({ user: 0, system: 0 }, process.cpuUsage(cpu));
  const diagnostics = ledger.events.diagnostics();
  await ledger.close();
  removeDb(path);
  return {
    perSecond: appends / elapsed,
    cpuMs: used,
    appends,
    requestsPerTransaction: diagnostics.appendRequests / diagnostics.writeTransactions,
  };
}

async function run(context: BenchContext): Promise<BenchResult> {
  const seconds = context.quick ? 1.5 : 4;
  const requested = (await templates(context))[0]?.events[0];
  if (requested === undefined) throw new Error('no TransmissionRequested template');
  const path = join(context.tmpDir, 'bench2.db');
  await runProducers(path, true, 0.5, requested, 'warm-a');
  await runProducers(path, false, 0.5, requested, 'warm-b');
  const { a, b } = await alternate(
    context.reps,
    (rep) => runProducers(path, true, seconds, requested, `on-${String(rep)}`),
    (rep) => runProducers(path, false, seconds, requested, `off-${String(rep)}`),
  );
  const on = a.map((r) => r.perSecond);
  const off = b.map((r) => r.perSecond);
  const ratios = pairedRatios(on, off);
  const ratio = median(ratios);
  const perK = (runs: readonly Run[]): number =>
    median(runs.map((r) => (r.cpuMs / r.appends) * 1000));
  return {
    id: '2',
    title: 'ledger append, 1 command at a time × 16 producers',
    ours: { value: median(on), unit: 'appends/s' },
    baseline: { value: median(off), unit: 'appends/s' },
    headline: { label: 'group commit / off', value: ratio, unit: '×', samples: ratios },
    target: 'group commit ≥ 5×',
    met: ratio >= 5,
    cpu: [
      { process: 'group commit (bench process)', cpuMsPerUnit: perK(a), unit: '1000 appends' },
      { process: 'one commit per request', cpuMsPerUnit: perK(b), unit: '1000 appends' },
    ],
    details: {
      secondsPerRun: seconds,
      producers: PRODUCERS,
      requestsPerTransactionWithGroupCommit: round(
        median(a.map((r) => r.requestsPerTransaction)),
        1,
      ),
      onSamples: on.map((v) => round(v, 0)),
      offSamples: off.map((v) => round(v, 0)),
    },
    notes: [
      'Each producer awaits one append (a TransmissionRequested with sealed content, as the transmitter writes it, into a new transmission stream, projection included) before the next.',
      'Baseline: the same ledger opened with groupCommit: false (one transaction, one fsync, per request).',
    ],
  };
}

export const groupCommitBenchmark: Benchmark = {
  id: 2,
  title: 'ledger append, 1 command at a time × 16 producers',
  run,
};
