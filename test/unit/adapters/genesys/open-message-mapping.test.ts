import { describe, expect, it } from 'vitest';
import {
  deliveryOf,
  mediaTypeForMime,
  toOpenMessagingCall,
} from '../../../../src/adapters/genesys/open-messaging/open-message-mapping.js';
import type {
  Guest,
  ReceiptReason,
  ReceiptStatus,
  TransmissionContent,
} from '../../../../src/domain/index.js';

const context = { commandId: 'cmd-1', timeIso: '2026-11-28T12:00:00.000Z' };
const fullGuest: Guest = {
  id: 'guest-1',
  idType: 'Email',
  nickname: 'Ada',
  firstName: 'Ada',
  lastName: 'Lovelace',
};
const bareGuest: Guest = { id: 'guest-2', idType: 'Opaque' };

describe('toOpenMessagingCall: messages', () => {
  it('maps every field of a message with attachments and metadata', () => {
    const content: TransmissionContent = {
      kind: 'message',
      guest: fullGuest,
      text: 'hello',
      attachments: [
        {
          url: 'https://files.example.com/cat.png',
          mime: 'image/png',
          filename: 'cat.png',
          sizeBytes: 10,
          sha256: 'ab'.repeat(32),
          caption: 'a cat',
        },
        {
          url: 'https://files.example.com/doc.pdf',
          mime: 'application/pdf',
          filename: 'doc.pdf',
          sizeBytes: 20,
        },
      ],
      metadata: { orderId: '42' },
    };
    expect(toOpenMessagingCall(content, context)).toEqual({
      endpoint: 'message',
      body: {
        channel: {
          from: {
            id: 'guest-1',
            idType: 'Email',
            nickname: 'Ada',
            firstName: 'Ada',
            lastName: 'Lovelace',
          },
          time: '2026-11-28T12:00:00.000Z',
          messageId: 'cmd-1',
        },
        text: 'hello',
        content: [
          {
            attachment: {
              mediaType: 'Image',
              url: 'https://files.example.com/cat.png',
              mime: 'image/png',
              filename: 'cat.png',
              sha256: 'ab'.repeat(32),
              text: 'a cat',
            },
          },
          {
            attachment: {
              mediaType: 'File',
              url: 'https://files.example.com/doc.pdf',
              mime: 'application/pdf',
              filename: 'doc.pdf',
            },
          },
        ],
        metadata: { orderId: '42' },
      },
    });
  });

  it('leaves absent optional fields out instead of sending undefined', () => {
    const call = toOpenMessagingCall(
      { kind: 'message', guest: bareGuest, attachments: [], metadata: {} },
      context,
    );
    expect(call.endpoint).toBe('message');
    expect(Object.keys(call.body)).toEqual(['channel']);
    expect(JSON.stringify(call.body)).toBe(
      '{"channel":{"from":{"id":"guest-2","idType":"Opaque"},"time":"2026-11-28T12:00:00.000Z","messageId":"cmd-1"}}',
    );
  });

  it('copies metadata rather than sharing the domain object', () => {
    const metadata = { a: '1' };
    const call = toOpenMessagingCall(
      { kind: 'message', guest: bareGuest, attachments: [], metadata },
      context,
    );
    if (call.endpoint !== 'message') throw new Error('expected a message');
    expect(call.body.metadata).toEqual(metadata);
    expect(call.body.metadata).not.toBe(metadata);
  });
});

describe('toOpenMessagingCall: receipts and typing', () => {
  const receiptCall = (
    guest: Guest,
    messageId: string,
    status: ReceiptStatus,
    reasons: readonly ReceiptReason[] = [],
  ) => toOpenMessagingCall({ kind: 'receipt', guest, messageId, status, reasons }, context);

  it('maps a Delivered receipt to the agent message it acknowledges', () => {
    const call = receiptCall(fullGuest, 'agent-msg-9', 'Delivered');
    expect(call).toEqual({
      endpoint: 'receipt',
      body: {
        id: 'agent-msg-9',
        channel: { to: { id: 'guest-1', idType: 'Email' }, time: '2026-11-28T12:00:00.000Z' },
        status: 'Delivered',
        isFinalReceipt: true,
      },
    });
  });

  it('carries the reasons of a Failed receipt', () => {
    const call = receiptCall(bareGuest, 'agent-msg-10', 'Failed', [
      { code: 'GeneralError', message: 'could not show it' },
      { message: 'no code' },
    ]);
    expect(call.body).toMatchObject({
      status: 'Failed',
      reasons: [{ code: 'GeneralError', message: 'could not show it' }, { message: 'no code' }],
    });
    expect(JSON.stringify(call.body)).not.toContain('undefined');
  });

  it('maps typing to a Typing On event from the guest', () => {
    expect(toOpenMessagingCall({ kind: 'typing', guest: bareGuest }, context)).toEqual({
      endpoint: 'event',
      body: {
        channel: { from: { id: 'guest-2', idType: 'Opaque' }, time: '2026-11-28T12:00:00.000Z' },
        events: [{ eventType: 'Typing', typing: { type: 'On' } }],
      },
    });
  });
});

describe('mediaTypeForMime', () => {
  it.each([
    ['image/png', 'Image'],
    ['IMAGE/JPEG', 'Image'],
    ['image/svg+xml; charset=utf-8', 'Image'],
    ['video/mp4', 'Video'],
    ['audio/mpeg', 'Audio'],
    ['application/pdf', 'File'],
    ['text/plain', 'File'],
    ['image', 'Image'],
    ['', 'File'],
  ])('%j → %s', (mime, mediaType) => {
    expect(mediaTypeForMime(mime)).toBe(mediaType);
  });
});

describe('deliveryOf', () => {
  it('reads the message id, conversation id, correlation id and budget', () => {
    const response = {
      status: 200,
      statusText: 'OK',
      headers: {
        'inin-correlation-id': 'corr-1',
        'inin-ratelimit-allowed': '300',
        'inin-ratelimit-count': '2',
        'inin-ratelimit-reset': '58',
      },
      body: { id: 'gen-msg-1', conversationId: 'conv-1', type: 'Text' },
      error: null,
    };
    expect(deliveryOf(response)).toEqual({
      genesysMessageId: 'gen-msg-1',
      genesysConversationId: 'conv-1',
      correlationId: 'corr-1',
      rateLimit: { allowed: 300, count: 2, resetMs: 58_000 },
    });
  });

  it('answers null for a missing conversation id and an empty id for a body without one', () => {
    expect(deliveryOf({ status: 202, headers: {}, body: '' })).toEqual({
      genesysMessageId: '',
      genesysConversationId: null,
      correlationId: null,
    });
    expect(deliveryOf(undefined).genesysMessageId).toBe('');
  });
});
