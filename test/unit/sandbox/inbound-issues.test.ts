import { describe, expect, it } from 'vitest';
import type { FieldIssue } from '../../../src/sandbox/open-messaging/genesys-errors.js';
import { inboundIssues } from '../../../src/sandbox/open-messaging/inbound-issues.js';
import {
  INBOUND_SCHEMAS,
  inboundAjv,
} from '../../../src/sandbox/open-messaging/inbound-schemas.js';
import type { MessagingEndpoint } from '../../../src/sandbox/open-messaging/types.js';

/** The 400 details of the inbound endpoints: ajv's errors and the endpoint checks, as Genesys lists them. */

const ajv = inboundAjv();
const validators = {
  message: ajv.compile(INBOUND_SCHEMAS.message),
  receipt: ajv.compile(INBOUND_SCHEMAS.receipt),
  event: ajv.compile(INBOUND_SCHEMAS.event),
};

function issuesOf(endpoint: MessagingEndpoint, body: unknown): FieldIssue[] {
  const validate = validators[endpoint];
  validate(body);
  return inboundIssues(endpoint, body, validate.errors ?? []);
}

const from = { id: 'guest-a', idType: 'Phone' };
const time = '2026-11-28T10:00:00Z';

describe('inbound message issues', () => {
  it('finds none in a valid message, extra properties included', () => {
    expect(issuesOf('message', { channel: { from, time }, text: 'hi', extra: [1] })).toEqual([]);
  });

  it('names the body itself when it is not an object', () => {
    for (const body of [null, [], 'text', 5]) {
      expect(issuesOf('message', body)).toEqual([{ fieldName: 'body', errorCode: 'invalid.type' }]);
    }
  });

  it('reports one issue per field, the most basic one', () => {
    const body = {
      channel: { from: { id: '  ', idType: ' ' }, time: ' ' },
      text: null,
      content: [{ attachment: { mediaType: 7, url: 'u', mime: 'm' } }],
    };

    expect(issuesOf('message', body)).toEqual([
      { fieldName: 'channel.from.id', errorCode: 'field.empty' },
      { fieldName: 'channel.from.idType', errorCode: 'field.empty' },
      { fieldName: 'channel.time', errorCode: 'field.empty' },
      { fieldName: 'text', errorCode: 'invalid.type' },
      { fieldName: 'content[0].attachment.mediaType', errorCode: 'invalid.type' },
    ]);
  });

  it('lists fields in the order of the model, map keys as sent, and the body rule last', () => {
    const body = {
      metadata: { 'z/y': 1, a: 2 },
      content: 'none',
      channel: { time: 'yesterday', from: { idType: 'Fax', id: 'g' } },
    };

    expect(issuesOf('message', body)).toEqual([
      { fieldName: 'channel.from.idType', errorCode: 'invalid.enum.value' },
      { fieldName: 'channel.time', errorCode: 'invalid.date.time' },
      { fieldName: 'content', errorCode: 'invalid.type' },
      { fieldName: 'metadata.z/y', errorCode: 'invalid.type' },
      { fieldName: 'metadata.a', errorCode: 'invalid.type' },
      { fieldName: 'text', errorCode: 'text.or.content.required' },
    ]);
  });

  it('needs a text or a content item, but an empty text beside content is fine', () => {
    const attachment = { mediaType: 'Image', url: 'https://x/y.png', mime: 'image/png' };

    expect(issuesOf('message', { channel: { from, time }, text: '' })).toEqual([
      { fieldName: 'text', errorCode: 'text.or.content.required' },
    ]);
    expect(
      issuesOf('message', { channel: { from, time }, text: '', content: [{ attachment }] }),
    ).toEqual([]);
  });
});

describe('inbound receipt issues', () => {
  const channel = { to: { id: 'guest-a' }, time };

  it('tells a status the endpoint refuses from one the model does not know', () => {
    expect(issuesOf('receipt', { id: 'r', channel, status: 'Published' })).toEqual([
      { fieldName: 'status', errorCode: 'unsupported.receipt.status' },
    ]);
    expect(issuesOf('receipt', { id: 'r', channel, status: 'Read' })).toEqual([
      { fieldName: 'status', errorCode: 'invalid.enum.value' },
    ]);
  });

  it('refuses reasons unless the status is Failed, before the reasons own issues', () => {
    const body = { id: 'r', channel, status: 'Delivered', reasons: [{ code: 'Oops' }] };

    expect(issuesOf('receipt', body)).toEqual([
      { fieldName: 'reasons', errorCode: 'reasons.only.with.failed' },
      { fieldName: 'reasons[0].message', errorCode: 'field.required' },
      { fieldName: 'reasons[0].code', errorCode: 'invalid.enum.value' },
    ]);
  });

  it('accepts an optional idType that is absent but not one that is empty', () => {
    expect(issuesOf('receipt', { id: 'r', channel, status: 'Failed' })).toEqual([]);
    const emptyIdType = { ...channel, to: { id: 'guest-a', idType: '' } };
    expect(issuesOf('receipt', { id: 'r', channel: emptyIdType, status: 'Failed' })).toEqual([
      { fieldName: 'channel.to.idType', errorCode: 'invalid.enum.value' },
    ]);
  });
});

describe('inbound event issues', () => {
  it('needs at least one event, and a typing duration that is a number from 0', () => {
    expect(issuesOf('event', { channel: { from, time }, events: [] })).toEqual([
      { fieldName: 'events', errorCode: 'field.empty' },
    ]);
    const typing = { type: 'On', duration: -1 };
    expect(
      issuesOf('event', { channel: { from, time }, events: [{ eventType: 'Typing', typing }] }),
    ).toEqual([{ fieldName: 'events[0].typing.duration', errorCode: 'invalid.type' }]);
  });
});
