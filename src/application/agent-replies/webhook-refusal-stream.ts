import { createHash } from 'node:crypto';
import { epochMsToIso, hasErrorCode } from '../../domain/index.js';
import type { InputProblem } from '../commands/command-input.js';
import type { EventStore } from '../ports/index.js';

/**
 * A signed outbound-webhook delivery we refused (not JSON, not a normalized message, over the
 * body limit): its size, the SHA-256 of its body, the HTTP status answered and what was wrong,
 * never the body itself. One stream per body hash: the same bad body sent again is recorded once.
 */
export const AGENT_WEBHOOK_REFUSED = 'AgentWebhookRefused';
export const AGENT_WEBHOOK_REFUSED_SCHEMA_VERSION = 1;
const STREAM_PREFIX = 'agent-webhook-refused-';
const MAX_RECORDED_PROBLEMS = 20;
const MAX_FIELD_CHARS = 256;
const MAX_MESSAGE_CHARS = 512;

export interface WebhookRefusal {
  readonly sizeBytes: number;
  readonly bodySha256: string;
  /** What the webhook answered (400, 413). */
  readonly status: number;
  readonly problems: readonly InputProblem[];
}

export interface AgentWebhookRefusedV1Data {
  readonly sizeBytes: number;
  readonly bodySha256: string;
  readonly status: number;
  readonly problems: readonly InputProblem[];
  readonly problemCount: number;
  readonly refusedAt: string;
}

export interface RecordedWebhookRefusal {
  readonly streamId: string;
  readonly duplicate: boolean;
}

export function isWebhookRefusalStream(streamId: string): boolean {
  return streamId.startsWith(STREAM_PREFIX);
}

export function bodySha256(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

export async function recordWebhookRefusal(
  events: EventStore,
  refusal: WebhookRefusal,
  nowMs: number,
): Promise<RecordedWebhookRefusal> {
  const streamId = `${STREAM_PREFIX}${refusal.bodySha256}`;
  const data: AgentWebhookRefusedV1Data = {
    sizeBytes: refusal.sizeBytes,
    bodySha256: refusal.bodySha256,
    status: refusal.status,
    problems: refusal.problems.slice(0, MAX_RECORDED_PROBLEMS).map(({ field, message }) => ({
      field: field.slice(0, MAX_FIELD_CHARS),
      message: message.slice(0, MAX_MESSAGE_CHARS),
    })),
    problemCount: refusal.problems.length,
    refusedAt: epochMsToIso(nowMs),
  };
  try {
    await events.append({
      streamId,
      expectedVersion: 'noStream',
      events: [
        {
          type: AGENT_WEBHOOK_REFUSED,
          schemaVersion: AGENT_WEBHOOK_REFUSED_SCHEMA_VERSION,
          data,
          metadata: {},
        },
      ],
    });
  } catch (error) {
    if (hasErrorCode(error, 'LEDGER_VERSION_CONFLICT')) return { streamId, duplicate: true };
    throw error;
  }
  return { streamId, duplicate: false };
}
