/**
 * 10. End-to-end throughput with 1, 2 and 4 `gtx serve` workers on one PostgreSQL schema,
 * against the sandbox answering every message 20 ms late: messages delivered per second from the
 * first POST to the last final outcome, commands posted across the workers over many
 * conversations. Two series, each with one GTX_CONCURRENCY for every worker: 1 (a worker's
 * calls go one at a time, so workers are the concurrency) and 4.
 */
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { PostgresDatabase } from '../../src/adapters/postgres/postgres-database.js';
import { openPostgresLedger } from '../../src/adapters/postgres/postgres-ledger.js';
import type { SandboxStats } from '../../src/sandbox/index.js';
import { paced } from '../../test/support/sandbox-harness.js';
import { cpuMs } from '../lib/child.js';
import { BENCH_MASTER_KEY, INTEGRATION_ID, SANDBOX_CLIENT, messageInput } from '../lib/fixtures.js';
import { startSandboxProcess, type SandboxProcess } from '../lib/genesys.js';
import { benchSchema, migrateLedgerSchema } from '../lib/postgres.js';
import { busyShare, machineCpu } from '../lib/proc.js';
import { sampleBackends, type BackendSamples } from '../lib/postgres-activity.js';
import {
  postAcross,
  startWorkers,
  stopWorkers,
  untilAllFinal,
  workersCpuMs,
} from '../lib/serve-workers.js';
import { median, pairedRatios, round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

const WORKER_COUNTS = [1, 2, 4] as const;
/** GTX_CONCURRENCY of every worker in each series. */
const CONCURRENCIES = [1, 4] as const;
const LATENCY_MS = 20;
const CONVERSATIONS = 60;
const POST_BATCH = 25;
const POST_LANES = 4;
const POLL_MS = 20;
const SAMPLE_EVERY_MS = 10;
const RUN_TIMEOUT_MS = 180_000;
/**
 * Each worker logs in with a token of its own; its client keeps to 60,000 calls a minute and
 * the sandbox enforces that per token, far above what a worker's calls of 20 ms each can reach
 * (50 a second per call in flight), so the limit is on and never the bottleneck.
 */
const PACE = paced({ perMinute: 60_000 });

interface Run {
  readonly workers: number;
  readonly perSecond: number;
  readonly seconds: number;
  readonly postSeconds: number;
  readonly workersCpuMsPerMessage: number;
  readonly sandboxCpuMsPerMessage: number;
  /** The sandbox's 429s from its per-token window: zero when the limit was not the bottleneck. */
  readonly rateLimitedByWindow: number;
  /** pg_stat_activity samples of the workers' backends over the measured part. */
  readonly backends: BackendSamples;
  /** Share of the machine's CPU time that was busy (every process, other engineers' too). */
  readonly machineBusy: number;
}

function workerEnv(
  sandbox: SandboxProcess,
  ledgerUrl: string,
  concurrency: number,
): Record<string, string> {
  return {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: SANDBOX_CLIENT.clientId,
    GENESYS_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
    GENESYS_INTEGRATION_ID: INTEGRATION_ID,
    GTX_LEDGER: ledgerUrl,
    GTX_MASTER_KEY: BENCH_MASTER_KEY.toString('base64'),
    GTX_CONCURRENCY: String(concurrency),
    ...PACE.env,
    GTX_API_RATE_PER_MINUTE: '10000000',
    GTX_SHUTDOWN_TIMEOUT_MS: '2000',
  };
}

function commands(tag: string, count: number): unknown[] {
  return Array.from({ length: count }, (_, n) => messageInput(tag, n, CONVERSATIONS));
}

async function workersRun(
  sandbox: SandboxProcess,
  workerCount: number,
  concurrency: number,
  count: number,
  tag: string,
): Promise<Run> {
  const schema = benchSchema('b10');
  await migrateLedgerSchema(schema);
  const monitor = openPostgresLedger(
    PostgresDatabase.open(schema.settings({ poolSize: 2, applicationName: 'gtx-bench-10' })),
    new SystemClock(),
  );
  const env = workerEnv(sandbox, schema.ledgerUrl, concurrency);
  const workers = await startWorkers(workerCount, env).catch(async (error: unknown) => {
    await monitor.close();
    await schema.drop();
    throw error;
  });
  try {
    const counts = () => monitor.work.counts();
    // Warm-up: one message per conversation, so every guest's data key exists before the
    // measured run (a first message from a guest also writes its key).
    await postAcross(workers, commands(`${tag}-warm`, CONVERSATIONS), POST_BATCH, POST_LANES);
    await untilAllFinal(counts, CONVERSATIONS, POLL_MS, RUN_TIMEOUT_MS);
    const sampler = await sampleBackends({ schemaInQuery: schema.schema }, SAMPLE_EVERY_MS);
    const sandboxBefore = await sandbox.child.cpu();
    const workersBefore = workersCpuMs(workers);
    const machineBefore = machineCpu();
    const start = performance.now();
    await postAcross(workers, commands(tag, count), POST_BATCH, POST_LANES);
    const postSeconds = (performance.now() - start) / 1000;
    const final = await untilAllFinal(counts, CONVERSATIONS + count, POLL_MS, RUN_TIMEOUT_MS);
    const seconds = (performance.now() - start) / 1000;
    const machineBusy = busyShare(machineBefore, machineCpu());
    const backends = await sampler.stop();
    const workersCpu = workersCpuMs(workers) - workersBefore;
    const sandboxCpu = cpuMs(sandboxBefore, await sandbox.child.cpu());
    if (final.delivered !== CONVERSATIONS + count) {
      throw new Error(`${tag}: not every message was delivered: ${JSON.stringify(final)}`);
    }
    const stats = (await sandbox.child.request('stats'))['stats'] as SandboxStats;
    return {
      workers: workerCount,
      perSecond: count / seconds,
      seconds,
      postSeconds,
      workersCpuMsPerMessage: workersCpu / count,
      sandboxCpuMsPerMessage: sandboxCpu / count,
      rateLimitedByWindow: stats.rateLimitedByWindow,
      backends,
      machineBusy,
    };
  } finally {
    await stopWorkers(workers);
    await monitor.close();
    await schema.drop();
    await sandbox.child.request('reset');
  }
}

/** 1, 2, 4 workers, then 4, 2, 1, …: drift falls on every arm alike. */
async function alternateCounts(
  reps: number,
  once: (workers: number, rep: number) => Promise<Run>,
): Promise<Map<number, Run[]>> {
  const runs = new Map<number, Run[]>(WORKER_COUNTS.map((n) => [n, []]));
  for (let rep = 0; rep < reps; rep += 1) {
    const order = rep % 2 === 0 ? WORKER_COUNTS : [...WORKER_COUNTS].reverse();
    for (const workers of order) runs.get(workers)?.push(await once(workers, rep));
  }
  return runs;
}

const rounded = (values: readonly number[], digits: number): number[] =>
  values.map((v) => round(v, digits));

function comparison(
  id: string,
  concurrency: number,
  runs: readonly Run[],
  single: readonly Run[],
  count: number,
): BenchResult {
  const workers = runs[0]?.workers ?? 0;
  const ours = runs.map((r) => r.perSecond);
  const one = single.map((r) => r.perSecond);
  const ratios = pairedRatios(ours, one);
  const cpu = (list: readonly Run[]): number => median(list.map((r) => r.workersCpuMsPerMessage));
  return {
    id,
    title: `${String(workers)} gtx serve workers vs 1, GTX_CONCURRENCY=${String(concurrency)}, +${String(LATENCY_MS)} ms`,
    ours: { value: median(ours), unit: 'msg/s' },
    baseline: { value: median(one), unit: 'msg/s' },
    headline: {
      label: `${String(workers)} workers / 1`,
      value: median(ratios),
      unit: '×',
      samples: ratios,
    },
    target: 'none (scale-out figures)',
    met: null,
    cpu: [
      { process: `${String(workers)} workers (sum)`, cpuMsPerUnit: cpu(runs), unit: 'message' },
      { process: '1 worker', cpuMsPerUnit: cpu(single), unit: 'message' },
      {
        process: `PostgreSQL backends of the ${String(workers)} workers`,
        cpuMsPerUnit: median(runs.map((r) => r.backends.backendCpuMs / count)),
        unit: 'message',
      },
      {
        process: 'PostgreSQL backends of 1 worker',
        cpuMsPerUnit: median(single.map((r) => r.backends.backendCpuMs / count)),
        unit: 'message',
      },
      {
        process: 'sandbox process',
        cpuMsPerUnit: median(runs.map((r) => r.sandboxCpuMsPerMessage)),
        unit: 'message',
      },
    ],
    details: {
      messagesPerRun: count,
      conversations: CONVERSATIONS,
      concurrencyPerWorker: concurrency,
      sandboxLatencyMs: LATENCY_MS,
      sandboxRateLimitPerTokenPerMinute: PACE.sandbox.rateLimitPerMinute,
      latencyBoundMessagesPerSecond: (workers * concurrency * 1000) / LATENCY_MS,
      oursSamples: rounded(ours, 1),
      singleWorkerSamples: rounded(one, 1),
      secondsToLastFinal: rounded(
        runs.map((r) => r.seconds),
        2,
      ),
      secondsToLastPost: rounded(
        runs.map((r) => r.postSeconds),
        2,
      ),
      machineBusyShare: rounded(
        runs.map((r) => r.machineBusy),
        2,
      ),
      singleWorkerMachineBusyShare: rounded(
        single.map((r) => r.machineBusy),
        2,
      ),
      sandbox429ByWindow: [...runs, ...single].map((r) => r.rateLimitedByWindow),
      meanLockWaitingBackends: rounded(
        runs.map((r) => r.backends.meanLockWaiting),
        2,
      ),
      singleWorkerMeanLockWaitingBackends: rounded(
        single.map((r) => r.backends.meanLockWaiting),
        2,
      ),
      shareOfSamplesWithALockWait: rounded(
        runs.map((r) => r.backends.shareWithLockWait),
        2,
      ),
      waitEvents: runs.map((r) => r.backends.byWaitEvent),
    },
    notes: [
      `Each worker is a real \`gtx serve\` process (node + tsx) with GTX_LEDGER on one fresh PostgreSQL schema per run, GTX_CONCURRENCY=${String(concurrency)}, its own Genesys token, and the client rate limit at ${String(PACE.client.perMinute)}/min (burst 1), which the sandbox enforces per token; the sandbox (its own process) delays every messaging answer by ${String(LATENCY_MS)} ms.`,
      `Per run: a warm-up of one message per conversation (${String(CONVERSATIONS)}), then ${String(count)} messages over ${String(CONVERSATIONS)} conversations POSTed in batches of ${String(POST_BATCH)}, round robin across the workers, ${String(POST_LANES)} POSTs in flight; timed from the first POST until work.counts() (polled every ${String(POLL_MS)} ms) shows every one delivered.`,
      `Lock waits: pg_stat_activity sampled every ${String(SAMPLE_EVERY_MS)} ms, active backends whose statement names the run's schema, wait_event_type = 'Lock'.`,
      'Ratios pair runs of the same repetition; the arms run 1, 2, 4 then 4, 2, 1 workers. CPU is user + system from /proc: of the worker processes, and of the PostgreSQL backends the sampler saw serve the schema of the run (a lower bound: a backend that exited before the end is left out); machineBusyShare is the busy share of both cores over the measured part, whoever used them.',
    ],
  };
}

async function run(context: BenchContext): Promise<readonly BenchResult[]> {
  const count = context.quick ? 150 : 300;
  const sandbox = await startSandboxProcess({
    ...PACE.sandbox,
    faults: { slow: 1, slowMs: LATENCY_MS },
  });
  const results: BenchResult[] = [];
  try {
    await workersRun(sandbox, 1, 1, CONVERSATIONS, 'warm');
    for (const [series, concurrency] of CONCURRENCIES.entries()) {
      context.log(`   GTX_CONCURRENCY=${String(concurrency)} per worker`);
      const runs = await alternateCounts(context.reps, (workers, rep) =>
        workersRun(
          sandbox,
          workers,
          concurrency,
          count,
          `c${String(concurrency)}-w${String(workers)}-${String(rep)}`,
        ),
      );
      const single = runs.get(1) ?? [];
      WORKER_COUNTS.filter((n) => n > 1).forEach((n, index) => {
        const id = `10${String.fromCharCode(97 + series * 2 + index)}`;
        results.push(comparison(id, concurrency, runs.get(n) ?? [], single, count));
      });
    }
    return results;
  } finally {
    await sandbox.child.close();
  }
}

export const postgresWorkersBenchmark: Benchmark = {
  id: 10,
  title: 'gtx serve workers on one PostgreSQL ledger, 1 vs 2 vs 4',
  tags: ['postgres'],
  run,
};
