/**
 * 11. The chain-head lock under 4 writers: 4 PostgresDatabase handles (4 pools, as 4 processes
 * would have) on one schema, each appending one TransmissionRequested at a time for a fixed
 * time, against 1 handle doing the same. Total appends/s, append latency, and the lock waits
 * sampled from pg_stat_activity.
 */
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { PostgresDatabase } from '../../src/adapters/postgres/postgres-database.js';
import {
  openPostgresLedger,
  type PostgresLedger,
} from '../../src/adapters/postgres/postgres-ledger.js';
import type { NewEvent } from '../../src/application/ports/index.js';
import { cpuMs } from '../lib/child.js';
import { benchSchema, migrateLedgerSchema } from '../lib/postgres.js';
import { busyShare, machineCpu } from '../lib/proc.js';
import { sampleBackends, type BackendSamples } from '../lib/postgres-activity.js';
import { alternate, median, pairedRatios, percentiles, round } from '../lib/stats.js';
import { templates } from '../lib/templates.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';
import { requestedFor } from './group-commit.js';

const WRITERS = 4;
const SAMPLE_EVERY_MS = 10;

interface Run {
  readonly writers: number;
  readonly appendsPerSecond: number;
  /** Milliseconds from append() to its result, every append of every writer. */
  readonly latencies: readonly number[];
  readonly backends: BackendSamples;
  readonly seconds: number;
  /** CPU of this process (the writers' Node side) over the run, ms. */
  readonly selfCpuMs: number;
  /** Share of the machine's CPU time that was busy (every process, other engineers' too). */
  readonly machineBusy: number;
}

async function appendLoop(
  ledger: PostgresLedger,
  requested: NewEvent,
  tag: string,
  end: number,
  latencies: number[],
): Promise<void> {
  for (let n = 0; performance.now() < end; n += 1) {
    const commandId = `${tag}-${String(n)}`;
    const sent = performance.now();
    await ledger.events.append({
      streamId: `transmission-${commandId}`,
      expectedVersion: 'noStream',
      events: [requestedFor(requested, commandId)],
    });
    latencies.push(performance.now() - sent);
  }
}

async function writersRun(
  writers: number,
  seconds: number,
  requested: NewEvent,
  tag: string,
): Promise<Run> {
  const schema = benchSchema('b11');
  // Migrated once beforehand, so the handles do not start by queueing on the migration lock.
  await migrateLedgerSchema(schema);
  const prefix = `gtx-bench-11 ${schema.schema}`;
  const ledgers = Array.from({ length: writers }, (_, w) =>
    openPostgresLedger(
      PostgresDatabase.open(schema.settings({ applicationName: `${prefix} w${String(w)}` })),
      new SystemClock(),
    ),
  );
  try {
    await Promise.all(ledgers.map((ledger) => ledger.ready()));
    // Each pool opens its connection before the clock starts.
    await Promise.all(
      ledgers.map((ledger, w) => {
        const commandId = `${tag}-warm-${String(w)}`;
        return ledger.events.append({
          streamId: `transmission-${commandId}`,
          expectedVersion: 'noStream',
          events: [requestedFor(requested, commandId)],
        });
      }),
    );
    const sampler = await sampleBackends({ applicationNamePrefix: prefix }, SAMPLE_EVERY_MS);
    const latencies: number[] = [];
    const selfBefore = process.cpuUsage();
    const machineBefore = machineCpu();
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      ledgers.map((ledger, w) =>
        appendLoop(ledger, requested, `${tag}-${String(w)}`, end, latencies),
      ),
    );
    const elapsed = (performance.now() - start) / 1000;
    const selfCpuMs = cpuMs({ user: 0, system: 0 }, process.cpuUsage(selfBefore));
    const machineBusy = busyShare(machineBefore, machineCpu());
    const backends = await sampler.stop();
    return {
      writers,
      appendsPerSecond: latencies.length / elapsed,
      latencies,
      backends,
      seconds: elapsed,
      selfCpuMs,
      machineBusy,
    };
  } finally {
    await Promise.all(ledgers.map((ledger) => ledger.close()));
    await schema.drop();
  }
}

/** Lock wait per append, from the samples: mean backends waiting × time / appends. */
function sampledWaitMsPerAppend(run: Run): number {
  return (run.backends.meanLockWaiting * run.seconds * 1000) / run.latencies.length;
}

function perAppend(runs: readonly Run[], ms: (run: Run) => number): number {
  return median(runs.map((r) => ms(r) / r.latencies.length));
}

function latencySummary(runs: readonly Run[]): Record<string, number> {
  const each = runs.map((r) => percentiles(r.latencies, [50, 90, 99]));
  const pick = (p: string): number => round(median(each.map((e) => e[p] ?? Number.NaN)), 2);
  const mean = median(runs.map((r) => r.latencies.reduce((s, v) => s + v, 0) / r.latencies.length));
  return { p50: pick('p50'), p90: pick('p90'), p99: pick('p99'), mean: round(mean, 2) };
}

async function run(context: BenchContext): Promise<BenchResult> {
  const seconds = context.quick ? 2 : 5;
  const requested = (await templates(context))[0]?.events[0];
  if (requested === undefined) throw new Error('no TransmissionRequested template');
  await writersRun(WRITERS, 0.5, requested, 'warm-a');
  await writersRun(1, 0.5, requested, 'warm-b');
  const { a, b } = await alternate(
    context.reps,
    (rep) => writersRun(WRITERS, seconds, requested, `w4-${String(rep)}`),
    (rep) => writersRun(1, seconds, requested, `w1-${String(rep)}`),
  );
  const many = a.map((r) => r.appendsPerSecond);
  const one = b.map((r) => r.appendsPerSecond);
  const ratios = pairedRatios(many, one);
  const manyLatency = latencySummary(a);
  const oneLatency = latencySummary(b);
  return {
    id: '11',
    title: 'PostgreSQL chain-head lock, 4 writers vs 1',
    ours: { value: median(many), unit: 'appends/s' },
    baseline: { value: median(one), unit: 'appends/s' },
    headline: { label: '4 writers / 1 writer', value: median(ratios), unit: '×', samples: ratios },
    target: 'none (scale-out figures)',
    met: null,
    cpu: [
      {
        process: '4 writers: bench process',
        cpuMsPerUnit: perAppend(a, (r) => r.selfCpuMs),
        unit: 'append',
      },
      {
        process: '4 writers: their PostgreSQL backends',
        cpuMsPerUnit: perAppend(a, (r) => r.backends.backendCpuMs),
        unit: 'append',
      },
      {
        process: '1 writer: bench process',
        cpuMsPerUnit: perAppend(b, (r) => r.selfCpuMs),
        unit: 'append',
      },
      {
        process: '1 writer: its PostgreSQL backend',
        cpuMsPerUnit: perAppend(b, (r) => r.backends.backendCpuMs),
        unit: 'append',
      },
    ],
    details: {
      secondsPerRun: seconds,
      writers: WRITERS,
      latencyMs4Writers: manyLatency,
      latencyMs1Writer: oneLatency,
      // Two estimates of the time an append spends queued behind other writers' transactions.
      lockWaitMsPerAppendSampled4Writers: round(median(a.map(sampledWaitMsPerAppend)), 2),
      lockWaitMsPerAppendSampled1Writer: round(median(b.map(sampledWaitMsPerAppend)), 2),
      p50LatencyMinusSingleWriterMs: round((manyLatency.p50 ?? 0) - (oneLatency.p50 ?? 0), 2),
      meanLockWaitingBackends4Writers: round(median(a.map((r) => r.backends.meanLockWaiting)), 2),
      shareOfSamplesWithALockWait4Writers: round(
        median(a.map((r) => r.backends.shareWithLockWait)),
        2,
      ),
      waitEvents4Writers: a.map((r) => r.backends.byWaitEvent),
      machineBusyShare4Writers: a.map((r) => round(r.machineBusy, 2)),
      machineBusyShare1Writer: b.map((r) => round(r.machineBusy, 2)),
      samplesPerRun: a.map((r) => r.backends.samples),
      manySamples: many.map((v) => round(v, 0)),
      oneSamples: one.map((v) => round(v, 0)),
    },
    notes: [
      'Each writer: its own PostgresDatabase (pool of 10) and openPostgresLedger on one schema, one producer awaiting one append of a TransmissionRequested (sealed content, work-queue projection written in the same transaction) into a new transmission stream before the next; so every append is one transaction holding the chain head from its SELECT … FOR UPDATE to COMMIT.',
      `Lock waits: pg_stat_activity sampled every ${String(SAMPLE_EVERY_MS)} ms on a connection of its own (active backends of the writers with wait_event_type = 'Lock'); per append = mean waiting backends × run time / appends. The second estimate is the p50 append latency with 4 writers minus the p50 with 1.`,
      "The 4 writers share one Node process (and so its event loop); the database server, the lock and the fsyncs are what they contend for. CPU is user + system: of the bench process (the sampler included), and from /proc of the writers' PostgreSQL backends; machineBusyShare is the busy share of both cores, whoever used them.",
    ],
  };
}

export const postgresHeadLockBenchmark: Benchmark = {
  id: 11,
  title: 'PostgreSQL chain-head lock, 4 writers vs 1',
  tags: ['postgres'],
  run,
};
