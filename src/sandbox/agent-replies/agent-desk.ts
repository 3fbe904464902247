import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxOutboundWebhook } from '../types.js';
import {
  checkedOutboundWebhook,
  resolveAgentReplies,
  resolveWebhookDelivery,
} from './agent-reply-settings.js';
import type { AgentReplySettings, WebhookDeliverySettings } from './agent-reply-settings.js';
import { emptyOutboundCounters } from './outbound-counters.js';
import { outboundDeliveredReceipt, outboundTextMessage } from './outbound-bodies.js';
import type {
  SandboxAcknowledgement,
  SandboxAgentMessage,
  SandboxAgentReplies,
  SandboxOutboundStats,
  SandboxWebhookDelivery,
  WebhookDelivery,
} from './types.js';
import { WebhookPoster } from './webhook-poster.js';

/** A guest message the Open Messaging inbound endpoint accepted (its first copy). */
export interface AcceptedOpenMessage {
  readonly integrationId: string;
  readonly guestId: string;
  readonly guestMessageId: string | null;
  readonly genesysMessageId: string;
  readonly text: string;
  readonly attachments: number;
}

/** A guest message accepted on a Web Messaging socket. */
export interface AcceptedWebMessage {
  readonly sessionId: string;
  readonly genesysMessageId: string;
  readonly text: string;
  readonly attachments: number;
}

/** A receipt the Open Messaging receipt endpoint accepted. */
export interface AcceptedReceipt {
  readonly receiptId: string;
  readonly status: string;
  readonly reasons?: unknown;
}

export interface AgentDeskOptions {
  readonly agentReplies: SandboxAgentReplies | null;
  readonly outboundWebhook: SandboxOutboundWebhook | null;
  readonly webhookDelivery: SandboxWebhookDelivery;
  readonly now: () => number;
  readonly closing: AbortSignal;
}

interface MutableAgentMessage extends Omit<SandboxAgentMessage, 'acknowledgements'> {
  readonly acknowledgements: SandboxAcknowledgement[];
}

/**
 * The agent on the other side of the sandbox: it answers each accepted guest message after the
 * configured delay, on the integration's webhook (Open Messaging) or the guest's socket (Web
 * Messaging), and remembers what it sent so the middleware's receipts for it can be seen. Work
 * runs beside the inbound answers, never before them: an inbound endpoint only schedules it.
 */
export class AgentDesk {
  private replies: AgentReplySettings | null;
  private webhook: SandboxOutboundWebhook | null;
  private delivery: WebhookDeliverySettings;
  private readonly counters = emptyOutboundCounters();
  private readonly poster: WebhookPoster;
  private readonly sent = new Map<string, MutableAgentMessage>();
  private readonly pending = new Set<Promise<void>>();

  /** Throws a SandboxSettingError for any option that cannot work. */
  constructor(private readonly options: AgentDeskOptions) {
    this.replies = options.agentReplies === null ? null : resolveAgentReplies(options.agentReplies);
    this.webhook =
      options.outboundWebhook === null ? null : checkedOutboundWebhook(options.outboundWebhook);
    this.delivery = resolveWebhookDelivery(options.webhookDelivery);
    this.poster = new WebhookPoster(
      () => this.delivery,
      this.counters,
      options.now,
      options.closing,
    );
  }

  outboundWebhook(): SandboxOutboundWebhook | null {
    return this.webhook;
  }

  setOutboundWebhook(webhook: SandboxOutboundWebhook | null): void {
    this.webhook = webhook === null ? null : checkedOutboundWebhook(webhook);
  }

  setAgentReplies(replies: SandboxAgentReplies | null): void {
    this.replies = replies === null ? null : resolveAgentReplies(replies);
  }

  setWebhookDelivery(delivery: SandboxWebhookDelivery): void {
    this.delivery = resolveWebhookDelivery(delivery);
  }

  deliveries(): readonly WebhookDelivery[] {
    return this.poster.deliveries();
  }

  agentMessages(): readonly SandboxAgentMessage[] {
    return [...this.sent.values()].map((message) => ({
      ...message,
      acknowledgements: [...message.acknowledgements],
    }));
  }

  stats(): SandboxOutboundStats {
    return { ...this.counters };
  }

  /** Resolves once no reply is waiting for its delay and no webhook is being delivered. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Forgets deliveries, agent messages and counters; settings stay. */
  reset(): void {
    this.poster.clear();
    this.sent.clear();
    Object.assign(this.counters, emptyOutboundCounters());
  }

  async close(): Promise<void> {
    await this.settled();
    await this.poster.close();
  }

  openMessageAccepted(message: AcceptedOpenMessage): void {
    const replies = this.replies;
    if (replies === null) return;
    this.track(this.answerOpenMessage(replies, message));
  }

  webMessageAccepted(message: AcceptedWebMessage, push: (body: unknown) => void): void {
    const replies = this.replies;
    if (replies === null || !replies.reply) return;
    this.track(this.answerWebMessage(replies, message, push));
  }

  /** A receipt whose id is one of our agent messages acknowledges it; any other is not ours. */
  receiptAccepted(receipt: AcceptedReceipt): void {
    const message = this.sent.get(receipt.receiptId);
    if (message === undefined) return;
    this.counters.acknowledged += 1;
    message.acknowledgements.push({
      status: receipt.status,
      ...(receipt.reasons === undefined ? {} : { reasons: receipt.reasons }),
      receivedAt: this.isoNow(),
    });
  }

  private async answerOpenMessage(
    replies: AgentReplySettings,
    message: AcceptedOpenMessage,
  ): Promise<void> {
    if (replies.receipts) {
      const receipt = outboundDeliveredReceipt({
        genesysMessageId: message.genesysMessageId,
        guestMessageId: message.guestMessageId,
        integrationId: message.integrationId,
        guestId: message.guestId,
        time: this.isoNow(),
      });
      this.counters.receiptsPosted += 1;
      this.track(this.post({ messageId: receipt.id, type: 'Receipt', message: receipt }));
    }
    if (!replies.reply || !(await this.waited(replies.delayMs))) return;
    const id = randomUUID();
    const text = replies.template.render({
      messageId: message.guestMessageId ?? message.genesysMessageId,
      text: message.text,
      attachments: message.attachments,
    });
    const sentAt = this.isoNow();
    const body = outboundTextMessage({
      id,
      integrationId: message.integrationId,
      guestId: message.guestId,
      agentNickname: replies.agentNickname,
      text,
      attachment: replies.attachment,
      originatingEntity: replies.originatingEntity,
      time: sentAt,
    });
    const webhook = this.webhook;
    if (webhook === null) {
      this.counters.withoutWebhook += 1;
      return;
    }
    this.remember({
      id,
      protocol: 'openMessaging',
      integrationId: message.integrationId,
      guestId: message.guestId,
      inReplyTo: message.genesysMessageId,
      text,
      originatingEntity: replies.originatingEntity,
      sentAt,
      acknowledgements: [],
    });
    await this.poster.deliver(webhook, { messageId: id, type: 'Text', message: body });
  }

  private async answerWebMessage(
    replies: AgentReplySettings,
    message: AcceptedWebMessage,
    push: (body: unknown) => void,
  ): Promise<void> {
    if (!(await this.waited(replies.delayMs))) return;
    const id = randomUUID();
    const text = replies.template.render({
      messageId: message.genesysMessageId,
      text: message.text,
      attachments: message.attachments,
    });
    const sentAt = this.isoNow();
    const { attachment } = replies;
    this.remember({
      id,
      protocol: 'webMessaging',
      integrationId: null,
      guestId: message.sessionId,
      inReplyTo: message.genesysMessageId,
      text,
      originatingEntity: replies.originatingEntity,
      sentAt,
      acknowledgements: [],
    });
    // The StructuredMessage an agent's message arrives as on the guest's socket (contract §4.3, §9).
    push({
      id,
      type: 'Text',
      text,
      direction: 'Outbound',
      channel: {
        time: sentAt,
        messageId: id,
        type: 'Private',
        from: { nickname: replies.agentNickname },
      },
      ...(attachment === null
        ? {}
        : {
            content: [
              { contentType: 'Attachment', attachment: { id: randomUUID(), ...attachment } },
            ],
          }),
      originatingEntity: replies.originatingEntity,
    });
  }

  private async post(payload: Parameters<WebhookPoster['deliver']>[1]): Promise<void> {
    const webhook = this.webhook;
    if (webhook === null) {
      this.counters.withoutWebhook += 1;
      return;
    }
    await this.poster.deliver(webhook, payload);
  }

  private remember(message: MutableAgentMessage): void {
    this.counters.agentMessages += 1;
    this.sent.set(message.id, message);
  }

  /** False when the sandbox closed during the delay. */
  private async waited(ms: number): Promise<boolean> {
    if (ms === 0) return !this.options.closing.aborted;
    try {
      await sleep(ms, undefined, { signal: this.options.closing, ref: false });
      return true;
    } catch {
      return false;
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private isoNow(): string {
    return new Date(this.options.now()).toISOString();
  }
}
