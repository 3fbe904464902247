/**
 * 14. `gtx send --file` as a whole process (the real CLI: parse, validate, seal, ledger FULL,
 * pipeline, SDK transport) against a whole process running a bare SDK loop over the same NDJSON
 * lines, both against the same sandbox; time from spawn to exit, startup included.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledPackage, type CompiledPackage } from '../lib/compiled.js';
import { removeDb, secondsSince } from '../lib/files.js';
import { BENCH_MASTER_KEY, SANDBOX_CLIENT, messageInput } from '../lib/fixtures.js';
import { startSandboxProcess, type SandboxProcess } from '../lib/genesys.js';
import { exitedChildrenCpuMs } from '../lib/proc.js';
import { alternate, median, pairedRatios, round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TSX_LOADER = join(REPO, 'node_modules/tsx/dist/loader.mjs');
const CONCURRENCY = 16;
const GUESTS = 256;

interface Run {
  readonly perSecond: number;
  readonly seconds: number;
  readonly childCpuMsPerMessage: number;
  readonly sandboxCpuMsPerMessage: number;
}

interface Exited {
  readonly stdout: string;
  readonly seconds: number;
  readonly cpuMs: number;
}

/** Spawns node with `args` in `cwd` (a scratch directory: no .env of the checkout is read). */
async function spawnTimed(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<Exited> {
  const cpuBefore = exitedChildrenCpuMs();
  const start = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const seconds = secondsSince(start);
  const stderr = Buffer.concat(err).toString('utf8');
  if (code !== 0) {
    throw new Error(`${args.join(' ')} exited with ${String(code)}: ${stderr.slice(0, 2000)}`);
  }
  return {
    stdout: Buffer.concat(out).toString('utf8'),
    seconds,
    cpuMs: exitedChildrenCpuMs() - cpuBefore,
  };
}

function writeBatch(path: string, tag: string, count: number): void {
  const lines: string[] = [];
  for (let n = 0; n < count; n += 1) {
    const input = messageInput(tag, n, GUESTS);
    lines.push(
      JSON.stringify({
        id: input.id,
        guest: input.guest,
        text: input.text,
        metadata: input.metadata,
      }),
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

type Runtime = 'tsx' | 'compiled';

interface Setup {
  readonly context: BenchContext;
  readonly sandbox: SandboxProcess;
  readonly compiled: CompiledPackage;
  readonly count: number;
}

async function measured(
  setup: Setup,
  work: () => Promise<Exited>,
  check: (stdout: string) => number,
): Promise<Run> {
  const sandboxBefore = await setup.sandbox.child.cpu();
  const exited = await work();
  const sandboxAfter = await setup.sandbox.child.cpu();
  await setup.sandbox.child.request('reset');
  const done = check(exited.stdout);
  if (done !== setup.count) {
    throw new Error(`${String(done)} of ${String(setup.count)} messages went through`);
  }
  const sandboxCpuMs =
    (sandboxAfter.user - sandboxBefore.user + sandboxAfter.system - sandboxBefore.system) / 1000;
  return {
    perSecond: setup.count / exited.seconds,
    seconds: exited.seconds,
    childCpuMsPerMessage: exited.cpuMs / setup.count,
    sandboxCpuMsPerMessage: sandboxCpuMs / setup.count,
  };
}

async function cliRun(setup: Setup, runtime: Runtime, tag: string): Promise<Run> {
  const { context, sandbox } = setup;
  const file = join(context.tmpDir, `bench14-${tag}.ndjson`);
  const ledger = join(context.tmpDir, `bench14-${tag}.db`);
  writeBatch(file, tag, setup.count);
  removeDb(ledger);
  const entry =
    runtime === 'tsx' ? ['--import', TSX_LOADER, join(REPO, 'src/cli.ts')] : [setup.compiled.cli];
  const env = {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: SANDBOX_CLIENT.clientId,
    GENESYS_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
    GENESYS_INTEGRATION_ID: sandbox.genesys.integrationId,
    GTX_LEDGER: ledger,
    GTX_MASTER_KEY: BENCH_MASTER_KEY.toString('base64'),
    // Our own limiter out of the way, as in benchmark 3: the sandbox enforces none either.
    GTX_RATE_LIMIT_PER_MINUTE: '1000000',
    GTX_CONCURRENCY: String(CONCURRENCY),
    GTX_LOG_LEVEL: 'warn',
    // tsx finds tsconfig.json (decorators) from the cwd, which is the scratch directory here.
    ...(runtime === 'tsx' ? { TSX_TSCONFIG_PATH: join(REPO, 'tsconfig.json') } : {}),
  };
  try {
    return await measured(
      setup,
      () => spawnTimed([...entry, 'send', '--file', file, '--json'], env, context.tmpDir),
      (stdout) => (JSON.parse(stdout) as { delivered: number }).delivered,
    );
  } finally {
    removeDb(ledger);
  }
}

async function bareRun(setup: Setup, runtime: Runtime, tag: string): Promise<Run> {
  const { context, sandbox } = setup;
  const file = join(context.tmpDir, `bench14-${tag}.ndjson`);
  writeBatch(file, tag, setup.count);
  const entry =
    runtime === 'tsx'
      ? ['--import', TSX_LOADER, join(REPO, 'bench/children/bare-sdk-child.ts')]
      : [setup.compiled.child('bare-sdk-child')];
  const options = {
    apiUrl: sandbox.url,
    clientId: SANDBOX_CLIENT.clientId,
    clientSecret: SANDBOX_CLIENT.clientSecret,
    integrationId: sandbox.genesys.integrationId,
    file,
    concurrency: CONCURRENCY,
  };
  return measured(
    setup,
    () =>
      spawnTimed(
        [...entry, JSON.stringify(options)],
        runtime === 'tsx' ? { TSX_TSCONFIG_PATH: join(REPO, 'tsconfig.json') } : {},
        context.tmpDir,
      ),
    (stdout) => (JSON.parse(stdout) as { sent: number }).sent,
  );
}

function result(
  runtime: Runtime,
  ours: readonly Run[],
  bare: readonly Run[],
  count: number,
): BenchResult {
  const oursRates = ours.map((r) => r.perSecond);
  const bareRates = bare.map((r) => r.perSecond);
  const ratios = pairedRatios(oursRates, bareRates);
  const ratio = median(ratios);
  const how = runtime === 'tsx' ? 'node --import tsx src/cli.ts' : 'compiled package, plain node';
  const cpu = (runs: readonly Run[], name: string): BenchResult['cpu'] => [
    {
      process: `${name}: its process`,
      cpuMsPerUnit: median(runs.map((r) => r.childCpuMsPerMessage)),
      unit: 'message',
    },
    {
      process: `${name}: sandbox process`,
      cpuMsPerUnit: median(runs.map((r) => r.sandboxCpuMsPerMessage)),
      unit: 'message',
    },
  ];
  return {
    id: runtime === 'tsx' ? '14a' : '14b',
    title: `gtx send --file vs bare SDK loop, whole processes (${how})`,
    ours: { value: median(oursRates), unit: 'msg/s' },
    baseline: { value: median(bareRates), unit: 'msg/s' },
    headline: { label: 'gtx send --file / bare SDK', value: ratio, unit: '×', samples: ratios },
    target: '≥ 0.5 of bare SDK process (stretch 0.8)',
    met: ratio >= 0.5,
    cpu: [...cpu(ours, 'gtx send --file'), ...cpu(bare, 'bare SDK')],
    details: {
      runtime: how,
      messagesPerRun: count,
      guests: GUESTS,
      stretchMet: ratio >= 0.8,
      oursSecondsSamples: ours.map((r) => round(r.seconds, 2)),
      bareSecondsSamples: bare.map((r) => round(r.seconds, 2)),
      oursSamples: oursRates.map((v) => round(v, 0)),
      bareSamples: bareRates.map((v) => round(v, 0)),
    },
    notes: [
      'Time from spawn to exit of each process, so startup (imports, SDK login, and for ours opening and migrating a fresh ledger) is in both figures.',
      'Ours: `gtx send --file FILE --json` on a fresh SQLite ledger (synchronous=FULL, the default), concurrency 16, our rate limit set to 1,000,000/min; every line checked delivered.',
      'Bare: a child process (bench/children/bare-sdk-child.ts) importing only the SDK: ApiClientClass, setGateway, login, 16 async loops of postConversationsMessageInboundOpenMessage over the same lines.',
      'CPU of each spawned process is its cutime + cstime once it has exited (/proc/self/stat of the bench process).',
    ],
  };
}

async function run(context: BenchContext): Promise<readonly BenchResult[]> {
  if (!existsSync(TSX_LOADER)) throw new Error(`benchmark 14 needs tsx at ${TSX_LOADER}`);
  const count = context.quick ? 500 : 4000;
  const compiled = await compiledPackage(context);
  const sandbox = await startSandboxProcess({ rateLimitPerMinute: null });
  const setup: Setup = { context, sandbox, compiled, count };
  try {
    await cliRun({ ...setup, count: GUESTS }, 'compiled', 'warm-a');
    await bareRun({ ...setup, count: GUESTS }, 'compiled', 'warm-b');
    const oursCompiled: Run[] = [];
    const bareCompiled: Run[] = [];
    const { a, b } = await alternate(
      context.reps,
      async (rep) => {
        oursCompiled.push(await cliRun(setup, 'compiled', `oc-${String(rep)}`));
        return cliRun(setup, 'tsx', `ot-${String(rep)}`);
      },
      async (rep) => {
        bareCompiled.push(await bareRun(setup, 'compiled', `bc-${String(rep)}`));
        return bareRun(setup, 'tsx', `bt-${String(rep)}`);
      },
    );
    return [result('tsx', a, b, count), result('compiled', oursCompiled, bareCompiled, count)];
  } finally {
    await sandbox.child.close();
  }
}

export const cliSendFileBenchmark: Benchmark = {
  id: 14,
  title: 'gtx send --file vs bare SDK loop, whole processes',
  run,
};
