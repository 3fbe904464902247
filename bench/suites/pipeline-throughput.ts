/**
 * 3. End-to-end messages/s: submitMany through validation, sealing, the ledger, the pipeline
 * and the real SDK transport to the sandbox (no rate limit), concurrency 16, against a bare
 * loop calling the SDK method with the same concurrency against the same sandbox.
 */
import { join } from 'node:path';
import { removeDb } from '../lib/files.js';
import { messageInputs } from '../lib/fixtures.js';
import {
  bareSdk,
  closedLoop,
  sandboxTransmitter,
  startSandboxProcess,
  withCpu,
  type SandboxProcess,
} from '../lib/genesys.js';
import { alternate, median, pairedRatios, round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

const CONCURRENCY = 16;
const GUESTS = 256;

interface Run {
  readonly perSecond: number;
  readonly selfCpuMsPerMessage: number;
  readonly sandboxCpuMsPerMessage: number;
}

function toRun(count: number, measured: Awaited<ReturnType<typeof withCpu>>): Run {
  return {
    perSecond: count / measured.seconds,
    selfCpuMsPerMessage: measured.selfCpuMs / count,
    sandboxCpuMsPerMessage: measured.sandboxCpuMs / count,
  };
}

/**
 * One pipeline run on `ledgerPath`, which is kept between runs: the guests' data keys exist
 * after the warm-up, as they do for returning guests (a first message also writes its key).
 */
export async function pipelineRun(
  sandbox: SandboxProcess,
  ledgerPath: string,
  count: number,
  tag: string,
): Promise<Run> {
  const transmitter = await sandboxTransmitter(sandbox, ledgerPath);
  const measured = await withCpu(sandbox, () =>
    transmitter.submitMany(messageInputs(tag, count, GUESTS), { maxOutstanding: 1000 }),
  );
  await transmitter.close();
  await sandbox.child.request('reset');
  if (measured.result.delivered !== count) {
    throw new Error(`${tag}: ${String(measured.result.delivered)} of ${String(count)} delivered`);
  }
  return toRun(count, measured);
}

async function bareRun(
  sandbox: SandboxProcess,
  count: number,
  tag: string,
  muteLogger: boolean,
): Promise<Run> {
  const sdk = await bareSdk(sandbox.url, muteLogger);
  const measured = await withCpu(sandbox, () =>
    closedLoop(count, CONCURRENCY, (n) => sdk.send(tag, n, GUESTS)),
  );
  await sandbox.child.request('reset');
  return toRun(count, measured);
}

async function run(context: BenchContext): Promise<BenchResult> {
  const count = context.quick ? 500 : 2000;
  const sandbox = await startSandboxProcess({ rateLimitPerMinute: null });
  const ledgerPath = join(context.tmpDir, 'bench3.db');
  try {
    removeDb(ledgerPath);
    await pipelineRun(sandbox, ledgerPath, GUESTS, 'warm-a');
    await bareRun(sandbox, 200, 'warm-b', false);
    const muted: Run[] = [];
    const { a, b } = await alternate(
      context.reps,
      (rep) => pipelineRun(sandbox, ledgerPath, count, `p-${String(rep)}`),
      async (rep) => {
        muted.push(await bareRun(sandbox, count, `m-${String(rep)}`, true));
        return bareRun(sandbox, count, `b-${String(rep)}`, false);
      },
    );
    const ours = a.map((r) => r.perSecond);
    const bare = b.map((r) => r.perSecond);
    const ratios = pairedRatios(ours, bare);
    const ratio = median(ratios);
    context.shared.set('pipelineMessagesPerSecond', median(ours));
    context.shared.set('bareMessagesPerSecond', median(bare));
    const cpu = (runs: readonly Run[], name: string): BenchResult['cpu'] => [
      {
        process: `${name}: bench process`,
        cpuMsPerUnit: median(runs.map((r) => r.selfCpuMsPerMessage)),
        unit: 'message',
      },
      {
        process: `${name}: sandbox process`,
        cpuMsPerUnit: median(runs.map((r) => r.sandboxCpuMsPerMessage)),
        unit: 'message',
      },
    ];
    return {
      id: '3',
      title: 'end-to-end messages/s, SDK → sandbox, concurrency 16',
      ours: { value: median(ours), unit: 'msg/s' },
      baseline: { value: median(bare), unit: 'msg/s' },
      headline: { label: 'pipeline / bare SDK', value: ratio, unit: '×', samples: ratios },
      target: '≥ 0.8 of bare SDK loop',
      met: ratio >= 0.8,
      cpu: [...cpu(a, 'pipeline'), ...cpu(b, 'bare SDK'), ...cpu(muted, 'bare SDK, logger muted')],
      details: {
        messagesPerRun: count,
        guests: GUESTS,
        bareSdkLoggerMutedMessagesPerSecond: round(median(muted.map((r) => r.perSecond)), 0),
        oursSamples: ours.map((v) => round(v, 0)),
        bareSamples: bare.map((v) => round(v, 0)),
      },
      notes: [
        'Ours: transmitter.submitMany (ajv shape check, policies, AES-GCM sealing per guest, ledger FULL with group commit, RxJS pipeline, OpenMessagingTransport over the SDK with extended responses). Our own rate limiter is set out of the way (1e9/min); the sandbox enforces no limit.',
        'Bare: new ApiClientClass, setGateway to the sandbox, login, 16 async loops awaiting postConversationsMessageInboundOpenMessage with the same body.',
        '"logger muted" replaces the SDK client\'s config.logger.log with a no-op: the cost of the log lines the SDK formats on every call even at level none.',
      ],
    };
  } finally {
    await sandbox.child.close();
    removeDb(ledgerPath);
  }
}

export const pipelineThroughputBenchmark: Benchmark = {
  id: 3,
  title: 'end-to-end messages/s, SDK → sandbox, concurrency 16',
  run,
};
