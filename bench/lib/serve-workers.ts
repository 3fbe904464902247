/**
 * `gtx serve` workers for benchmark 10: started as real processes (the reliability tests'
 * helper), fed over HTTP, their CPU read from /proc, and the shared ledger watched until every
 * command is final.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransmissionCounts } from '../../src/application/ports/index.js';
import {
  postCommands,
  startServe,
  stopServe,
  type ServeProcess,
} from '../../test/reliability/support/serve-process.js';
import { processCpuMs } from './proc.js';

export type { ServeProcess };

/** Starts `count` workers; if one fails to start, the others are stopped before it throws. */
export async function startWorkers(
  count: number,
  env: Readonly<Record<string, string>>,
): Promise<ServeProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startServe(env)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed === undefined) return workers;
  await stopWorkers(workers);
  throw failed.reason;
}

/** SIGTERM (a graceful drain), then wait for each to exit. */
export async function stopWorkers(workers: readonly ServeProcess[]): Promise<void> {
  await Promise.all(workers.map((worker) => stopServe(worker, 'SIGTERM')));
}

export function workersCpuMs(workers: readonly ServeProcess[]): number {
  return workers.reduce((sum, worker) => sum + (processCpuMs(worker.child.pid ?? 0) ?? 0), 0);
}

/**
 * POSTs `commands` in batches of `batch`, the n-th batch to worker n mod workers, with `lanes`
 * requests in flight at once. Throws on any answer but 202.
 */
export async function postAcross(
  workers: readonly ServeProcess[],
  commands: readonly unknown[],
  batch: number,
  lanes: number,
): Promise<void> {
  const batches = Math.ceil(commands.length / batch);
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < batches) {
        const index = next;
        next += 1;
        const worker = workers[index % workers.length];
        if (worker === undefined) throw new Error('no worker to post to');
        const body = commands.slice(index * batch, (index + 1) * batch);
        const response = await postCommands(worker.url, body);
        if (response === null) throw new Error(`worker ${worker.url} did not answer a POST`);
        if (response.status !== 202) {
          throw new Error(`POST answered ${String(response.status)}: ${await response.text()}`);
        }
      }
    }),
  );
}

/** Polls `counts` until `total` commands are final and nothing is open; resolves with the counts. */
export async function untilAllFinal(
  counts: () => Promise<TransmissionCounts>,
  total: number,
  pollMs: number,
  timeoutMs: number,
): Promise<TransmissionCounts> {
  const give = performance.now() + timeoutMs;
  for (;;) {
    const now = await counts();
    if (now.open === 0 && now.delivered + now.deadLettered + now.rejected >= total) return now;
    if (performance.now() > give) {
      throw new Error(
        `not every command became final within ${String(timeoutMs)} ms: ${JSON.stringify(now)}`,
      );
    }
    await sleep(pollMs);
  }
}
