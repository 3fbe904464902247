/**
 * 7. Memory: submitMany over a generator of 1,000,000 commands against a run of 100,000, each
 * in a fresh process, peak RSS from the kernel. The transport answers at once from memory so
 * the big run takes minutes, not hours: the figure is about our memory, not Genesys'.
 */
import { join } from 'node:path';
import { BenchChild } from '../lib/child.js';
import { compiledPackage, type CompiledPackage } from '../lib/compiled.js';
import { removeDb } from '../lib/files.js';
import { alternate, median, round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

const MIB = 2 ** 20;

interface Run {
  readonly rssAfterImportsMiB: number;
  readonly peakRssMiB: number;
  readonly sampledPeakRssMiB: number;
  readonly peakHeapMiB: number;
  readonly perSecond: number;
  readonly seconds: number;
}

async function memoryRun(
  context: BenchContext,
  compiled: CompiledPackage,
  count: number,
  tag: string,
): Promise<Run> {
  const path = join(context.tmpDir, `bench7-${tag}.db`);
  removeDb(path);
  const child = await BenchChild.startCompiled(compiled.child('memory-child'), {
    path,
    count,
    guests: 1000,
  });
  const answer = child.ready;
  await child.close();
  removeDb(path);
  const summary = answer['summary'] as { delivered: number };
  if (summary.delivered !== count) {
    throw new Error(
      `memory run ${tag}: ${String(summary.delivered)} of ${String(count)} delivered`,
    );
  }
  const seconds = Number(answer['seconds']);
  context.log(
    `   ${tag}: ${String(count)} commands in ${seconds.toFixed(1)} s, peak RSS ${(Number(answer['maxRssBytes']) / MIB).toFixed(0)} MiB`,
  );
  return {
    rssAfterImportsMiB: Number(answer['rssBeforeBytes']) / MIB,
    peakRssMiB: Number(answer['maxRssBytes']) / MIB,
    sampledPeakRssMiB: Number(answer['sampledPeakRss']) / MIB,
    peakHeapMiB: Number(answer['peakHeapUsed']) / MIB,
    perSecond: count / seconds,
    seconds,
  };
}

async function run(context: BenchContext): Promise<BenchResult> {
  const [small, big] =
    context.memoryCounts ?? (context.quick ? [2_000, 10_000] : [100_000, 1_000_000]);
  // Two repetitions at most: the big run alone takes minutes at full size; one in quick mode,
  // where the figure is a smoke test (the heap has not reached its steady size at 2,000).
  const reps = context.quick ? 1 : Math.min(context.reps, 2);
  // What users run: the compiled package under plain node, not the sources under tsx (whose
  // loader and transpile cache would count in the peak RSS).
  const compiled = await compiledPackage(context);
  const { a, b } = await alternate(
    reps,
    (rep) => memoryRun(context, compiled, big, `big-${String(rep)}`),
    (rep) => memoryRun(context, compiled, small, `small-${String(rep)}`),
  );
  const bigPeak = median(a.map((r) => r.peakRssMiB));
  const smallPeak = median(b.map((r) => r.peakRssMiB));
  const ratios = a.map((r, i) => r.peakRssMiB / (b[i]?.peakRssMiB ?? Number.NaN));
  const ratio = median(ratios);
  return {
    id: '7',
    title: `memory: submitMany of ${big.toLocaleString('en-US')} vs ${small.toLocaleString('en-US')} commands`,
    ours: { value: bigPeak, unit: 'MiB peak RSS' },
    baseline: { value: smallPeak, unit: 'MiB peak RSS' },
    headline: { label: 'big / small peak RSS', value: ratio, unit: '×', samples: ratios },
    target: 'peak RSS ≤ 300 MB and within 20% of the small run',
    met: bigPeak * MIB <= 300e6 && ratio <= 1.2,
    cpu: [],
    details: {
      childRuntime:
        'compiled package (tsc -p tsconfig.build.json into the run directory), plain node, no tsx',
      bigRun: {
        commands: big,
        rssAfterImportsMiB: round(median(a.map((r) => r.rssAfterImportsMiB)), 1),
        peakRssMiB: round(bigPeak, 1),
        sampledPeakRssMiB: round(median(a.map((r) => r.sampledPeakRssMiB)), 1),
        peakHeapMiB: round(median(a.map((r) => r.peakHeapMiB)), 1),
        commandsPerSecond: round(median(a.map((r) => r.perSecond)), 0),
      },
      smallRun: {
        commands: small,
        rssAfterImportsMiB: round(median(b.map((r) => r.rssAfterImportsMiB)), 1),
        peakRssMiB: round(smallPeak, 1),
        sampledPeakRssMiB: round(median(b.map((r) => r.sampledPeakRssMiB)), 1),
        peakHeapMiB: round(median(b.map((r) => r.peakHeapMiB)), 1),
        commandsPerSecond: round(median(b.map((r) => r.perSecond)), 0),
      },
    },
    notes: [
      'Each run is a fresh Node process running the compiled package (as `gtx` and library users do), not the sources through tsx: createTransmitter (SQLite ledger, sealing, pipeline) and submitMany over a generator, maxOutstanding 1000, 1000 guests; peak RSS is getrusage maxrss.',
      'The ledger runs with synchronous=NORMAL here: the fsync policy does not change what we hold in memory, only how long a million commands take on this disk.',
      'Transport: an in-process stand-in that answers every send at once (InstantTransport in bench/lib/fixtures.ts), not the SDK: at SDK speed over loopback 1,000,000 messages would take the better part of an hour.',
    ],
  };
}

export const memoryBenchmark: Benchmark = {
  id: 7,
  title: 'memory: submitMany of 1,000,000 commands',
  run,
};
