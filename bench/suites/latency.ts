/**
 * 8. Added latency of the pipeline at 50% of its max throughput: open-loop arrivals at a fixed
 * rate, each message timed from submit() to its outcome, against the bare SDK call timed the
 * same way at the same rate against the same sandbox. The headline runs the ledger at
 * synchronous=NORMAL (in WAL mode: durable against a crash of the process, not of the machine);
 * the same is measured at FULL, an fsync per commit, and reported beside it.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeDb } from '../lib/files.js';
import { messageInput } from '../lib/fixtures.js';
import {
  bareSdk,
  sandboxTransmitter,
  startSandboxProcess,
  withCpu,
  type BareSdk,
  type SandboxProcess,
} from '../lib/genesys.js';
import { alternate, median, percentiles, round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';
import { pipelineRun } from './pipeline-throughput.js';

const GUESTS = 256;

/** Starts `call(n)` at `rate` per second for `seconds`; resolves with each call's latency in ms. */
async function openLoop(
  rate: number,
  seconds: number,
  call: (n: number) => Promise<unknown>,
): Promise<number[]> {
  const count = Math.round(rate * seconds);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let n = 0; n < count; n += 1) {
    const due = start + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const sent = performance.now();
    pending.push(
      call(n).then(() => {
        latencies.push(performance.now() - sent);
      }),
    );
  }
  await Promise.all(pending);
  return latencies;
}

interface Run {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

function summarise(latencies: readonly number[]): Run {
  const p = percentiles(latencies, [50, 90, 99, 100]);
  return {
    p50: p['p50'] ?? Number.NaN,
    p90: p['p90'] ?? Number.NaN,
    p99: p['p99'] ?? Number.NaN,
    max: p['p100'] ?? Number.NaN,
    count: latencies.length,
  };
}

async function run(context: BenchContext): Promise<BenchResult> {
  const seconds = context.quick ? 3 : 15;
  const sandbox = await startSandboxProcess({ rateLimitPerMinute: null });
  const ledgerPath = join(context.tmpDir, 'bench8.db');
  removeDb(ledgerPath);
  try {
    // Warm-up (and the guests' keys), then the max throughput measured now, under the load the
    // latency runs will see: benchmark 3's figure may come from a quieter or busier moment.
    await pipelineRun(sandbox, ledgerPath, GUESTS, 'warm');
    const max = (await pipelineRun(sandbox, ledgerPath, context.quick ? 300 : 1500, 'max'))
      .perSecond;
    const rate = Math.max(1, max / 2);
    const sdk = await bareSdk(sandbox.url);
    const normal = await latencyAt('NORMAL', rate, seconds, context.reps, sandbox, sdk, ledgerPath);
    const full = await latencyAt('FULL', rate, seconds, context.reps, sandbox, sdk, ledgerPath);
    const { a, b } = normal;
    const added = (key: keyof Run): number[] => a.map((r, i) => r[key] - (b[i]?.[key] ?? 0));
    const addedP99 = added('p99');
    const addedP50 = added('p50');
    const headline = median(addedP99);
    const fullAddedP99 = full.a.map((r, i) => r.p99 - (full.b[i]?.p99 ?? 0));
    const fullAddedP50 = full.a.map((r, i) => r.p50 - (full.b[i]?.p50 ?? 0));
    return {
      id: '8',
      title: 'added latency at 50% of max throughput, synchronous=NORMAL',
      ours: { value: median(a.map((r) => r.p99)), unit: 'ms p99' },
      baseline: { value: median(b.map((r) => r.p99)), unit: 'ms p99' },
      headline: { label: 'p99 added', value: headline, unit: 'ms', samples: addedP99 },
      target: 'p99 added ≤ 5 ms',
      met: headline <= 5,
      cpu: [],
      details: {
        offeredRatePerSecond: round(rate, 1),
        maxThroughputUsed: round(max, 1),
        secondsPerRun: seconds,
        addedP50Ms: round(median(addedP50), 2),
        pipeline: summaryOf(a),
        bareSdk: summaryOf(b),
        addedP99Samples: addedP99.map((v) => round(v, 2)),
        full: {
          addedP99Ms: round(median(fullAddedP99), 2),
          addedP50Ms: round(median(fullAddedP50), 2),
          addedP99Samples: fullAddedP99.map((v) => round(v, 2)),
          pipeline: summaryOf(full.a),
          bareSdk: summaryOf(full.b),
        },
      },
      notes: [
        'Open loop: message n is started at start + n/rate whether or not earlier ones answered; latency is submit() → outcome (ours) and call → answer (bare SDK).',
        'The rate is half of the pipeline throughput (closed loop, concurrency 16, FULL) measured just before, against the same sandbox.',
        `At synchronous=FULL (an fsync per commit), same rate: p99 added ${String(round(median(fullAddedP99), 2))} ms, p50 added ${String(round(median(fullAddedP50), 2))} ms (details.full).`,
      ],
    };
  } finally {
    await sandbox.child.close();
    removeDb(ledgerPath);
  }
}

function summaryOf(runs: readonly Run[]): Record<string, number> {
  return {
    p50: round(median(runs.map((r) => r.p50)), 2),
    p90: round(median(runs.map((r) => r.p90)), 2),
    p99: round(median(runs.map((r) => r.p99)), 2),
    max: round(median(runs.map((r) => r.max)), 2),
  };
}

/** Alternated A/B at one synchronous setting: ours (A) and the bare SDK (B) at `rate`. */
async function latencyAt(
  synchronous: 'NORMAL' | 'FULL',
  rate: number,
  seconds: number,
  reps: number,
  sandbox: SandboxProcess,
  sdk: BareSdk,
  ledgerPath: string,
): Promise<{ readonly a: readonly Run[]; readonly b: readonly Run[] }> {
  return alternate(
    reps,
    async (rep) => {
      const live = await sandboxTransmitter(sandbox, ledgerPath, {
        ledger: { path: ledgerPath, synchronous },
      });
      const measured = await withCpu(sandbox, () =>
        openLoop(rate, seconds, (n) =>
          live.submit(messageInput(`l-${synchronous}-${String(rep)}`, n, GUESTS)),
        ),
      );
      await live.close();
      await sandbox.child.request('reset');
      return summarise(measured.result);
    },
    async (rep) => {
      const measured = await withCpu(sandbox, () =>
        openLoop(rate, seconds, (n) => sdk.send(`lb-${synchronous}-${String(rep)}`, n, GUESTS)),
      );
      await sandbox.child.request('reset');
      return summarise(measured.result);
    },
  );
}

export const latencyBenchmark: Benchmark = {
  id: 8,
  title: 'added latency at 50% of max throughput, synchronous=NORMAL (FULL beside it)',
  run,
};
