/**
 * 4. Rate-limit use: the sandbox enforces 600 requests per token per minute; the transmitter
 * is configured for the same 600/min and given more work than that. How much of the allowed
 * rate do we use, and does the server ever answer 429?
 */
import { join } from 'node:path';
import { removeDb } from '../lib/files.js';
import { messageInput } from '../lib/fixtures.js';
import { sandboxTransmitter, startSandboxProcess } from '../lib/genesys.js';
import { cpuMs } from '../lib/child.js';
import { round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

const PER_MINUTE = 600;

async function run(context: BenchContext): Promise<BenchResult> {
  const seconds = context.quick ? 10 : 60;
  const allowed = (PER_MINUTE * seconds) / 60;
  const sandbox = await startSandboxProcess({ rateLimitPerMinute: PER_MINUTE });
  const ledgerPath = join(context.tmpDir, 'bench4.db');
  removeDb(ledgerPath);
  const answers: { at: number; ok: boolean; status: number | null }[] = [];
  try {
    const transmitter = await sandboxTransmitter(sandbox, ledgerPath, {
      rateLimit: { perMinute: PER_MINUTE },
      observer: {
        onAttemptFinished: (outcome) => {
          answers.push({
            at: performance.now(),
            ok: outcome.ok,
            status: outcome.ok ? 200 : outcome.failure.status,
          });
        },
      },
    });
    const sandboxCpu = await sandbox.child.cpu();
    const selfCpu = process.cpuUsage();
    const backlog = Math.ceil(allowed * 1.3) + 50;
    const start = performance.now();
    for (let n = 0; n < backlog; n += 1) {
      await transmitter.accept(messageInput('rate', n, 64));
    }
    // Measure a full window from the first answer on.
    while (answers.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const first = answers[0]?.at ?? start;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, first + seconds * 1000 - performance.now())),
    );
    const end = first + seconds * 1000;
    const inWindow = answers.filter((a) => a.at < end);
    const delivered = inWindow.filter((a) => a.ok).length;
    const selfCpuMs = cpuMs({ user: 0, system: 0 }, process.cpuUsage(selfCpu));
    const sandboxCpuMs = cpuMs(sandboxCpu, await sandbox.child.cpu());
    const stats = (await sandbox.child.request('stats'))['stats'] as {
      answersByStatus: Record<string, number>;
    };
    await transmitter.close({ drain: false });
    const tooMany = stats.answersByStatus['429'] ?? 0;
    const ratio = delivered / allowed;
    return {
      id: '4',
      title: `rate-limit use, sandbox at ${String(PER_MINUTE)}/min for ${String(seconds)} s`,
      ours: { value: (delivered / seconds) * 60, unit: 'delivered/min' },
      baseline: { value: PER_MINUTE, unit: 'allowed/min' },
      headline: { label: 'used / allowed', value: ratio, unit: '×', samples: [ratio] },
      target: '≥ 0.95 of allowed, zero 429',
      met: ratio >= 0.95 && tooMany === 0,
      cpu: [
        {
          process: 'bench process',
          cpuMsPerUnit: selfCpuMs / Math.max(1, delivered),
          unit: 'message',
        },
        {
          process: 'sandbox process',
          cpuMsPerUnit: sandboxCpuMs / Math.max(1, delivered),
          unit: 'message',
        },
      ],
      details: {
        seconds,
        allowedInWindow: allowed,
        deliveredInWindow: delivered,
        failedAttemptsInWindow: inWindow.length - delivered,
        sandbox429Answers: tooMany,
        sandboxAnswersByStatus: stats.answersByStatus,
        rateLimitWaitMs: round(transmitter.rateLimitWaitMs(), 0),
      },
      notes: [
        "Transmitter rateLimit.perMinute = 600 (burst 1: one call every 100 ms), the same as the sandbox's fixed 60 s window per token. The backlog is accepted up front; the window is counted from the first answer.",
        'Baseline is the allowed rate itself, not a measured run: one run, no alternation.',
      ],
    };
  } finally {
    await sandbox.child.close();
    removeDb(ledgerPath);
  }
}

export const rateLimitBenchmark: Benchmark = {
  id: 4,
  title: 'rate-limit use, sandbox enforcing 600/min',
  run,
};
