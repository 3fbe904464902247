import type { AgentMessageArrival } from '../../../application/agent-replies/agent-message-arrival.js';
import {
  epochMsToIso,
  isoToEpochMs,
  type AgentAttachment,
  type AgentOrigin,
  type AgentTypingEvent,
} from '../../../domain/index.js';

type Json = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function attachmentsOf(body: Json): AgentAttachment[] {
  return records(body['content']).flatMap((item) => {
    const attachment = item['attachment'];
    if (str(item['contentType']) !== 'Attachment' || !isRecord(attachment)) return [];
    return [
      {
        mediaType: str(attachment['mediaType']) ?? 'File',
        mime: str(attachment['mime']),
        url: str(attachment['url']),
        filename: str(attachment['filename']),
      },
    ];
  });
}

function eventsOf(body: Json): AgentTypingEvent[] {
  return records(body['events']).flatMap((event) => {
    const eventType = str(event['eventType']);
    if (eventType === null) return [];
    const typing = isRecord(event['typing']) ? event['typing'] : {};
    const duration = typing['duration'];
    return [
      {
        eventType,
        typingType: str(typing['type']),
        durationMs: typeof duration === 'number' && Number.isFinite(duration) ? duration : null,
      },
    ];
  });
}

/**
 * An Outbound `StructuredMessage` on a guest's socket (contract §4.3) as an agent message
 * arrival: the guest is the socket's own, the Genesys id the frame's `id`. A frame that carries
 * neither text, attachments nor events is not a message to record: null.
 */
export function agentArrivalOfFrame(
  id: string,
  body: Json,
  guestId: string,
): AgentMessageArrival | null {
  const channel = isRecord(body['channel']) ? body['channel'] : {};
  const time = str(channel['time']);
  const timeMs = time === null ? null : isoToEpochMs(time);
  const origin = str(body['originatingEntity']);
  const originatingEntity: AgentOrigin = origin === 'Human' || origin === 'Bot' ? origin : null;
  const common = {
    channel: 'web-messaging' as const,
    genesysMessageId: id,
    guest: { id: guestId, idType: null },
    originatingEntity,
    sentAt: timeMs === null ? null : epochMsToIso(timeMs),
  };
  if (str(body['type']) === 'Event') {
    const events = eventsOf(body);
    return events.length === 0 ? null : { ...common, body: { type: 'Event', events } };
  }
  const text = str(body['text']);
  const attachments = attachmentsOf(body);
  if (text === null && attachments.length === 0) return null;
  return { ...common, body: { type: 'Text', text, attachments } };
}
