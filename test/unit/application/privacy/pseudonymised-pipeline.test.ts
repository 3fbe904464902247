import { describe, expect, it } from 'vitest';
import { WebMessagingGuestSessionEraser } from '../../../../src/adapters/genesys/web-messaging/guest-session-eraser.js';
import { InMemoryGuestSessionStore } from '../../../../src/adapters/genesys/web-messaging/guest-session-store.js';
import { verifyChainAsync } from '../../../../src/application/ledger/hash-chain.js';
import { readAllPages } from '../../../../src/application/ledger/ledger-pages.js';
import { GuestPrivacy } from '../../../../src/application/privacy/guest-privacy.js';
import { isGtxError } from '../../../../src/domain/index.js';
import { pipelineHarness, type PipelineHarness } from '../../../support/pipeline-harness.js';

const EMAIL = 'grace.hopper@example.net';
const PHONE = '+15550104477';
const CONVERSATION = 'crm-case-8812';

async function storedText(h: PipelineHarness): Promise<string> {
  const rows = [];
  for await (const row of readAllPages(h.ledger.events)) rows.push(row);
  return JSON.stringify(rows);
}

describe('a pseudonymised ledger in the pipeline (in-memory twin)', () => {
  it('stores keyed hashes of guest ids and conversation refs, sends the real guest, and keeps per-conversation order', async () => {
    const h = pipelineHarness({ pseudonymiseGuestIds: true });
    const outcomes = await h.settle([
      h.transmitter.submit({
        id: 'e1',
        guest: { id: EMAIL, idType: 'Email' },
        conversation: CONVERSATION,
        text: 'one',
      }),
      h.transmitter.submit({
        id: 'e2',
        guest: { id: EMAIL, idType: 'Email' },
        conversation: CONVERSATION,
        text: 'two',
      }),
      h.transmitter.submit({ id: 'p1', guest: { id: PHONE, idType: 'Phone' }, text: 'three' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered', 'delivered']);
    const sent = h.transport.delivered();
    expect(sent.filter((r) => r.content.guest.id === EMAIL).map((r) => r.commandId)).toEqual([
      'e1',
      'e2',
    ]);
    expect(sent.map((r) => r.content.guest.id).sort()).toEqual([PHONE, EMAIL, EMAIL].sort());

    const stored = await storedText(h);
    for (const clear of [EMAIL, PHONE, CONVERSATION]) expect(stored).not.toContain(clear);
    const [requested] = await h.ledger.events.readStream('transmission-e1');
    expect(requested?.data).toMatchObject({
      guestId: await h.pseudonymiser.guestId(EMAIL),
      conversationRef: await h.pseudonymiser.conversationRef(CONVERSATION),
    });
    expect((requested?.data as { guestId: string }).guestId).toMatch(/^hmac:/);
    expect((await verifyChainAsync(readAllPages(h.ledger.events))).ok).toBe(true);
    expect(JSON.stringify(h.logger.records)).not.toContain(EMAIL);
    await h.transmitter.close();
  });

  it('answers a repeated command with its outcome and refuses its id for another conversation', async () => {
    const h = pipelineHarness({ pseudonymiseGuestIds: true });
    const command = { id: 'r1', guest: { id: EMAIL }, conversation: CONVERSATION, text: 'once' };
    await h.settle([h.transmitter.submit(command)]);
    const [again] = await h.settle([h.transmitter.submit(command)]);
    expect(again).toMatchObject({ status: 'delivered', duplicate: true });
    const other = await h.transmitter.submit({ ...command, conversation: 'another-case' }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isGtxError(other) && other.code).toBe('COMMAND_ID_REUSED');
    expect(isGtxError(other) && other.details).toMatchObject({ differences: ['conversation'] });
    expect(h.transport.delivered()).toHaveLength(1);
    await h.transmitter.close();
  });

  it('finds a guest by the id the user types for status and forget', async () => {
    const h = pipelineHarness({ pseudonymiseGuestIds: true });
    await h.settle([
      h.transmitter.submit({ id: 'f1', guest: { id: EMAIL }, text: 'to forget' }),
      h.transmitter.submit({ id: 'f2', guest: { id: PHONE }, text: 'to keep' }),
    ]);
    const privacy = new GuestPrivacy({
      ledger: h.ledger.events,
      keys: h.guestKeys,
      sessions: new WebMessagingGuestSessionEraser(new InMemoryGuestSessionStore(), 'deployment-1'),
      clock: h.clock,
      pseudonymiser: h.pseudonymiser,
    });
    expect(await privacy.status(EMAIL)).toMatchObject({
      transmissions: { total: 1, readable: 1, erased: 0 },
    });
    expect(await privacy.forget(EMAIL)).toMatchObject({ status: 'erased' });
    expect(await privacy.status(EMAIL)).toMatchObject({
      transmissions: { total: 1, readable: 0, erased: 1 },
    });
    expect(await privacy.status(PHONE)).toMatchObject({ transmissions: { readable: 1 } });
    await h.transmitter.close();
  });

  it('records a batch in input order on a fresh ledger, so each conversation is delivered in order', async () => {
    const h = pipelineHarness({ pseudonymiseGuestIds: true });
    const inputs = ['x', 'y'].flatMap((c) =>
      Array.from({ length: 6 }, (_, i) => ({
        id: `${c}-${String(i)}`,
        guest: { id: `${c}@example.org` },
        conversation: c,
        text: `${c} ${String(i)}`,
      })),
    );
    const summary = h.transmitter.submitMany(inputs);
    await h.clock.advanceUntil(() => h.transport.delivered().length === inputs.length, 60_000);
    expect(await summary).toMatchObject({ total: 12, delivered: 12 });
    const recorded: string[] = [];
    for await (const row of readAllPages(h.ledger.events, { types: ['TransmissionRequested'] })) {
      recorded.push((row.data as { commandId: string }).commandId);
    }
    expect(recorded).toEqual(inputs.map((input) => input.id));
    for (const c of ['x', 'y']) {
      expect(
        h.transport
          .delivered()
          .filter((r) => r.commandId.startsWith(c))
          .map((r) => r.commandId),
      ).toEqual(inputs.filter((input) => input.conversation === c).map((input) => input.id));
    }
    await h.transmitter.close();
  });
});
