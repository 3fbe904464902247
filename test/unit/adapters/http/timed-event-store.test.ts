import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  TimedEventStore,
  type LedgerAppendListener,
} from '../../../../src/adapters/http/metrics/timed-event-store.js';
import { InMemoryEventStore } from '../../../../src/adapters/memory/in-memory-event-store.js';
import type { AppendRequest } from '../../../../src/application/ports/index.js';
import { readsStoredRows } from '../../../../src/application/ports/index.js';
import { decodedOnly } from '../../../support/decoded-only.js';

const clock = { now: () => Date.UTC(2026, 11, 2), scheduler: asyncScheduler };

function note(streamId: string, expectedVersion: AppendRequest['expectedVersion']): AppendRequest {
  return {
    streamId,
    expectedVersion,
    events: [{ type: 'NoteTaken', schemaVersion: 1, data: { n: 1 }, metadata: {} }],
  };
}

function recordingListener(): LedgerAppendListener & { heard: string[] } {
  const heard: string[] = [];
  return {
    heard,
    appended: (request, result) =>
      heard.push(`appended ${request.streamId} v${String(result.streamVersion)}`),
    appendFailed: (request, error) =>
      heard.push(`failed ${request.streamId} ${(error as { code?: string }).code ?? '?'}`),
  };
}

describe('TimedEventStore', () => {
  it('tells the listener of each append it made and each one refused', async () => {
    const listener = recordingListener();
    const store = new TimedEventStore(new InMemoryEventStore(clock), listener);
    await store.append(note('s-1', 'noStream'));
    await expect(store.append(note('s-1', 'noStream'))).rejects.toThrow();
    expect(listener.heard).toEqual(['appended s-1 v1', 'failed s-1 LEDGER_VERSION_CONFLICT']);
  });

  it('reads stored rows exactly when the store it decorates does', async () => {
    const inner = new InMemoryEventStore(clock);
    await inner.append(note('s-1', 'noStream'));
    const timed = new TimedEventStore(inner, recordingListener());
    if (!readsStoredRows(timed)) throw new Error('the decorator hid readStoredRows');
    expect(await timed.readStoredRows({ afterPosition: 0, limit: 10 })).toEqual(
      await inner.readStoredRows({ afterPosition: 0, limit: 10 }),
    );
    expect(readsStoredRows(new TimedEventStore(decodedOnly(inner), recordingListener()))).toBe(
      false,
    );
  });
});
