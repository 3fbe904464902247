/**
 * The agent side's options, checked and with their defaults. Every refusal is a
 * SandboxSettingError naming the option, thrown before the sandbox listens or, for the runtime
 * setters, before anything changes.
 */
import type { SandboxOutboundWebhook } from '../types.js';
import { SandboxSettingError } from '../sandbox-setting-error.js';
import { DEFAULT_REPLY_TEXT, ReplyTemplate } from './reply-text.js';
import type {
  SandboxAgentAttachment,
  SandboxAgentReplies,
  SandboxOriginatingEntity,
  SandboxWebhookDelivery,
} from './types.js';

/** Genesys: "This token must be longer than 15 characters" (`OpenIntegrationRequest`). */
const MIN_SECRET_LENGTH = 16;
const MEDIA_TYPES: readonly SandboxAgentAttachment['mediaType'][] = [
  'Image',
  'Video',
  'Audio',
  'File',
  'Link',
];

export interface AgentReplySettings {
  readonly template: ReplyTemplate;
  readonly attachment: SandboxAgentAttachment | null;
  readonly originatingEntity: SandboxOriginatingEntity;
  readonly agentNickname: string;
  readonly delayMs: number;
  readonly receipts: boolean;
  readonly reply: boolean;
}

export interface WebhookDeliverySettings {
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly backoffMs: number;
  readonly copies: number;
  readonly concurrentCopies: number;
}

function httpUrl(setting: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SandboxSettingError(setting, `"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SandboxSettingError(setting, `"${text}" is not an http or https URL`);
  }
  return url.toString();
}

function wholeNumber(setting: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SandboxSettingError(
      setting,
      `must be a whole number from ${min} to ${max} (got ${value})`,
    );
  }
  return value;
}

/** The webhook as given, once its URL and secret are fit for Genesys. */
export function checkedOutboundWebhook(webhook: SandboxOutboundWebhook): SandboxOutboundWebhook {
  const url = httpUrl('outboundWebhook.url', webhook.url);
  if (webhook.secret.length < MIN_SECRET_LENGTH) {
    throw new SandboxSettingError(
      'outboundWebhook.secret',
      `the signature secret must be longer than 15 characters, as Genesys requires (got ${webhook.secret.length})`,
    );
  }
  return { url, secret: webhook.secret };
}

function isMediaType(value: string): value is SandboxAgentAttachment['mediaType'] {
  return (MEDIA_TYPES as readonly string[]).includes(value);
}

/** Options may come from JavaScript or a command line, so the enums are checked too. */
function checkedAttachment(attachment: SandboxAgentAttachment): SandboxAgentAttachment {
  const mediaType: string = attachment.mediaType;
  if (!isMediaType(mediaType)) {
    throw new SandboxSettingError(
      'agentReplies.attachment.mediaType',
      `must be one of ${MEDIA_TYPES.join(', ')} (got "${mediaType}")`,
    );
  }
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i.test(attachment.mime)) {
    throw new SandboxSettingError(
      'agentReplies.attachment.mime',
      `"${attachment.mime}" is not a MIME type`,
    );
  }
  return {
    mediaType: attachment.mediaType,
    url: httpUrl('agentReplies.attachment.url', attachment.url),
    mime: attachment.mime,
    ...(attachment.filename === undefined ? {} : { filename: attachment.filename }),
  };
}

export function resolveAgentReplies(replies: SandboxAgentReplies): AgentReplySettings {
  const entity: string = replies.originatingEntity ?? 'Human';
  if (entity !== 'Human' && entity !== 'Bot') {
    throw new SandboxSettingError(
      'agentReplies.originatingEntity',
      `must be Human or Bot (got "${entity}")`,
    );
  }
  const originatingEntity: SandboxOriginatingEntity = entity;
  const agentNickname = replies.agentNickname ?? 'Sandbox Agent';
  if (agentNickname.trim() === '') {
    throw new SandboxSettingError('agentReplies.agentNickname', 'the nickname is empty');
  }
  return {
    template: ReplyTemplate.parse(replies.text ?? DEFAULT_REPLY_TEXT),
    attachment: replies.attachment === undefined ? null : checkedAttachment(replies.attachment),
    originatingEntity,
    agentNickname,
    delayMs: wholeNumber('agentReplies.delayMs', replies.delayMs ?? 250, 0, 3_600_000),
    receipts: replies.receipts ?? false,
    reply: replies.reply ?? true,
  };
}

export function resolveWebhookDelivery(delivery: SandboxWebhookDelivery): WebhookDeliverySettings {
  const copies = wholeNumber('webhookDelivery.copies', delivery.copies ?? 1, 1, 100);
  return {
    timeoutMs: wholeNumber('webhookDelivery.timeoutMs', delivery.timeoutMs ?? 10_000, 1, 600_000),
    maxRetries: wholeNumber('webhookDelivery.maxRetries', delivery.maxRetries ?? 5, 0, 20),
    backoffMs: wholeNumber('webhookDelivery.backoffMs', delivery.backoffMs ?? 1000, 0, 600_000),
    copies,
    concurrentCopies: wholeNumber(
      'webhookDelivery.concurrentCopies',
      delivery.concurrentCopies ?? copies,
      1,
      copies,
    ),
  };
}
