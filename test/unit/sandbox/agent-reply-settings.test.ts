import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkedOutboundWebhook,
  resolveAgentReplies,
  resolveWebhookDelivery,
} from '../../../src/sandbox/agent-replies/agent-reply-settings.js';
import { ReplyTemplate } from '../../../src/sandbox/agent-replies/reply-text.js';
import type { SandboxAgentReplies } from '../../../src/sandbox/index.js';

const FACTS = { messageId: 'guest-msg-7', text: 'pin 1234 ✓', attachments: 2 };

describe('the reply template', () => {
  it('describes the guest message by id, size and hash, never by its words', () => {
    const template = ReplyTemplate.parse(
      '{messageId} {characters} {sha256} {attachments} {messageId}',
    );
    const sha = createHash('sha256').update(FACTS.text).digest('hex').slice(0, 12);

    expect(template.render(FACTS)).toBe(`guest-msg-7 10 ${sha} 2 guest-msg-7`);
  });

  it('keeps a fixed text as it is', () => {
    expect(ReplyTemplate.parse('An agent will be with you shortly.').render(FACTS)).toBe(
      'An agent will be with you shortly.',
    );
  });

  it.each(['{text}', 'you said {message} {nickname}', '   '])('refuses %j', (text) => {
    expect(() => ReplyTemplate.parse(text)).toThrow(/agentReplies\.text/);
  });
});

describe('the agent and webhook settings', () => {
  it('defaults to a human agent answering after 250 ms, without receipts', () => {
    const settings = resolveAgentReplies({});
    expect(settings).toMatchObject({
      originatingEntity: 'Human',
      agentNickname: 'Sandbox Agent',
      delayMs: 250,
      receipts: false,
      reply: true,
      attachment: null,
    });
  });

  it("defaults to Genesys' delivery: 10 s timeout, 5 retries, one copy", () => {
    expect(resolveWebhookDelivery({})).toEqual({
      timeoutMs: 10_000,
      maxRetries: 5,
      backoffMs: 1000,
      copies: 1,
      concurrentCopies: 1,
    });
  });

  it.each<[string, SandboxAgentReplies]>([
    ['agentReplies.originatingEntity', { originatingEntity: 'Robot' as 'Bot' }],
    ['agentReplies.delayMs', { delayMs: -1 }],
    ['agentReplies.agentNickname', { agentNickname: ' ' }],
    [
      'agentReplies.attachment.mediaType',
      { attachment: { mediaType: 'Picture' as 'Image', url: 'https://x.example/a', mime: 'a/b' } },
    ],
    [
      'agentReplies.attachment.url',
      { attachment: { mediaType: 'Image', url: 'file:///etc/passwd', mime: 'image/png' } },
    ],
    [
      'agentReplies.attachment.mime',
      { attachment: { mediaType: 'Image', url: 'https://x.example/a', mime: 'png' } },
    ],
  ])('refuses a bad %s', (setting, replies) => {
    expect(() => resolveAgentReplies(replies)).toThrow(
      expect.objectContaining({ code: 'SANDBOX_SETTING_INVALID', setting }) as Error,
    );
  });

  it('refuses storm copies it cannot send and more concurrent copies than copies', () => {
    expect(() => resolveWebhookDelivery({ copies: 0 })).toThrow(/webhookDelivery\.copies/);
    expect(() => resolveWebhookDelivery({ copies: 2, concurrentCopies: 3 })).toThrow(
      /webhookDelivery\.concurrentCopies/,
    );
  });

  it('takes a secret of 16 characters and refuses one of 15', () => {
    const url = 'http://127.0.0.1:8080/hook';
    expect(checkedOutboundWebhook({ url, secret: 'x'.repeat(16) }).secret).toHaveLength(16);
    expect(() => checkedOutboundWebhook({ url, secret: 'x'.repeat(15) })).toThrow(
      /longer than 15 characters/,
    );
    expect(() => checkedOutboundWebhook({ url: 'not a url', secret: 'x'.repeat(16) })).toThrow(
      /outboundWebhook\.url/,
    );
  });
});
