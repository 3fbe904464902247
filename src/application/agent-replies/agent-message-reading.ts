import {
  AGENT_MESSAGE_EVENT_TYPES,
  isoToEpochMs,
  type AgentMessageEvent,
  type AgentMessageEventType,
} from '../../domain/index.js';
import { LedgerCorruptError } from '../errors.js';
import type { RecordedEvent } from '../ports/event-store.port.js';
import { isSealedContent } from '../privacy/sealed-content.js';

type Check = readonly [test: (value: unknown) => boolean, expected: string];

const isString = (v: unknown): boolean => typeof v === 'string';
const nonEmpty: Check = [(v) => typeof v === 'string' && v.length > 0, 'a non-empty string'];
const stringOrNull: Check = [(v) => v === null || isString(v), 'a string or null'];
const iso: Check = [(v) => typeof v === 'string' && isoToEpochMs(v) !== null, 'an ISO-8601 time'];
const isoOrNull: Check = [
  (v) => v === null || (typeof v === 'string' && isoToEpochMs(v) !== null),
  'an ISO-8601 time or null',
];

const ADDRESS: Readonly<Record<string, Check>> = {
  genesysMessageId: nonEmpty,
  channel: [
    (v) => v === 'open-messaging' || v === 'web-messaging',
    'open-messaging or web-messaging',
  ],
  guestId: [isString, 'a string'],
  conversationRef: stringOrNull,
  originatingEntity: [(v) => v === null || v === 'Human' || v === 'Bot', 'Human, Bot or null'],
  sentAt: isoOrNull,
  receivedAt: iso,
};

const FIELDS: Readonly<Record<AgentMessageEventType, Readonly<Record<string, Check>>>> = {
  AgentMessageReceived: {
    ...ADDRESS,
    contentSha256: [isString, 'a string'],
    attachmentCount: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a count'],
    content: [
      (v) =>
        isSealedContent(v) ||
        (typeof v === 'object' &&
          v !== null &&
          ['agentMessage', 'erased', 'unopened'].includes(String((v as { kind?: unknown }).kind))),
      'agent message content or a sealed envelope',
    ],
  },
  AgentEventReceived: { ...ADDRESS, events: [Array.isArray, 'an array'] },
  GenesysReceiptReceived: {
    ...ADDRESS,
    status: nonEmpty,
    reasons: [Array.isArray, 'an array'],
    isFinalReceipt: [(v) => v === null || typeof v === 'boolean', 'a boolean or null'],
  },
};

export function isAgentMessageEventType(type: string): type is AgentMessageEventType {
  return (AGENT_MESSAGE_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * A stored event of an agent message stream as the domain event, its fields checked before
 * anything reads them; sealed content reads as `unopened` (open it with `openRecordedEvent`).
 * A row that is not one is reported as corrupt, naming its position.
 */
export function readAgentMessageEvent(row: RecordedEvent): AgentMessageEvent {
  const corrupt = (reason: string): LedgerCorruptError =>
    new LedgerCorruptError(row.position, `${row.streamId}: ${reason}`);
  if (!isAgentMessageEventType(row.type)) throw corrupt(`unknown agent message event ${row.type}`);
  if (row.schemaVersion !== 1) {
    throw corrupt(`${row.type} has no schema version ${String(row.schemaVersion)}`);
  }
  const data = row.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw corrupt(`${row.type} data is not an object`);
  }
  const record = data as Readonly<Record<string, unknown>>;
  for (const [name, [test, expected]] of Object.entries(FIELDS[row.type])) {
    if (!test(record[name])) throw corrupt(`${row.type}.data.${name} must be ${expected}`);
  }
  const shaped = isSealedContent(record['content'])
    ? { ...record, content: { kind: 'unopened' } }
    : record;
  // Checked field by field above; the cast names the shape those checks establish.
  return { type: row.type, schemaVersion: 1, data: shaped as unknown } as AgentMessageEvent;
}
