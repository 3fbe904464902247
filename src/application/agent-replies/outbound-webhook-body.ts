import { Ajv, type ErrorObject, type JSONSchemaType } from 'ajv';
import {
  epochMsToIso,
  isoToEpochMs,
  type AgentAttachment,
  type AgentOrigin,
  type AgentTypingEvent,
  type GuestIdType,
} from '../../domain/index.js';
import type { InputProblem } from '../commands/command-input.js';
import { isStorableText, UNSTORABLE_TEXT_REASON } from '../ledger/storable-text.js';
import type { AgentMessageArrival, AgentMessageBody } from './agent-message-arrival.js';

/**
 * The Open Messaging NormalizedMessage Genesys posts to the integration's outbound webhook
 * (docs/agent-replies.md): only the fields we read are checked; Genesys may add others.
 */
interface OutboundNormalizedMessage {
  id: string;
  channel: {
    to: { id: string; idType?: string | null };
    time?: string | null;
  };
  type: string;
  // JSON null is accepted wherever a field is optional (ajv's `nullable`), and read as absent.
  text?: string | null;
  content?:
    | {
        contentType: string;
        attachment?: {
          mediaType?: string | null;
          url?: string | null;
          mime?: string | null;
          filename?: string | null;
        } | null;
      }[]
    | null;
  events?:
    | { eventType: string; typing?: { type?: string | null; duration?: number | null } | null }[]
    | null;
  status?: string | null;
  reasons?: { code?: string | null; message?: string | null }[] | null;
  isFinalReceipt?: boolean | null;
  direction?: string | null;
  originatingEntity?: string | null;
}

const SHORT = 256;
const text = (maxLength: number) => ({ type: 'string', maxLength, nullable: true }) as const;

const schema: JSONSchemaType<OutboundNormalizedMessage> = {
  type: 'object',
  required: ['id', 'channel', 'type'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: SHORT },
    channel: {
      type: 'object',
      required: ['to'],
      properties: {
        to: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: SHORT }, idType: text(64) },
        },
        time: text(64),
      },
    },
    type: { type: 'string', enum: ['Text', 'Structured', 'Event', 'Receipt'] },
    text: text(1_000_000),
    content: {
      type: 'array',
      nullable: true,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['contentType'],
        properties: {
          contentType: { type: 'string', maxLength: 64 },
          attachment: {
            type: 'object',
            nullable: true,
            properties: {
              mediaType: text(64),
              url: text(8192),
              mime: text(255),
              filename: text(4096),
            },
          },
        },
      },
    },
    events: {
      type: 'array',
      nullable: true,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['eventType'],
        properties: {
          eventType: { type: 'string', maxLength: 64 },
          typing: {
            type: 'object',
            nullable: true,
            properties: {
              type: text(64),
              duration: { type: 'number', minimum: 0, nullable: true },
            },
          },
        },
      },
    },
    status: { type: 'string', minLength: 1, maxLength: 64, nullable: true },
    reasons: {
      type: 'array',
      nullable: true,
      maxItems: 50,
      items: {
        type: 'object',
        properties: { code: text(64), message: text(4096) },
      },
    },
    isFinalReceipt: { type: 'boolean', nullable: true },
    direction: text(64),
    originatingEntity: text(64),
  },
};

const ajv = new Ajv({ allErrors: true, strict: true });
const check = ajv.compile(schema);

export type OutboundBodyReading =
  | { readonly ok: true; readonly arrival: AgentMessageArrival }
  | { readonly ok: false; readonly problems: readonly InputProblem[] };

const GUEST_ID_TYPES: ReadonlySet<string> = new Set(['Opaque', 'Email', 'Phone']);

function problemsOf(errors: readonly ErrorObject[] | null | undefined): InputProblem[] {
  return (errors ?? []).map((error) =>
    error.keyword === 'required'
      ? {
          field: `${error.instancePath}/${String((error.params as { missingProperty?: unknown }).missingProperty)}`,
          message: 'is required',
        }
      : { field: error.instancePath, message: error.message ?? 'is invalid' },
  );
}

function one(field: string, message: string): OutboundBodyReading {
  return { ok: false, problems: [{ field, message }] };
}

function origin(value: string | null | undefined): AgentOrigin {
  return value === 'Human' || value === 'Bot' ? value : null;
}

function attachmentsOf(message: OutboundNormalizedMessage): AgentAttachment[] {
  return (message.content ?? []).flatMap(({ contentType, attachment }) =>
    contentType !== 'Attachment' || attachment === undefined || attachment === null
      ? []
      : [
          {
            mediaType: attachment.mediaType ?? 'File',
            mime: attachment.mime ?? null,
            url: attachment.url ?? null,
            filename: attachment.filename ?? null,
          },
        ],
  );
}

function eventsOf(message: OutboundNormalizedMessage): AgentTypingEvent[] {
  return (message.events ?? []).map(({ eventType, typing }) => ({
    eventType,
    typingType: typing?.type ?? null,
    durationMs: typing?.duration ?? null,
  }));
}

function bodyOf(message: OutboundNormalizedMessage): AgentMessageBody | InputProblem {
  switch (message.type) {
    case 'Receipt':
      if (message.status === undefined || message.status === null) {
        return { field: '/status', message: 'is required for a Receipt' };
      }
      return {
        type: 'Receipt',
        status: message.status,
        reasons: (message.reasons ?? []).map((reason) => ({
          code: reason.code ?? null,
          message: reason.message ?? '',
        })),
        isFinalReceipt: message.isFinalReceipt ?? null,
      };
    case 'Event':
      return { type: 'Event', events: eventsOf(message) };
    default: {
      const attachments = attachmentsOf(message);
      const words = message.text ?? null;
      if ((words === null || words === '') && attachments.length === 0) {
        return { field: '/text', message: 'a Text message needs text or an attachment' };
      }
      return { type: 'Text', text: words, attachments };
    }
  }
}

/** Genesys' time as our ledger writes times; null when it is not one. */
function sentAtOf(time: string | null | undefined): string | null {
  const ms = typeof time === 'string' ? isoToEpochMs(time) : null;
  return ms === null ? null : epochMsToIso(ms);
}

/**
 * Reads a webhook body (already parsed JSON) as one message from Genesys, or says every way it
 * is not one. A Text or Event that says it travels Inbound is not an agent's reply: refused.
 */
export function readOutboundWebhookBody(value: unknown): OutboundBodyReading {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return one('', 'must be a JSON object (one normalized message)');
  }
  if (!check(value)) return { ok: false, problems: problemsOf(check.errors) };
  const message = value;
  if (message.type !== 'Receipt' && message.direction === 'Inbound') {
    return one('/direction', 'must be Outbound: the outbound webhook carries agent messages');
  }
  // The message id names a stream and the guest id a conversation: key text (storable-text.ts).
  if (!isStorableText(message.id)) return one('/id', UNSTORABLE_TEXT_REASON);
  if (!isStorableText(message.channel.to.id)) return one('/channel/to/id', UNSTORABLE_TEXT_REASON);
  const body = bodyOf(message);
  if ('field' in body) return { ok: false, problems: [body] };
  const idType = message.channel.to.idType;
  const time = message.channel.time;
  return {
    ok: true,
    arrival: {
      channel: 'open-messaging',
      genesysMessageId: message.id,
      guest: {
        id: message.channel.to.id,
        idType:
          idType !== undefined && idType !== null && GUEST_ID_TYPES.has(idType)
            ? (idType as GuestIdType)
            : null,
      },
      originatingEntity: origin(message.originatingEntity),
      sentAt: sentAtOf(time),
      body,
    },
  };
}
