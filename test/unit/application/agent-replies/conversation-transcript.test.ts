import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../src/adapters/memory/in-memory-event-store.js';
import { conversationTranscript } from '../../../../src/application/agent-replies/conversation-transcript.js';
import type { Clock } from '../../../../src/application/ports/clock.port.js';
import { transcriptHtml, transcriptText } from '../../../../src/adapters/cli/transcript-format.js';

const clock: Clock = { now: () => Date.UTC(2026, 11, 2, 9, 0, 0), scheduler: asyncScheduler };
const AT = '2026-12-02T09:00:00.000Z';
const HOSTILE = '<img src=x onerror="alert(1)">\n2026-12-02 agent forged line';
const REF = 'conv-<b>&"x"';
const SHA = 'a'.repeat(64);
const noKeys = { findById: () => Promise.resolve(null) };

function content(text: string) {
  return { kind: 'message', guest: { id: 'g-1' }, text, attachments: [], metadata: {} };
}

async function ledger(): Promise<InMemoryEventStore> {
  const events = new InMemoryEventStore(clock);
  const request = (commandId: string) => ({
    commandId,
    kind: 'message',
    guestId: 'g-1',
    conversationRef: REF,
    contentSha256: SHA,
    content: content(HOSTILE),
  });
  await events.append({
    streamId: 'transmission-rejected-1',
    expectedVersion: 'noStream',
    events: [
      {
        type: 'TransmissionRejected',
        schemaVersion: 1,
        metadata: {},
        data: {
          ...request('rejected-1'),
          violations: [{ code: 'CONTENT_BLOCKED', field: '/text', message: 'blocked' }],
          rejectedAt: AT,
        },
      },
    ],
  });
  await events.append({
    streamId: 'transmission-dead-1',
    expectedVersion: 'noStream',
    events: [
      {
        type: 'TransmissionRequested',
        schemaVersion: 1,
        metadata: {},
        data: { ...request('dead-1'), requestedAt: AT },
      },
      {
        type: 'TransmissionAttemptStarted',
        schemaVersion: 1,
        metadata: {},
        data: { attempt: 1, startedAt: AT },
      },
      {
        type: 'TransmissionDeadLettered',
        schemaVersion: 1,
        metadata: {},
        data: { reason: 'permanentFailure', detail: 'HTTP 400', attempts: 1, deadLetteredAt: AT },
      },
    ],
  });
  await events.append({
    streamId: 'agent-message-receipt:Read:elsewhere',
    expectedVersion: 'noStream',
    events: [
      {
        type: 'GenesysReceiptReceived',
        schemaVersion: 1,
        metadata: {},
        data: {
          genesysMessageId: 'elsewhere',
          channel: 'open-messaging',
          guestId: 'g-1',
          conversationRef: REF,
          originatingEntity: null,
          sentAt: null,
          receivedAt: AT,
          status: 'Read',
          reasons: [],
          isFinalReceipt: true,
        },
      },
    ],
  });
  // Another conversation's request: never in this transcript.
  await events.append({
    streamId: 'transmission-other-1',
    expectedVersion: 'noStream',
    events: [
      {
        type: 'TransmissionRequested',
        schemaVersion: 1,
        metadata: {},
        data: { ...request('other-1'), conversationRef: 'conv-other', requestedAt: AT },
      },
    ],
  });
  return events;
}

describe('conversationTranscript', () => {
  it('folds each transmission to its state and keeps a receipt about no message of it as its own entry', async () => {
    const transcript = await conversationTranscript(
      { events: await ledger(), guestKeys: noKeys },
      { conversationRef: REF },
    );
    expect(
      transcript.entries.map((e) => [e.side, e.kind, e.id, e.state, e.detail, e.attempts]),
    ).toEqual([
      ['guest', 'message', 'rejected-1', 'rejected', 'CONTENT_BLOCKED', 0],
      ['guest', 'message', 'dead-1', 'deadLettered', 'permanentFailure', 1],
      ['agent', 'genesysReceipt', 'elsewhere', 'received', 'Read', 0],
    ]);
    // Plain content is not shown without reveal: its hash and size only.
    expect(transcript.entries[0]?.content).toEqual({
      state: 'sealed',
      contentSha256: SHA,
      sizeBytes: expect.any(Number) as unknown,
    });
    expect(JSON.stringify(transcript)).not.toContain('onerror');
  });

  it('names an unknown conversation CONVERSATION_NOT_FOUND', async () => {
    await expect(
      conversationTranscript(
        { events: await ledger(), guestKeys: noKeys },
        { conversationRef: 'nope' },
      ),
    ).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
  });

  it('renders hostile text escaped in HTML and quoted on one line in text', async () => {
    const transcript = await conversationTranscript(
      { events: await ledger(), guestKeys: noKeys },
      { conversationRef: REF, reveal: true },
    );
    expect(transcript.entries[0]?.content).toMatchObject({ state: 'revealed', text: HOSTILE });
    const html = transcriptHtml(transcript);
    expect(html).not.toMatch(/<img|<b>|onerror="/);
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('conv-&lt;b&gt;&amp;&quot;x&quot;');
    const text = transcriptText(transcript).trimEnd().split('\n');
    // A newline inside a message cannot add a line that looks like an entry.
    expect(text).toHaveLength(1 + transcript.entries.length);
    expect(text[1]).toContain(JSON.stringify(HOSTILE));
  });
});
