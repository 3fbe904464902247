import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { SandboxOutboundWebhook } from '../types.js';
import type { WebhookDeliverySettings } from './agent-reply-settings.js';
import type { OutboundCounters } from './outbound-counters.js';
import type {
  WebhookAttempt,
  WebhookAttemptAnswer,
  WebhookDelivery,
  WebhookDeliveryOutcome,
} from './types.js';
import { SIGNATURE_HEADER, webhookSignature } from './webhook-signature.js';

const MAX_ANSWER_BYTES = 1_048_576;

/** One webhook to post: the NormalizedMessage and its id. */
export interface WebhookPayload {
  readonly messageId: string;
  readonly type: WebhookDelivery['type'];
  readonly message: unknown;
}

interface MutableDelivery extends Omit<WebhookDelivery, 'attempts' | 'outcome'> {
  readonly attempts: WebhookAttempt[];
  outcome: WebhookDeliveryOutcome;
}

/** Genesys retries a timeout or a retryable status (429, 5xx), never another 4xx (contract §9). */
function isRetryable(answer: WebhookAttemptAnswer): boolean {
  if (answer.kind !== 'status') return true;
  return answer.status === 429 || answer.status >= 500;
}

function networkCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

/**
 * Posts webhooks as Genesys does: signed over the exact body bytes, retried with a doubling
 * backoff on timeouts, network errors, 429 and 5xx, the same body (and so the same message id)
 * on every retry, and, under the retry storm fault, several copies of each. Every attempt and
 * its answer is recorded. Its own undici agent, so closing the sandbox cuts every connection.
 */
export class WebhookPoster {
  private readonly agent = new Agent({ keepAliveTimeout: 1000 });
  private readonly log: MutableDelivery[] = [];

  constructor(
    private readonly settings: () => WebhookDeliverySettings,
    private readonly counters: OutboundCounters,
    private readonly now: () => number,
    /** Aborted when the sandbox closes: pending attempts and backoffs stop at once. */
    private readonly closing: AbortSignal,
  ) {}

  deliveries(): readonly WebhookDelivery[] {
    return this.log.map((delivery) => ({ ...delivery, attempts: [...delivery.attempts] }));
  }

  clear(): void {
    this.log.length = 0;
  }

  /** Every copy of one webhook, to its last attempt. Never rejects: outcomes are recorded. */
  async deliver(webhook: SandboxOutboundWebhook, payload: WebhookPayload): Promise<void> {
    const settings = this.settings();
    const bytes = Buffer.from(JSON.stringify(payload.message), 'utf8');
    const signature = webhookSignature(bytes, webhook.secret);
    const copy = (number: number) =>
      this.deliverCopy(settings, webhook.url, payload, bytes, signature, number);
    const together = Array.from({ length: settings.concurrentCopies }, (_, index) => index + 1);
    await Promise.all(together.map(copy));
    for (let number = settings.concurrentCopies + 1; number <= settings.copies; number++) {
      await copy(number);
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private async deliverCopy(
    settings: WebhookDeliverySettings,
    url: string,
    payload: WebhookPayload,
    bytes: Buffer,
    signature: string,
    copy: number,
  ): Promise<void> {
    const delivery: MutableDelivery = {
      messageId: payload.messageId,
      type: payload.type,
      url,
      copy,
      body: bytes.toString('utf8'),
      signature,
      attempts: [],
      outcome: 'pending',
    };
    this.log.push(delivery);
    for (let attempt = 1; attempt <= settings.maxRetries + 1; attempt++) {
      if (attempt > 1) {
        const waited = await this.backOff(settings.backoffMs * 2 ** (attempt - 2));
        if (!waited) break;
        this.counters.retries += 1;
      }
      if (this.closing.aborted) break;
      const sentAt = new Date(this.now()).toISOString();
      const answer = await this.attempt(settings, url, bytes, signature);
      if (answer === 'closing') break;
      this.counters.attempts += 1;
      if (answer.kind === 'timeout') this.counters.timeouts += 1;
      delivery.attempts.push({ attempt, answer, sentAt });
      if (answer.kind === 'status' && answer.status >= 200 && answer.status < 300) {
        delivery.outcome = 'delivered';
        this.counters.delivered += 1;
        return;
      }
      if (!isRetryable(answer)) {
        delivery.outcome = 'refused';
        this.counters.refused += 1;
        return;
      }
    }
    if (this.closing.aborted) {
      delivery.outcome = 'abandoned';
      return;
    }
    delivery.outcome = 'gaveUp';
    this.counters.gaveUp += 1;
  }

  /** False when the sandbox closed during the wait. */
  private async backOff(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.closing, ref: false });
      return true;
    } catch {
      return false;
    }
  }

  private async attempt(
    settings: WebhookDeliverySettings,
    url: string,
    bytes: Buffer,
    signature: string,
  ): Promise<WebhookAttemptAnswer | 'closing'> {
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    try {
      const answer = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signature,
        },
        body: bytes,
        signal: AbortSignal.any([timeout, this.closing]),
      });
      // The answer is read to its end, within the same timeout, so the connection can be reused;
      // a larger one closes the connection instead.
      await answer.body.dump({
        limit: MAX_ANSWER_BYTES,
        signal: AbortSignal.any([timeout, this.closing]),
      });
      return { kind: 'status', status: answer.statusCode };
    } catch (error) {
      if (this.closing.aborted) return 'closing';
      if (timeout.aborted) return { kind: 'timeout' };
      return { kind: 'networkError', code: networkCode(error) };
    }
  }
}
