/**
 * `npm run bench [-- --quick] [--only 1,3|postgres] [--reps N] [--growth-sizes 0,1000000] [--postgres-growth-sizes 0,1000000]`: runs the benchmarks, prints a table and
 * writes bench/results/latest.json. Every headline figure compares ours with a baseline
 * measured in the same run (alternated A/B, median of paired ratios). See docs/benchmarks.md.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo } from './lib/machine.js';
import { renderTable } from './lib/report.js';
import type { BenchContext, BenchResult, Benchmark } from './lib/types.js';
import { ledgerBatchBenchmark } from './suites/ledger-batch.js';
import { groupCommitBenchmark } from './suites/group-commit.js';
import { pipelineThroughputBenchmark } from './suites/pipeline-throughput.js';
import { rateLimitBenchmark } from './suites/rate-limit.js';
import { auditVerifyBenchmark } from './suites/audit-verify.js';
import { exportReplayBenchmark } from './suites/export-replay.js';
import { memoryBenchmark } from './suites/memory.js';
import { latencyBenchmark } from './suites/latency.js';
import { brokerIntakeBenchmark } from './suites/broker-intake.js';
import { postgresAppendBenchmark } from './suites/postgres-append.js';
import { postgresWorkersBenchmark } from './suites/postgres-workers.js';
import { postgresHeadLockBenchmark } from './suites/postgres-head-lock.js';
import { postgresGrowthBenchmark } from './suites/growth-postgres.js';
import { growthBenchmark } from './suites/growth.js';
import { cliSendFileBenchmark } from './suites/cli-send-file.js';

const BENCHMARKS: readonly Benchmark[] = [
  ledgerBatchBenchmark,
  groupCommitBenchmark,
  pipelineThroughputBenchmark,
  rateLimitBenchmark,
  auditVerifyBenchmark,
  exportReplayBenchmark,
  memoryBenchmark,
  latencyBenchmark,
  brokerIntakeBenchmark,
  postgresAppendBenchmark,
  postgresWorkersBenchmark,
  postgresHeadLockBenchmark,
  growthBenchmark,
  cliSendFileBenchmark,
  postgresGrowthBenchmark,
];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    reps: { type: 'string' },
    out: { type: 'string' },
    'memory-counts': { type: 'string' },
    'growth-sizes': { type: 'string' },
    'postgres-growth-sizes': { type: 'string' },
    include: { type: 'string', multiple: true },
  },
});

function isList(outcome: BenchResult | readonly BenchResult[]): outcome is readonly BenchResult[] {
  return Array.isArray(outcome);
}

const quick = values.quick;
// --only takes benchmark numbers and tags (`--only postgres`, `--only 1,postgres`).
const only =
  values.only === undefined ? null : new Set(values.only.split(',').map((s) => s.trim()));
if (only !== null) {
  const known = new Set(BENCHMARKS.flatMap((b) => [String(b.id), ...(b.tags ?? [])]));
  const unknown = [...only].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(`--only: no benchmark ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  }
}
const selected = (benchmark: Benchmark): boolean =>
  only === null ||
  only.has(String(benchmark.id)) ||
  (benchmark.tags ?? []).some((t) => only.has(t));
const reps = values.reps === undefined ? 3 : Number(values.reps);
if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be a positive integer');

const memoryCounts = values['memory-counts']?.split(',').map(Number) ?? null;
if (
  memoryCounts !== null &&
  (memoryCounts.length !== 2 || !memoryCounts.every((n) => Number.isInteger(n) && n > 0))
) {
  throw new Error('--memory-counts must be SMALL,BIG');
}

function eventCounts(option: string, given: string | undefined, fallback: string): number[] {
  const sizes = (given ?? fallback).split(',').map((s) => Number(s.trim()));
  if (sizes.length < 2 || !sizes.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new Error(`--${option} must be two or more event counts, e.g. ${fallback}`);
  }
  return sizes;
}

// Benchmark 13's ledger sizes in events; the lead runs the 10,000,000 one on a quiet machine.
const growthSizes = eventCounts(
  'growth-sizes',
  values['growth-sizes'],
  quick ? '0,200000' : '0,1000000,10000000',
);
// Benchmark 15's: a PostgreSQL copy of 1,000,000 events takes minutes to build (once; kept).
const postgresGrowthSizes = eventCounts(
  'postgres-growth-sizes',
  values['postgres-growth-sizes'],
  quick ? '0,200000' : '0,1000000',
);

const tmpDir = mkdtempSync(join(tmpdir(), 'gtx-bench-'));
const started = performance.now();
const context: BenchContext = {
  quick,
  reps,
  tmpDir,
  memoryCounts: memoryCounts === null ? null : [memoryCounts[0] ?? 0, memoryCounts[1] ?? 0],
  growthSizes,
  postgresGrowthSizes,
  shared: new Map(),
  log: (line) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${seconds}s] ${line}\n`);
  },
};

const machineBefore = machineInfo();
context.log(
  `${quick ? 'quick' : 'full'} run, ${String(reps)} A/B repetitions, load ${machineBefore.loadAverage.join(' ')}`,
);
const results: BenchResult[] = [];
const failures: { id: number; error: string }[] = [];
try {
  for (const benchmark of BENCHMARKS) {
    if (!selected(benchmark)) continue;
    context.log(`${String(benchmark.id)}. ${benchmark.title}`);
    const benchStart = performance.now();
    try {
      const outcome = await benchmark.run(context);
      const list: readonly BenchResult[] = isList(outcome) ? outcome : [outcome];
      results.push(...list);
      for (const result of list) {
        context.log(
          `   ${result.id}: ${result.headline.label} = ${result.headline.value.toFixed(3)} ${result.headline.unit} ` +
            `(${result.met === null ? 'no target' : result.met ? 'met' : 'MISSED'})`,
        );
      }
      context.log(`   took ${((performance.now() - benchStart) / 1000).toFixed(1)} s`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push({ id: benchmark.id, error: message });
      context.log(`   FAILED: ${message}`);
    }
  }
} finally {
  rmSync(tmpDir, { recursive: true, force: true });
}

// --include FILE: results of an earlier run (e.g. the long memory run made on its own), kept
// beside this run's with the date they were measured.
for (const file of values.include ?? []) {
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as {
    date: string;
    results: BenchResult[];
  };
  for (const result of earlier.results) {
    if (results.some((r) => r.id === result.id)) continue;
    results.push({
      ...result,
      notes: [...result.notes, `Measured in a separate run on ${earlier.date} (${file}).`],
    });
  }
}
results.sort((x, y) => x.id.localeCompare(y.id, 'en', { numeric: true }));

const report = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  reps,
  durationSeconds: Math.round((performance.now() - started) / 100) / 10,
  machine: { ...machineBefore, loadAverageAtStart: machineBefore.loadAverage },
  loadAverageAtEnd: machineInfo().loadAverage,
  results,
  failures,
};
process.stdout.write(`${renderTable(report)}\n`);
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const outPath = values.out ?? join(resultsDir, 'latest.json');
writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
process.stderr.write(`wrote ${outPath}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
