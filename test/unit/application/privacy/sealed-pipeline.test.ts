import { describe, expect, it } from 'vitest';
import { readAllPages } from '../../../../src/application/ledger/ledger-pages.js';
import { verifyChainAsync } from '../../../../src/application/ledger/hash-chain.js';
import { GuestPrivacy } from '../../../../src/application/privacy/guest-privacy.js';
import { WebMessagingGuestSessionEraser } from '../../../../src/adapters/genesys/web-messaging/guest-session-eraser.js';
import { InMemoryGuestSessionStore } from '../../../../src/adapters/genesys/web-messaging/guest-session-store.js';
import { pipelineHarness } from '../../../support/pipeline-harness.js';

const TEXT = 'Meet me at 12 Rue Oberkampf, my PIN is 8271';
const NICKNAME = 'Wilhelmina';

function secretMessage(id: string, guestId: string, conversation = `conv-${id}`) {
  return {
    id,
    guest: { id: guestId, nickname: NICKNAME },
    conversation,
    text: TEXT,
    attachments: [
      {
        url: 'https://files.example.com/f.pdf',
        mime: 'application/pdf',
        filename: 'medical-report.pdf',
        sizeBytes: 100,
      },
    ],
  };
}

describe('sealed personal content in the pipeline', () => {
  it('stores only ciphertext, sends the plaintext, and logs neither', async () => {
    const h = pipelineHarness();
    const [outcome] = await h.settle([h.transmitter.submit(secretMessage('m1', 'g1'))]);
    expect(outcome?.status).toBe('delivered');
    const [sent] = h.transport.delivered();
    expect(sent?.content).toMatchObject({
      kind: 'message',
      text: TEXT,
      guest: { nickname: NICKNAME },
    });
    const stored = JSON.stringify(await h.ledger.events.readStream('transmission-m1'));
    for (const secret of [TEXT, NICKNAME, 'medical-report.pdf']) {
      expect(stored).not.toContain(secret);
    }
    expect(stored).toContain('"alg":"A256GCM"');
    const logged = JSON.stringify(h.logger.records);
    expect(h.logger.records.length).toBeGreaterThan(0);
    for (const secret of [TEXT, NICKNAME, 'medical-report.pdf']) {
      expect(logged).not.toContain(secret);
    }
  });

  it('seals rejected content too', async () => {
    const h = pipelineHarness();
    const [outcome] = await h.settle([
      h.transmitter.submit({ id: 'bad', guest: { id: 'g1', nickname: NICKNAME }, text: ' ' }),
    ]);
    expect(outcome?.status).toBe('rejected');
    expect(JSON.stringify(await h.ledger.events.readStream('transmission-bad'))).not.toContain(
      NICKNAME,
    );
  });

  it('dead-letters a transmission whose guest was forgotten before delivery, without sending it', async () => {
    const h = pipelineHarness({ retry: { baseDelayMs: 1_000, maxDelayMs: 1_000 } });
    h.transport.failNext(1);
    const submitted = h.transmitter.submit(secretMessage('m2', 'g2'));
    await h.clock.advanceUntil(() => h.transport.calls().length === 1);
    const privacy = new GuestPrivacy({
      ledger: h.ledger.events,
      keys: h.guestKeys,
      sessions: new WebMessagingGuestSessionEraser(new InMemoryGuestSessionStore(), 'deployment-1'),
      clock: h.clock,
      pseudonymiser: h.pseudonymiser,
    });
    expect(await privacy.forget('g2')).toMatchObject({ status: 'erased' });
    const [outcome] = await h.settle([submitted]);
    expect(outcome).toMatchObject({ status: 'deadLettered', reason: 'contentErased', attempts: 1 });
    expect(h.transport.calls()).toHaveLength(1);
    expect(h.transport.delivered()).toHaveLength(0);
    const types = (await h.ledger.events.readStream('transmission-m2')).map((e) => e.type);
    expect(types.at(-1)).toBe('TransmissionDeadLettered');
    const chain = await verifyChainAsync(readAllPages(h.ledger.events));
    expect(chain.ok).toBe(true);
  });

  it('forgetting one guest leaves other guests readable and deliverable', async () => {
    const h = pipelineHarness();
    await h.settle([h.transmitter.submit(secretMessage('a1', 'ga'))]);
    const privacy = new GuestPrivacy({
      ledger: h.ledger.events,
      keys: h.guestKeys,
      sessions: new WebMessagingGuestSessionEraser(new InMemoryGuestSessionStore(), 'deployment-1'),
      clock: h.clock,
      pseudonymiser: h.pseudonymiser,
    });
    await privacy.forget('ga');
    const [outcome] = await h.settle([h.transmitter.submit(secretMessage('b1', 'gb'))]);
    expect(outcome?.status).toBe('delivered');
    expect(await privacy.status('gb')).toMatchObject({
      transmissions: { total: 1, readable: 1, erased: 0 },
    });
    expect(await privacy.status('ga')).toMatchObject({
      activeKeyId: null,
      transmissions: { total: 1, readable: 0, erased: 1 },
    });
  });
});
