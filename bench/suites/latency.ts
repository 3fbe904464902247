/**
 * 8. Added latency of the pipeline at 50% of its max throughput: open-loop arrivals at a fixed
 * rate, each message timed from submit() to its outcome, against the bare SDK call timed the
 * same way at the same rate against the same sandbox. The target is about the ledger at
 * synchronous=NORMAL (8a); FULL, the default, is measured in the same repetitions (8b).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeDb } from '../lib/files.js';
import { messageInput } from '../lib/fixtures.js';
import { bareSdk, sandboxTransmitter, startSandboxProcess, withCpu } from '../lib/genesys.js';
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

type Synchronous = 'NORMAL' | 'FULL';

function percentileDetails(runs: readonly Run[]): Record<string, number> {
  return {
    p50: round(median(runs.map((r) => r.p50)), 2),
    p90: round(median(runs.map((r) => r.p90)), 2),
    p99: round(median(runs.map((r) => r.p99)), 2),
    max: round(median(runs.map((r) => r.max)), 2),
  };
}

async function run(context: BenchContext): Promise<readonly BenchResult[]> {
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
    // Both settings share the warmed ledger (the guests' keys exist), as the original run did.
    const pipelineAt = async (synchronous: Synchronous, rep: number): Promise<Run> => {
      const transmitter = await sandboxTransmitter(sandbox, ledgerPath, {
        ledger: { path: ledgerPath, synchronous },
      });
      const measured = await withCpu(sandbox, () =>
        openLoop(rate, seconds, (n) =>
          transmitter.submit(messageInput(`l-${synchronous}-${String(rep)}`, n, GUESTS)),
        ),
      );
      await transmitter.close();
      await sandbox.child.request('reset');
      return summarise(measured.result);
    };
    const full: Run[] = [];
    const { a, b } = await alternate(
      context.reps,
      async (rep) => {
        // The two settings swap order each repetition, as A and B do.
        if (rep % 2 === 1) full.push(await pipelineAt('FULL', rep));
        const normal = await pipelineAt('NORMAL', rep);
        if (rep % 2 === 0) full.push(await pipelineAt('FULL', rep));
        return normal;
      },
      async (rep) => {
        const measured = await withCpu(sandbox, () =>
          openLoop(rate, seconds, (n) => sdk.send(`lb-${String(rep)}`, n, GUESTS)),
        );
        await sandbox.child.request('reset');
        return summarise(measured.result);
      },
    );
    const addedFor = (runs: readonly Run[], key: keyof Run): number[] =>
      runs.map((r, i) => r[key] - (b[i]?.[key] ?? 0));
    const common = {
      offeredRatePerSecond: round(rate, 1),
      maxThroughputUsed: round(max, 1),
      secondsPerRun: seconds,
      bareSdk: percentileDetails(b),
    };
    const notes = [
      'Open loop: message n is started at start + n/rate whether or not earlier ones answered; latency is submit() → outcome (ours) and call → answer (bare SDK).',
      'The rate is half of the pipeline throughput (closed loop, concurrency 16, default FULL) measured just before, against the same sandbox.',
      'Each repetition runs the pipeline at NORMAL and at FULL (order swapping) on the warmed ledger, paired with the same bare SDK run.',
    ];
    const result = (synchronous: Synchronous, runs: readonly Run[]): BenchResult => {
      const addedP99 = addedFor(runs, 'p99');
      const headline = median(addedP99);
      const judged = synchronous === 'NORMAL';
      return {
        id: judged ? '8a' : '8b',
        title: `added latency at 50% of max throughput, synchronous=${synchronous}`,
        ours: { value: median(runs.map((r) => r.p99)), unit: 'ms p99' },
        baseline: { value: median(b.map((r) => r.p99)), unit: 'ms p99' },
        headline: { label: 'p99 added', value: headline, unit: 'ms', samples: addedP99 },
        target: judged ? 'p99 added ≤ 5 ms' : 'reported, no target (FULL)',
        met: judged ? headline <= 5 : null,
        cpu: [],
        details: {
          ...common,
          synchronous,
          addedP50Ms: round(median(addedFor(runs, 'p50')), 2),
          pipeline: percentileDetails(runs),
          addedP99Samples: addedP99.map((v) => round(v, 2)),
        },
        notes,
      };
    };
    return [result('NORMAL', a), result('FULL', full)];
  } finally {
    await sandbox.child.close();
    removeDb(ledgerPath);
  }
}

export const latencyBenchmark: Benchmark = {
  id: 8,
  title: 'added latency at 50% of max throughput',
  run,
};
