/**
 * What Genesys posts to the integration's outbound webhook, in the Open NormalizedMessage format
 * (contract §9; SDK `OpenNormalizedMessage`): an agent's message to the guest, and Genesys'
 * receipt for a guest message.
 */
import type { SandboxAgentAttachment, SandboxOriginatingEntity } from './types.js';

interface OutboundChannel {
  readonly id: string;
  readonly platform: 'Open';
  readonly type: 'Private';
  readonly messageId?: string;
  readonly to: { readonly id: string };
  readonly from: { readonly id: string; readonly idType: 'Opaque'; readonly nickname?: string };
  readonly time: string;
}

export interface OutboundTextMessage {
  readonly id: string;
  readonly channel: OutboundChannel;
  readonly type: 'Text';
  readonly text: string;
  readonly content?: readonly {
    readonly contentType: 'Attachment';
    readonly attachment: SandboxAgentAttachment;
  }[];
  readonly direction: 'Outbound';
  readonly originatingEntity: SandboxOriginatingEntity;
}

export interface OutboundReceipt {
  readonly id: string;
  readonly channel: OutboundChannel;
  readonly type: 'Receipt';
  readonly status: 'Delivered';
  readonly isFinalReceipt: true;
  readonly direction: 'Outbound';
}

export interface AgentTextFields {
  readonly id: string;
  readonly integrationId: string;
  /** The guest: `channel.from.id` of the message answered. */
  readonly guestId: string;
  readonly agentNickname: string;
  readonly text: string;
  readonly attachment: SandboxAgentAttachment | null;
  readonly originatingEntity: SandboxOriginatingEntity;
  /** ISO-8601. */
  readonly time: string;
}

export function outboundTextMessage(fields: AgentTextFields): OutboundTextMessage {
  return {
    id: fields.id,
    channel: {
      id: fields.integrationId,
      platform: 'Open',
      type: 'Private',
      to: { id: fields.guestId },
      from: { id: fields.integrationId, idType: 'Opaque', nickname: fields.agentNickname },
      time: fields.time,
    },
    type: 'Text',
    text: fields.text,
    ...(fields.attachment === null
      ? {}
      : { content: [{ contentType: 'Attachment' as const, attachment: fields.attachment }] }),
    direction: 'Outbound',
    originatingEntity: fields.originatingEntity,
  };
}

export interface ReceiptFields {
  /** The id Genesys gave the guest message when it accepted it. */
  readonly genesysMessageId: string;
  /** The guest message's own `channel.messageId`, when it had one. */
  readonly guestMessageId: string | null;
  readonly integrationId: string;
  readonly guestId: string;
  /** ISO-8601. */
  readonly time: string;
}

/** Genesys' receipt for a guest message: `id` is Genesys' id of it, `channel.messageId` the guest's. */
export function outboundDeliveredReceipt(fields: ReceiptFields): OutboundReceipt {
  return {
    id: fields.genesysMessageId,
    channel: {
      id: fields.integrationId,
      platform: 'Open',
      type: 'Private',
      ...(fields.guestMessageId === null ? {} : { messageId: fields.guestMessageId }),
      to: { id: fields.guestId },
      from: { id: fields.integrationId, idType: 'Opaque' },
      time: fields.time,
    },
    type: 'Receipt',
    status: 'Delivered',
    isFinalReceipt: true,
    direction: 'Outbound',
  };
}
