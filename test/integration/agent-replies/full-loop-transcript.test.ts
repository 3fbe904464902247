/**
 * The whole loop with the real SDK against the sandbox, its rate limit on: a guest message is
 * delivered, the sandbox's agent answers on our signed outbound webhook, the reply is recorded,
 * our Delivered receipt reaches the sandox (which records it), and `gtx transcript` and the
 * transcript route show both sides in order. On SQLite and on PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../../src/sandbox/index.js';
import { EXIT } from '../../../src/adapters/cli/exit-codes.js';
import { runGtx } from '../../support/cli-harness.js';
import { paced } from '../../support/sandbox-harness.js';
import { postgresTestSchema, requirePostgres } from '../../support/postgres.js';
import { startHarness, waitFinal, type ServiceHarness } from '../http/service-harness.js';

const SECRET = 'outbound-secret-loop-0123456789';
const GUEST_TEXT = 'guest asks <b>about</b> order 77';
/** Hostile text an agent may send: the HTML transcript must show it, never run it. */
const AGENT_TEXT = '<script>alert("x")</script> Order 77 ships today';

interface TranscriptJson {
  transcriptVersion: number;
  conversationRef: string;
  storedConversationRef: string;
  entries: {
    side: string;
    kind: string;
    id: string;
    state: string;
    genesysMessageId: string | null;
    receipts: { by: string; status: string }[];
    content: { state: string; text?: string | null; contentSha256: string } | null;
  }[];
}

function sandboxOf(h: ServiceHarness): RunningSandbox {
  const sandbox = h.service.runtime.sandbox;
  if (sandbox === null) throw new Error('the harness runs no sandbox');
  return sandbox;
}

async function startLoop(
  env: Record<string, string>,
  ledgerPath?: string,
): Promise<ServiceHarness> {
  const h = await startHarness(
    { GENESYS_OUTBOUND_WEBHOOK_SECRET: SECRET, ...env },
    {
      ...(ledgerPath === undefined ? {} : { ledgerPath }),
      sandboxOptions: {
        ...paced().sandbox,
        agentReplies: { delayMs: 0, receipts: true, text: AGENT_TEXT },
        webhookDelivery: { backoffMs: 1, timeoutMs: 5_000 },
      },
    },
  );
  // The service's port is known only once it listens: the integration's webhook is set then.
  sandboxOf(h).setOutboundWebhook({ url: `${h.url}/v1/genesys/outbound`, secret: SECRET });
  return h;
}

/** Sends one guest message and waits until the agent's reply and our receipt went round. */
async function converse(h: ServiceHarness, conversation: string, id: string): Promise<string> {
  const accepted = await h.post('/v1/messages', {
    id,
    guest: { id: `guest-of-${conversation}` },
    conversation,
    text: GUEST_TEXT,
  });
  expect(accepted.status).toBe(202);
  expect((await waitFinal(h, id)).status).toBe('delivered');
  const sandbox = sandboxOf(h);
  await sandbox.outboundSettled();
  const reply = sandbox.agentMessages().find((m) => m.guestId === `guest-of-${conversation}`);
  expect(reply).toBeDefined();
  const agentId = reply?.id ?? '';
  expect((await waitFinal(h, `agent-receipt-${agentId}`)).status).toBe('delivered');
  return agentId;
}

function loopSuite(
  name: string,
  open: () => Promise<{
    h: ServiceHarness;
    env: Record<string, string>;
    ledger: string;
    done: () => Promise<void>;
  }>,
): void {
  describe(`the full loop on ${name}`, () => {
    let h: ServiceHarness;
    let env: Record<string, string>;
    let ledger: string;
    let done: () => Promise<void>;
    let agentId: string;

    beforeAll(async () => {
      ({ h, env, ledger, done } = await open());
      agentId = await converse(h, 'conv-loop', 'loop-guest-1');
    });
    afterAll(async () => {
      await done();
    });

    it('records the reply, and the sandbox records our Delivered receipt for it', () => {
      const reply = sandboxOf(h)
        .agentMessages()
        .find((m) => m.id === agentId);
      expect(reply?.acknowledgements).toEqual([
        { status: 'Delivered', receivedAt: expect.any(String) as unknown },
      ]);
    });

    it('gtx transcript --format json shows both sides in order, without text unless revealed', async () => {
      const run = await runGtx(
        ['transcript', '--conversation', 'conv-loop', '--ledger', ledger, '--format', 'json'],
        env,
        h.dir,
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain('Order 77');
      expect(run.stdout).not.toContain('order 77');
      const transcript = JSON.parse(run.stdout) as TranscriptJson;
      expect(transcript.transcriptVersion).toBe(1);
      const guest = transcript.entries[0];
      expect(guest).toMatchObject({
        side: 'guest',
        kind: 'message',
        id: 'loop-guest-1',
        state: 'delivered',
        content: { state: 'sealed' },
      });
      expect(guest?.receipts).toEqual([
        { by: 'genesys', status: 'Delivered', at: expect.any(String) as unknown },
      ]);
      const agent = transcript.entries.find((e) => e.side === 'agent' && e.kind === 'message');
      expect(agent).toMatchObject({
        id: agentId,
        state: 'received',
        content: { state: 'sealed' },
        receipts: [{ by: 'us', status: 'delivered' }],
      });
      expect(transcript.entries.indexOf(agent!)).toBeGreaterThan(0);
      // Our receipt is shown on the agent message, not as an entry of its own.
      expect(transcript.entries.filter((e) => e.id.startsWith('agent-receipt-'))).toEqual([]);
    });

    it('--reveal shows both texts; html escapes the hostile one', async () => {
      const json = await runGtx(
        [
          'transcript',
          '--conversation',
          'conv-loop',
          '--ledger',
          ledger,
          '--format',
          'json',
          '--reveal',
        ],
        env,
        h.dir,
      );
      expect(json.code).toBe(0);
      const texts = (JSON.parse(json.stdout) as TranscriptJson).entries
        .filter((e) => e.kind === 'message')
        .map((e) => [e.side, e.content?.text]);
      expect(texts).toEqual([
        ['guest', GUEST_TEXT],
        ['agent', AGENT_TEXT],
      ]);
      const html = await runGtx(
        [
          'transcript',
          '--conversation',
          'conv-loop',
          '--ledger',
          ledger,
          '--format',
          'html',
          '--reveal',
        ],
        env,
        h.dir,
      );
      expect(html.code).toBe(0);
      expect(html.stdout).toMatch(/^<!doctype html>/);
      expect(html.stdout).not.toContain('<script>');
      expect(html.stdout).not.toContain('<b>');
      expect(html.stdout).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      const text = await runGtx(
        ['transcript', '--conversation', 'conv-loop', '--ledger', ledger, '--reveal'],
        env,
        h.dir,
      );
      expect(text.code).toBe(0);
      const lines = text.stdout.trim().split('\n');
      expect(lines[0]).toBe(`conversation conv-loop: ${lines.length - 1} entries`);
      expect(lines[1]).toMatch(/ guest +message +delivered +\[Genesys Delivered\]/);
      expect(lines.some((l) => / agent +message +received +\[our delivered\]/.test(l))).toBe(true);
    });

    it('GET /v1/conversations/:ref/transcript answers the same document, API-key guarded, no reveal by default', async () => {
      const response = await h.call('/v1/conversations/conv-loop/transcript');
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).not.toContain('Order 77');
      const transcript = JSON.parse(text) as TranscriptJson;
      expect(transcript.entries.map((e) => [e.side, e.kind, e.state])).toEqual([
        ['guest', 'message', 'delivered'],
        ['agent', 'message', 'received'],
      ]);
      expect(transcript.entries.map((e) => e.content?.state)).toEqual(['sealed', 'sealed']);
      const cli = await runGtx(
        ['transcript', '--conversation', 'conv-loop', '--ledger', ledger, '--format', 'json'],
        env,
        h.dir,
      );
      expect(JSON.parse(cli.stdout)).toEqual(transcript);
      expect((await h.call('/v1/conversations/conv-loop/transcript', { key: null })).status).toBe(
        401,
      );
      const revealed = await h.call('/v1/conversations/conv-loop/transcript?reveal=true');
      expect(revealed.status).toBe(403);
      expect(((await revealed.json()) as { error: { code: string } }).error.code).toBe(
        'REVEAL_NOT_ALLOWED',
      );
      const unknown = await h.call('/v1/conversations/conv-nobody/transcript');
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe(
        'CONVERSATION_NOT_FOUND',
      );
      expect((await h.call('/v1/conversations/conv-loop/transcript?reveal=maybe')).status).toBe(
        400,
      );
    });

    it('an unknown conversation is CONVERSATION_NOT_FOUND, exit code 12, nothing on stdout', async () => {
      const run = await runGtx(
        ['transcript', '--conversation', 'conv-nobody', '--ledger', ledger],
        env,
        h.dir,
      );
      expect(run.code).toBe(EXIT.conversationNotFound);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('CONVERSATION_NOT_FOUND');
      expect(run.stderr).toContain('conv-nobody');
    });
  });
}

loopSuite('SQLite', async () => {
  const h = await startLoop({});
  return { h, env: {}, ledger: h.ledgerPath, done: () => h.close() };
});

loopSuite('PostgreSQL', async () => {
  await requirePostgres();
  const schema = postgresTestSchema();
  const masterKey = randomBytes(32).toString('base64');
  const ledger = `${schema.url}?schema=${schema.schema}`;
  const h = await startLoop({ GTX_MASTER_KEY: masterKey }, ledger);
  return {
    h,
    env: { GTX_MASTER_KEY: masterKey },
    ledger,
    done: async () => {
      await h.close();
      await schema.drop();
    },
  };
});

interface StoredEvent {
  streamId: string;
  type: string;
  data: Record<string, unknown>;
}

async function storedEvents(h: ServiceHarness): Promise<StoredEvent[]> {
  const page = (await (await h.call('/v1/events?after=0&limit=1000')).json()) as {
    events: StoredEvent[];
  };
  return page.events;
}

describe('the loop on a pseudonymised ledger (GTX_PSEUDONYMISE=guest-ids)', () => {
  let h: ServiceHarness;
  let agentId: string;

  beforeAll(async () => {
    h = await startLoop({ GTX_PSEUDONYMISE: 'guest-ids' });
    agentId = await converse(h, 'conv-pseudo', 'pseudo-guest-1');
  });
  afterAll(async () => {
    await h.close();
  });

  it('matches the reply to the guest conversation, stored by hmac names, and its receipt lands there too', async () => {
    const events = await storedEvents(h);
    const guest = events.find(
      (e) => e.type === 'TransmissionRequested' && e.data['commandId'] === 'pseudo-guest-1',
    );
    const reply = events.find(
      (e) => e.type === 'AgentMessageReceived' && e.data['genesysMessageId'] === agentId,
    );
    const receipt = events.find(
      (e) =>
        e.type === 'TransmissionRequested' && e.data['commandId'] === `agent-receipt-${agentId}`,
    );
    const storedRef = guest?.data['conversationRef'];
    expect(storedRef).toMatch(/^hmac:/);
    expect(guest?.data['guestId']).toMatch(/^hmac:/);
    expect(reply?.data['guestId']).toBe(guest?.data['guestId']);
    expect(reply?.data['conversationRef']).toBe(storedRef);
    expect(receipt?.data['conversationRef']).toBe(storedRef);
    expect(JSON.stringify(events)).not.toContain('conv-pseudo');
    expect(
      sandboxOf(h)
        .agentMessages()
        .find((m) => m.id === agentId)?.acknowledgements,
    ).toEqual([{ status: 'Delivered', receivedAt: expect.any(String) as unknown }]);
  });

  it('gtx transcript finds it by the clear reference the user types', async () => {
    const run = await runGtx(
      ['transcript', '--conversation', 'conv-pseudo', '--ledger', h.ledgerPath, '--format', 'json'],
      {},
      h.dir,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const transcript = JSON.parse(run.stdout) as TranscriptJson;
    expect(transcript.conversationRef).toBe('conv-pseudo');
    expect(transcript.storedConversationRef).toMatch(/^hmac:/);
    expect(transcript.entries.map((e) => [e.side, e.kind, e.state])).toEqual([
      ['guest', 'message', 'delivered'],
      ['agent', 'message', 'received'],
    ]);
    expect(transcript.entries[1]?.receipts).toEqual([
      { by: 'us', status: 'delivered', at: expect.any(String) as unknown },
    ]);
  });
});

describe('the loop under the retry storm (each webhook delivered 6 times, 3 at once)', () => {
  it('records the reply once, sends one receipt, and the transcript shows it once', async () => {
    const h = await startLoop({});
    try {
      const sandbox = sandboxOf(h);
      sandbox.setWebhookDelivery({
        backoffMs: 1,
        timeoutMs: 5_000,
        copies: 6,
        concurrentCopies: 3,
      });
      const agentId = await converse(h, 'conv-storm', 'storm-guest-1');
      const copies = sandbox.outboundDeliveries().filter((d) => d.messageId === agentId);
      expect(copies).toHaveLength(6);
      expect(copies.every((d) => d.outcome === 'delivered')).toBe(true);
      expect(sandbox.agentMessages().find((m) => m.id === agentId)?.acknowledgements).toHaveLength(
        1,
      );
      const run = await runGtx(
        [
          'transcript',
          '--conversation',
          'conv-storm',
          '--ledger',
          h.ledgerPath,
          '--format',
          'json',
        ],
        {},
        h.dir,
      );
      expect(run.code).toBe(0);
      const entries = (JSON.parse(run.stdout) as TranscriptJson).entries;
      expect(entries.map((e) => [e.side, e.kind, e.id])).toEqual([
        ['guest', 'message', 'storm-guest-1'],
        ['agent', 'message', agentId],
      ]);
      expect(entries[1]?.receipts).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});

describe('the transcript route with GTX_TRANSCRIPT_REVEAL=allow', () => {
  it('reveals both texts of a pseudonymised conversation named by its clear ref', async () => {
    const h = await startLoop({ GTX_PSEUDONYMISE: 'guest-ids', GTX_TRANSCRIPT_REVEAL: 'allow' });
    try {
      await converse(h, 'conv-reveal', 'reveal-guest-1');
      const response = await h.call('/v1/conversations/conv-reveal/transcript?reveal=true');
      expect(response.status).toBe(200);
      const transcript = (await response.json()) as TranscriptJson;
      expect(transcript.storedConversationRef).toMatch(/^hmac:/);
      expect(transcript.entries.map((e) => [e.side, e.content?.state, e.content?.text])).toEqual([
        ['guest', 'revealed', GUEST_TEXT],
        ['agent', 'revealed', AGENT_TEXT],
      ]);
    } finally {
      await h.close();
    }
  });
});

describe('a transcript after the guest was forgotten', () => {
  let h: ServiceHarness;

  beforeAll(async () => {
    h = await startLoop({});
    await converse(h, 'conv-erased', 'erased-guest-1');
  });
  afterAll(async () => {
    await h.close();
  });

  it('shows both sides as erased, with and without --reveal, and keeps states and hashes', async () => {
    const forget = await runGtx(
      ['privacy', 'forget', '--guest', 'guest-of-conv-erased', '--ledger', h.ledgerPath],
      {},
      h.dir,
    );
    expect(forget.code).toBe(0);
    for (const reveal of [[], ['--reveal']]) {
      const run = await runGtx(
        [
          'transcript',
          '--conversation',
          'conv-erased',
          '--ledger',
          h.ledgerPath,
          '--format',
          'json',
          ...reveal,
        ],
        {},
        h.dir,
      );
      expect(run.code).toBe(0);
      const entries = (JSON.parse(run.stdout) as TranscriptJson).entries;
      expect(entries.map((e) => [e.side, e.state, e.content?.state])).toEqual([
        ['guest', 'delivered', 'erased'],
        ['agent', 'received', 'erased'],
      ]);
      expect(entries.every((e) => /^[0-9a-f]{64}$/.test(e.content?.contentSha256 ?? ''))).toBe(
        true,
      );
      expect(run.stdout).not.toContain('Order 77');
    }
  });
});
