/**
 * 10. End-to-end throughput with 1, 2 and 4 `gtx serve` workers on one PostgreSQL schema,
 * against the sandbox answering every message 20 ms late: messages delivered per second from the
 * first POST to the last final outcome, commands posted across the workers over many
 * conversations.
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
/** GTX_CONCURRENCY of every worker: messages in flight per worker. */
const CONCURRENCY = 4;
const LATENCY_MS = 20;
const CONVERSATIONS = 200;
const POST_BATCH = 25;
const POST_LANES = 4;
const POLL_MS = 20;
/**
 * Each worker logs in with a token of its own; its client keeps to 60,000 calls a minute and
 * the sandbox enforces that per token, far above what CONCURRENCY calls of 20 ms can reach
 * (CONCURRENCY × 50 a second), so the limit is on and never the bottleneck.
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
}

function workerEnv(sandbox: SandboxProcess, ledgerUrl: string): Record<string, string> {
  return {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: SANDBOX_CLIENT.clientId,
    GENESYS_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
    GENESYS_INTEGRATION_ID: INTEGRATION_ID,
    GTX_LEDGER: ledgerUrl,
    GTX_MASTER_KEY: BENCH_MASTER_KEY.toString('base64'),
    GTX_CONCURRENCY: String(CONCURRENCY),
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
  count: number,
  tag: string,
): Promise<Run> {
  const schema = benchSchema('b10');
  await migrateLedgerSchema(schema);
  const monitor = openPostgresLedger(
    PostgresDatabase.open(schema.settings({ poolSize: 2, applicationName: 'gtx-bench-10' })),
    new SystemClock(),
  );
  const workers = await startWorkers(workerCount, workerEnv(sandbox, schema.ledgerUrl));
  try {
    const timeoutMs = 120_000;
    const counts = () => monitor.work.counts();
    // Warm-up: one message per conversation, so every guest's data key exists before the
    // measured run (a first message from a guest also writes its key).
    await postAcross(workers, commands(`${tag}-warm`, CONVERSATIONS), POST_BATCH, POST_LANES);
    await untilAllFinal(counts, CONVERSATIONS, POLL_MS, timeoutMs);
    const sandboxBefore = await sandbox.child.cpu();
    const workersBefore = workersCpuMs(workers);
    const start = performance.now();
    await postAcross(workers, commands(tag, count), POST_BATCH, POST_LANES);
    const postSeconds = (performance.now() - start) / 1000;
    const final = await untilAllFinal(counts, CONVERSATIONS + count, POLL_MS, timeoutMs);
    const seconds = (performance.now() - start) / 1000;
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

function result(
  id: string,
  runs: readonly Run[],
  single: readonly Run[],
  extra: Record<string, unknown>,
  notes: readonly string[],
): BenchResult {
  const workers = runs[0]?.workers ?? 0;
  const ours = runs.map((r) => r.perSecond);
  const one = single.map((r) => r.perSecond);
  const ratios = pairedRatios(ours, one);
  return {
    id,
    title: `${String(workers)} gtx serve workers vs 1, PostgreSQL, sandbox +${String(LATENCY_MS)} ms`,
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
      {
        process: `${String(workers)} workers (sum)`,
        cpuMsPerUnit: median(runs.map((r) => r.workersCpuMsPerMessage)),
        unit: 'message',
      },
      {
        process: '1 worker',
        cpuMsPerUnit: median(single.map((r) => r.workersCpuMsPerMessage)),
        unit: 'message',
      },
      {
        process: 'sandbox process',
        cpuMsPerUnit: median(runs.map((r) => r.sandboxCpuMsPerMessage)),
        unit: 'message',
      },
    ],
    details: {
      ...extra,
      oursSamples: ours.map((v) => round(v, 1)),
      singleWorkerSamples: one.map((v) => round(v, 1)),
      secondsToLastFinal: runs.map((r) => round(r.seconds, 2)),
      secondsToLastPost: runs.map((r) => round(r.postSeconds, 2)),
      sandbox429ByWindow: runs.map((r) => r.rateLimitedByWindow),
      latencyBoundMessagesPerSecond: (workers * CONCURRENCY * 1000) / LATENCY_MS,
    },
    notes,
  };
}

async function run(context: BenchContext): Promise<readonly BenchResult[]> {
  const count = context.quick ? 400 : 1600;
  const sandbox = await startSandboxProcess({
    ...PACE.sandbox,
    faults: { slow: 1, slowMs: LATENCY_MS },
  });
  try {
    await workersRun(sandbox, 1, CONVERSATIONS, 'warm');
    const runs = await alternateCounts(context.reps, (workers, rep) =>
      workersRun(sandbox, workers, count, `w${String(workers)}-${String(rep)}`),
    );
    const single = runs.get(1) ?? [];
    const extra = {
      messagesPerRun: count,
      conversations: CONVERSATIONS,
      concurrencyPerWorker: CONCURRENCY,
      sandboxLatencyMs: LATENCY_MS,
      sandboxRateLimitPerTokenPerMinute: PACE.sandbox.rateLimitPerMinute,
      clientRatePerMinute: PACE.client.perMinute,
      postBatch: POST_BATCH,
      postLanes: POST_LANES,
    };
    const notes = [
      `Each worker is a real \`gtx serve\` process (node + tsx) with GTX_LEDGER on one fresh PostgreSQL schema per run, GTX_CONCURRENCY=${String(CONCURRENCY)}, its own Genesys token, and the client rate limit at ${String(PACE.client.perMinute)}/min (burst 1), which the sandbox enforces per token; the sandbox (its own process) delays every messaging answer by ${String(LATENCY_MS)} ms.`,
      `Per run: a warm-up of one message per conversation (${String(CONVERSATIONS)}), then ${String(count)} messages over ${String(CONVERSATIONS)} conversations POSTed in batches of ${String(POST_BATCH)}, round robin across the workers, ${String(POST_LANES)} POSTs in flight; timed from the first POST until work.counts() (polled every ${String(POLL_MS)} ms) shows every one delivered.`,
      'Ratios pair runs of the same repetition; the arms run 1, 2, 4 then 4, 2, 1 workers. Worker CPU is user + system from /proc of the worker processes; the PostgreSQL server and the bench process are not included.',
    ];
    return WORKER_COUNTS.filter((n) => n > 1).map((n, index) =>
      result(`10${String.fromCharCode(97 + index)}`, runs.get(n) ?? [], single, extra, notes),
    );
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
