import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { message, pipelineHarness } from '../../support/pipeline-harness.js';

describe('delivery pipeline', () => {
  it('records Requested, AttemptStarted and Delivered for a valid message', async () => {
    const h = pipelineHarness();
    const [outcome] = await h.settle([h.transmitter.submit(message('m1', 'c1'))]);
    expect(outcome).toMatchObject({
      status: 'delivered',
      commandId: 'm1',
      attempts: 1,
      duplicate: false,
    });
    const report = await h.transmitter.status('m1');
    expect(report.events.map((e) => e.type)).toEqual([
      'TransmissionRequested',
      'TransmissionAttemptStarted',
      'TransmissionDelivered',
    ]);
    expect(report.status).toBe('delivered');
  });

  it('rejects an invalid message before any network call and records why', async () => {
    const h = pipelineHarness();
    const [outcome] = await h.settle([
      h.transmitter.submit({ id: 'bad', guest: { id: 'g' }, text: '   ' }),
    ]);
    expect(outcome?.status).toBe('rejected');
    if (outcome?.status !== 'rejected') return;
    expect(outcome.violations.map((v) => v.code)).toContain('MESSAGE_EMPTY');
    expect(h.transport.calls()).toHaveLength(0);
    const report = await h.transmitter.status('bad');
    expect(report.events.map((e) => e.type)).toEqual(['TransmissionRejected']);
  });

  it('never sends a commandId twice and returns the recorded outcome', async () => {
    const h = pipelineHarness();
    const [first, concurrent] = await h.settle([
      h.transmitter.submit(message('same', 'c1')),
      h.transmitter.submit(message('same', 'c1')),
    ]);
    const [later] = await h.settle([h.transmitter.submit(message('same', 'c1'))]);
    expect(first?.status).toBe('delivered');
    expect(concurrent).toMatchObject({ status: 'delivered', duplicate: true });
    expect(later).toMatchObject({ status: 'delivered', duplicate: true });
    // The same id for another text is another command: refused, not answered as a duplicate.
    await expect(h.transmitter.submit(message('same', 'c1', 'other text'))).rejects.toMatchObject({
      code: 'COMMAND_ID_REUSED',
      details: { differences: ['content'] },
    });
    expect(h.transport.calls()).toHaveLength(1);
    expect((await h.transmitter.status('same')).events).toHaveLength(3);
  });

  it('keeps order within a conversation while conversations run concurrently', async () => {
    const h = pipelineHarness({ pipeline: { concurrency: 4 }, transport: { latencyMs: 100 } });
    const submissions = [];
    for (let i = 0; i < 6; i++) {
      for (const conversation of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
        submissions.push(h.transmitter.submit(message(`${conversation}-${i}`, conversation)));
      }
    }
    const outcomes = await h.settle(submissions);
    expect(outcomes.every((o) => o.status === 'delivered')).toBe(true);
    const delivered = h.transport.delivered();
    for (const conversation of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
      const order = delivered
        .filter((r) => r.conversationRef === conversation)
        .map((r) => r.commandId);
      expect(order).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${conversation}-${i}`));
    }
    expect(h.transport.peakConcurrency()).toBe(4);
  });

  it('never retries a 400 and dead-letters it with the server message', async () => {
    const h = pipelineHarness();
    h.transport.answerNext(1, { kind: 'badRequest', message: 'channel.from.id is required' });
    const [outcome] = await h.settle([h.transmitter.submit(message('m400', 'c1'))]);
    expect(outcome).toMatchObject({
      status: 'deadLettered',
      reason: 'permanentFailure',
      attempts: 1,
      lastFailure: { kind: 'permanent', status: 400, message: 'channel.from.id is required' },
    });
    expect(h.transport.calls()).toHaveLength(1);
  });

  it('waits out Retry-After on 429 without using up attempts', async () => {
    const h = pipelineHarness({ retry: { maxAttempts: 2 } });
    h.transport.answerNext(5, { kind: 'rateLimited', retryAfterMs: 2_000 });
    const start = h.clock.now();
    const [outcome] = await h.settle([h.transmitter.submit(message('m429', 'c1'))]);
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 6 });
    const calls = h.transport.calls();
    expect(calls).toHaveLength(6);
    for (let i = 1; i < calls.length; i++) {
      expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(2_000);
    }
    expect(h.clock.now() - start).toBeGreaterThanOrEqual(10_000);
  });

  it('pauses every conversation while the server asks to wait', async () => {
    const h = pipelineHarness();
    h.transport.answerNext(1, { kind: 'rateLimited', retryAfterMs: 5_000 });
    const first = h.transmitter.submit(message('x1', 'c1'));
    await h.clock.advanceBy(1);
    const other = h.transmitter.submit(message('y1', 'c2'));
    await h.settle([first, other]);
    const otherCall = h.transport.calls().find((c) => c.request.commandId === 'y1');
    expect(otherCall!.at).toBeGreaterThanOrEqual(h.transport.calls()[0]!.at + 5_000);
  });

  it('a rate limit of one conversation delays only that conversation', async () => {
    const h = pipelineHarness();
    h.transport.answerNext(1, { kind: 'rateLimited', retryAfterMs: 5_000, scope: 'conversation' });
    const first = h.transmitter.submit(message('x1', 'c1'));
    await h.clock.advanceBy(1);
    const other = h.transmitter.submit(message('y1', 'c2'));
    await h.settle([first, other]);
    const calls = h.transport.calls();
    const otherCall = calls.find((c) => c.request.commandId === 'y1');
    const retry = calls.filter((c) => c.request.commandId === 'x1')[1];
    expect(otherCall!.at).toBeLessThan(calls[0]!.at + 5_000);
    expect(retry!.at).toBeGreaterThanOrEqual(calls[0]!.at + 5_000);
  });

  it('retries 503, empty-bodied 5xx and connection resets with backoff, then delivers', async () => {
    const h = pipelineHarness({ retry: { baseDelayMs: 1_000, maxAttempts: 5 } });
    h.transport
      .answerNext(1, { kind: 'serverError', status: 503 })
      .answerNext(1, { kind: 'serverError', status: 502, emptyBody: true })
      .answerNext(1, { kind: 'connectionReset' });
    const [outcome] = await h.settle([h.transmitter.submit(message('m503', 'c1'))]);
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 4 });
    const failures = (await h.transmitter.status('m503')).events.filter(
      (e) => e.type === 'TransmissionAttemptFailed',
    );
    expect(failures.map((e) => (e.data as { failureKind: string }).failureKind)).toEqual([
      'transient',
      'transient',
      'transient',
    ]);
  });

  it('abandons an attempt that does not answer within the attempt timeout and retries it', async () => {
    const h = pipelineHarness({ pipeline: { attemptTimeoutMs: 3_000 } });
    h.transport.answerNext(1, { kind: 'hang' });
    const [outcome] = await h.settle([h.transmitter.submit(message('slow', 'c1'))]);
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 2 });
    const failed = (await h.transmitter.status('slow')).events.find(
      (e) => e.type === 'TransmissionAttemptFailed',
    );
    expect(failed?.data).toMatchObject({ code: 'ATTEMPT_TIMEOUT', failureKind: 'transient' });
    expect(h.transport.calls()[0]!.answer).toBe('aborted');
  });

  it('dead-letters after the last attempt', async () => {
    const h = pipelineHarness({ retry: { maxAttempts: 3, baseDelayMs: 100 } });
    h.transport.answerNext(10, { kind: 'serverError', status: 503 });
    const [outcome] = await h.settle([h.transmitter.submit(message('doomed', 'c1'))]);
    expect(outcome).toMatchObject({
      status: 'deadLettered',
      reason: 'attemptsExhausted',
      attempts: 3,
    });
    expect(h.transport.calls()).toHaveLength(3);
  });

  it('dead-letters when the overall deadline would pass', async () => {
    const h = pipelineHarness({ retry: { maxAttempts: 100, deadlineMs: 10_000 } });
    h.transport.answerNext(100, { kind: 'rateLimited', retryAfterMs: 4_000 });
    const [outcome] = await h.settle([h.transmitter.submit(message('late', 'c1'))]);
    expect(outcome).toMatchObject({ status: 'deadLettered', reason: 'deadlineExceeded' });
    expect(h.transport.calls()).toHaveLength(3);
  });

  it('holds the rest of a conversation until its head is final', async () => {
    const h = pipelineHarness({ retry: { baseDelayMs: 1_000 } });
    h.transport.answerNext(2, { kind: 'serverError', status: 503 });
    const outcomes = await h.settle([
      h.transmitter.submit(message('first', 'c1')),
      h.transmitter.submit(message('second', 'c1')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered']);
    expect(h.transport.delivered().map((r) => r.commandId)).toEqual(['first', 'second']);
  });

  it('respects the configured rate across all conversations', async () => {
    const h = pipelineHarness({ ratePerMinute: 60, burst: 1 });
    const submissions = Array.from({ length: 10 }, (_, i) =>
      h.transmitter.submit(message(`r${i}`, `conv-${i}`)),
    );
    await h.settle(submissions);
    const times = h.transport
      .calls()
      .map((c) => c.at)
      .sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1_000);
  });

  it('counts what submitMany sent and keeps at most maxOutstanding open', async () => {
    const h = pipelineHarness({ transport: { latencyMs: 10 } });
    let open = 0;
    let peakOpen = 0;
    function* commands() {
      for (let i = 0; i < 50; i++) {
        open += 1;
        peakOpen = Math.max(peakOpen, open);
        yield i === 7 ? { id: 'empty', guest: { id: 'g' } } : message(`many-${i}`, `conv-${i % 5}`);
      }
    }
    const run = h.transmitter.submitMany(commands(), {
      maxOutstanding: 8,
      onOutcome: () => (open -= 1),
    });
    const [summary] = await h.settle([run]);
    expect(summary).toEqual({
      total: 50,
      delivered: 49,
      rejected: 1,
      deadLettered: 0,
      duplicates: 0,
      refused: 0,
    });
    expect(peakOpen).toBeLessThanOrEqual(9);
  });

  it('close lets an in-flight attempt finish, then closes the ledger', async () => {
    const h = pipelineHarness({ transport: { latencyMs: 1_000 } });
    const submitted = h.transmitter.submit(message('draining', 'c1'));
    await h.clock.advanceBy(10);
    const closed = h.transmitter.close();
    const [outcome] = await h.settle([submitted]);
    await h.settle([closed]);
    expect(outcome).toMatchObject({ status: 'delivered' });
    await expect(h.ledger.events.readStream('transmission-draining')).rejects.toMatchObject({
      code: 'LEDGER_CLOSED',
    });
  });

  it('close aborts an attempt still hanging after the timeout and records it for the next start', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gtx-close-')), 'ledger.db');
    const h = pipelineHarness({
      pipeline: { attemptTimeoutMs: 60_000 },
      ledger: (clock) => openSqliteLedger({ path, clock }),
    });
    h.transport.answerNext(1, { kind: 'hang' });
    const submitted = h.transmitter.submit(message('stuck', 'c1'));
    submitted.catch(() => undefined);
    await h.clock.advanceBy(10);
    await h.settle([h.transmitter.close()]);
    await expect(submitted).rejects.toMatchObject({ code: 'TRANSMITTER_CLOSED' });
    await expect(h.transmitter.submit(message('late', 'c1'))).rejects.toMatchObject({
      code: 'TRANSMITTER_CLOSED',
    });
    expect(h.transport.calls()[0]?.answer).toBe('aborted');
    const reopened = openSqliteLedger({ path, clock: h.clock });
    const events = await reopened.events.readStream('transmission-stuck');
    await reopened.close();
    expect(events.map((e) => e.type)).toEqual([
      'TransmissionRequested',
      'TransmissionAttemptStarted',
      'TransmissionAttemptFailed',
    ]);
    expect(events[2]?.data).toMatchObject({ code: 'ATTEMPT_ABORTED', retryable: true });
  });
});
