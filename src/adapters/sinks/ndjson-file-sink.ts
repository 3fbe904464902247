import { open } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ANALYTICS_PAYLOAD_VERSION } from '../../application/feed/analytics-payload.js';
import { FeedConfigError } from '../../application/feed/feed-errors.js';
import type { AnalyticsBatch, AnalyticsSink, SinkOutcome } from '../../application/ports/index.js';

export interface NdjsonSinkOptions {
  readonly path: string;
}

/** One NDJSON line: the analytics event with the batch it came in. */
export function ndjsonLines(batch: AnalyticsBatch): string {
  return batch.events
    .map((event) =>
      JSON.stringify({
        batchId: batch.id,
        feed: batch.feed,
        replay: batch.replay,
        payloadVersion: ANALYTICS_PAYLOAD_VERSION,
        ...event,
      }),
    )
    .join('\n')
    .concat('\n');
}

/**
 * Appends each batch to a file, one JSON event per line, in one write followed by an fdatasync:
 * once `deliver` says ok the lines are on disk. A batch may be written twice (a crash between
 * the write and the checkpoint, a replay): readers deduplicate on the event `id`.
 */
export class NdjsonFileSink implements AnalyticsSink {
  readonly target: string;
  private readonly path: string;

  constructor(options: NdjsonSinkOptions) {
    this.path = resolve(options.path);
    const parent = statSync(dirname(this.path), { throwIfNoEntry: false });
    if (parent?.isDirectory() !== true) {
      throw new FeedConfigError('--to', `${dirname(this.path)} is not an existing directory`);
    }
    if (statSync(this.path, { throwIfNoEntry: false })?.isDirectory() === true) {
      throw new FeedConfigError('--to', `${this.path} is a directory, not a file`);
    }
    this.target = `file:${this.path}`;
  }

  async deliver(batch: AnalyticsBatch, signal?: AbortSignal): Promise<SinkOutcome> {
    if (signal?.aborted === true) {
      return {
        ok: false,
        failure: { kind: 'io', status: null, retryAfterMs: null, detail: 'aborted' },
      };
    }
    try {
      const file = await open(this.path, 'a');
      try {
        await file.appendFile(ndjsonLines(batch), 'utf8');
        await file.datasync();
      } finally {
        await file.close();
      }
      return { ok: true, status: null };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'write failed';
      return { ok: false, failure: { kind: 'io', status: null, retryAfterMs: null, detail: code } };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
