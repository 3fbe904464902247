import type {
  FromRecipient,
  InboundEvent,
  InboundMessage,
  InboundReceipt,
} from './inbound-models.js';

/** Success bodies shaped like the SDK's response models (contract §3.3). */

interface Recipient {
  readonly id: string;
  readonly idType?: string;
}

export interface NormalizedChannel {
  readonly id: string;
  readonly platform: 'Open';
  readonly type: 'Private';
  readonly messageId?: string;
  readonly to: Recipient | FromRecipient;
  readonly from: Recipient | FromRecipient;
  readonly time: string;
  readonly metadata?: { readonly subType?: string };
}

export interface OpenMessageNormalizedMessage {
  readonly id: string;
  readonly channel: NormalizedChannel;
  readonly type: 'Text';
  readonly text?: string;
  readonly content?: readonly {
    readonly contentType: 'Attachment';
    readonly attachment: unknown;
  }[];
  readonly metadata?: Readonly<Record<string, string>>;
  readonly direction: 'Inbound';
  readonly conversationId?: string;
}

export interface OpenReceiptNormalizedMessage {
  readonly id: string;
  readonly channel: NormalizedChannel;
  readonly type: 'Receipt';
  readonly status: string;
  readonly reasons?: InboundReceipt['reasons'];
  readonly isFinalReceipt?: boolean;
  readonly direction: 'Inbound';
}

export interface OpenEventNormalizedMessage {
  readonly id: string;
  readonly channel: NormalizedChannel;
  readonly type: 'Event';
  readonly events: InboundEvent['events'];
}

function integrationRecipient(integrationId: string): Recipient {
  return { id: integrationId };
}

export function normalizedMessage(
  message: InboundMessage,
  integrationId: string,
  genesysMessageId: string,
  conversationId: string | undefined,
): OpenMessageNormalizedMessage {
  const { channel } = message;
  return {
    id: genesysMessageId,
    channel: {
      id: integrationId,
      platform: 'Open',
      type: 'Private',
      ...(channel.messageId === undefined ? {} : { messageId: channel.messageId }),
      to: integrationRecipient(integrationId),
      from: channel.from,
      time: channel.time,
      ...(channel.metadata === undefined ? {} : { metadata: channel.metadata }),
    },
    type: 'Text',
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.content === undefined || message.content.length === 0
      ? {}
      : {
          content: message.content.map((item) => ({
            contentType: 'Attachment' as const,
            attachment: item.attachment,
          })),
        }),
    ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
    direction: 'Inbound',
    ...(conversationId === undefined ? {} : { conversationId }),
  };
}

/** A receipt travels from the guest's platform about a message sent to the guest (`to`). */
export function normalizedReceipt(
  receipt: InboundReceipt,
  integrationId: string,
  genesysMessageId: string,
): OpenReceiptNormalizedMessage {
  return {
    id: genesysMessageId,
    channel: {
      id: integrationId,
      platform: 'Open',
      type: 'Private',
      messageId: receipt.id,
      to: receipt.channel.to,
      from: integrationRecipient(integrationId),
      time: receipt.channel.time,
    },
    type: 'Receipt',
    status: receipt.status,
    ...(receipt.reasons === undefined ? {} : { reasons: receipt.reasons }),
    ...(receipt.isFinalReceipt === undefined ? {} : { isFinalReceipt: receipt.isFinalReceipt }),
    direction: 'Inbound',
  };
}

export function normalizedEvent(
  event: InboundEvent,
  integrationId: string,
  genesysMessageId: string,
): OpenEventNormalizedMessage {
  return {
    id: genesysMessageId,
    channel: {
      id: integrationId,
      platform: 'Open',
      type: 'Private',
      to: integrationRecipient(integrationId),
      from: event.channel.from,
      time: event.channel.time,
    },
    type: 'Event',
    events: event.events,
  };
}
