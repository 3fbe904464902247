import { COMMAND_SCHEMAS } from './http-schemas.js';

/**
 * The shapes of the API's answers, for the OpenAPI document only: responses are serialized with
 * JSON.stringify as they always were (see http-server.ts), so these schemas describe the bodies
 * and never change them. Each has an `$id` the routes refer to; the document names them as the
 * components below.
 */
const ID = 'https://genesys-transmitter.dev/schemas/http';

export const ERROR_SCHEMA = {
  $id: `${ID}/error.json`,
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'requestId'],
      properties: {
        code: { type: 'string', description: 'Stable error code, e.g. INVALID_COMMAND_INPUT' },
        message: { type: 'string' },
        requestId: { type: 'string', description: 'The X-Request-Id of the answer' },
        problems: {
          type: 'array',
          items: {
            type: 'object',
            required: ['code', 'field', 'message'],
            properties: {
              code: { type: 'string' },
              field: { type: 'string', description: 'JSON pointer into the request part' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;

export const INTAKE_ITEM_SCHEMA = {
  $id: `${ID}/intake-item.json`,
  type: 'object',
  required: ['commandId', 'status', 'duplicate', 'statusUrl'],
  properties: {
    commandId: { type: 'string' },
    status: { type: 'string', enum: ['accepted', 'rejected', 'delivered', 'deadLettered'] },
    duplicate: {
      type: 'boolean',
      description: 'The id was already in the ledger: nothing new was recorded',
    },
    statusUrl: { type: 'string' },
    violations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string' },
          field: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

export const BATCH_RESULT_SCHEMA = {
  $id: `${ID}/batch-result.json`,
  type: 'object',
  required: ['accepted', 'rejected', 'duplicates', 'results'],
  properties: {
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    duplicates: { type: 'integer' },
    results: { type: 'array', items: { $ref: INTAKE_ITEM_SCHEMA.$id } },
  },
} as const;

export const RECORDED_EVENT_SCHEMA = {
  $id: `${ID}/recorded-event.json`,
  type: 'object',
  properties: {
    position: { type: 'integer' },
    streamId: { type: 'string' },
    streamVersion: { type: 'integer' },
    type: {
      type: 'string',
      description:
        'TransmissionRequested, TransmissionRejected, TransmissionAttemptStarted, TransmissionAttemptFailed, TransmissionDelivered, TransmissionDeadLettered; AgentMessageReceived, AgentEventReceived, GenesysReceiptReceived, AgentWebhookRefused; CommandIntakeFailed, GuestDataErased',
    },
    schemaVersion: { type: 'integer' },
    recordedAt: { type: 'string', format: 'date-time' },
    data: {},
    metadata: { type: 'object' },
    hash: { type: 'string' },
  },
} as const;

export const COMMAND_STATUS_SCHEMA = {
  $id: `${ID}/command-status.json`,
  type: 'object',
  properties: {
    commandId: { type: 'string' },
    status: {
      type: 'string',
      enum: ['pending', 'inFlight', 'delivered', 'rejected', 'deadLettered'],
    },
    outcome: { type: ['object', 'null'] },
    events: { type: 'array', items: { $ref: RECORDED_EVENT_SCHEMA.$id } },
  },
} as const;

export const EVENTS_PAGE_SCHEMA = {
  $id: `${ID}/events-page.json`,
  type: 'object',
  properties: {
    events: { type: 'array', items: { $ref: RECORDED_EVENT_SCHEMA.$id } },
    next: { type: 'integer', description: 'Pass as `after` for the next page' },
    nextUrl: { type: 'string' },
    hasMore: { type: 'boolean' },
  },
} as const;

export const WEBHOOK_ACCEPTED_SCHEMA = {
  $id: `${ID}/webhook-accepted.json`,
  type: 'object',
  required: ['recorded', 'duplicate', 'streamId', 'type', 'matched', 'receiptCommandId'],
  properties: {
    recorded: { type: 'boolean', enum: [true] },
    duplicate: {
      type: 'boolean',
      description: 'This Genesys message id was recorded before (a retry): nothing new was written',
    },
    streamId: { type: 'string', description: 'The ledger stream of this message' },
    type: {
      type: 'string',
      enum: ['AgentMessageReceived', 'AgentEventReceived', 'GenesysReceiptReceived'],
    },
    matched: {
      type: 'boolean',
      description:
        'Recorded in a known conversation of the guest (false: unmatched, recorded all the same)',
    },
    receiptCommandId: {
      type: ['string', 'null'],
      description: 'The receipt command requested for an agent message, or null',
    },
  },
} as const;

export const REDRIVE_RESULT_SCHEMA = {
  $id: `${ID}/redrive-result.json`,
  type: 'object',
  required: ['commandId', 'redriveId', 'status', 'previousReason', 'statusUrl'],
  properties: {
    commandId: { type: 'string' },
    redriveId: { type: 'string' },
    status: {
      type: 'string',
      enum: ['redriven', 'alreadyRedriven'],
      description: 'alreadyRedriven: this redrive id was recorded before; nothing re-opened again',
    },
    previousReason: {
      type: ['string', 'null'],
      enum: ['permanentFailure', 'attemptsExhausted', 'deadlineExceeded', null],
      description: 'The dead letter this redrive ended; null when it was already re-driven',
    },
    statusUrl: { type: 'string' },
  },
} as const;

const NULLABLE_STRING = { type: ['string', 'null'] } as const;

export const TRANSCRIPT_SCHEMA = {
  $id: `${ID}/transcript.json`,
  type: 'object',
  required: ['transcriptVersion', 'conversationRef', 'storedConversationRef', 'entries'],
  properties: {
    transcriptVersion: { type: 'integer', enum: [1] },
    conversationRef: { type: 'string', description: 'As asked' },
    storedConversationRef: {
      type: 'string',
      description:
        'As the ledger stores it: the same, or its keyed hash (hmac:…) when pseudonymised',
    },
    entries: {
      type: 'array',
      description: 'In ledger order',
      items: {
        type: 'object',
        required: ['position', 'at', 'side', 'kind', 'id', 'state', 'receipts', 'content'],
        properties: {
          position: { type: 'integer' },
          at: { type: 'string', format: 'date-time' },
          side: { type: 'string', enum: ['guest', 'agent'] },
          kind: {
            type: 'string',
            enum: ['message', 'receipt', 'typing', 'event', 'genesysReceipt'],
          },
          id: { type: 'string', description: 'Command id (guest side) or Genesys message id' },
          genesysMessageId: NULLABLE_STRING,
          state: {
            type: 'string',
            description:
              'guest: requested, sending, retrying, failed, delivered, rejected, deadLettered, redriven; agent: received',
          },
          attempts: { type: 'integer' },
          deliveredAt: NULLABLE_STRING,
          detail: NULLABLE_STRING,
          origin: NULLABLE_STRING,
          receipts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                by: { type: 'string', enum: ['genesys', 'us'] },
                status: { type: 'string' },
                at: { type: 'string', format: 'date-time' },
              },
            },
          },
          content: {
            type: ['object', 'null'],
            description:
              'sealed {contentSha256, sizeBytes}; erased {contentSha256}; revealed {contentSha256, text, attachments}',
            properties: {
              state: { type: 'string', enum: ['sealed', 'erased', 'revealed'] },
              contentSha256: { type: 'string' },
              sizeBytes: { type: 'integer' },
              text: NULLABLE_STRING,
              attachments: { type: 'array', items: { type: 'object' } },
            },
          },
        },
      },
    },
  },
} as const;

/** Every shared schema by the name it has under `components.schemas` in the document. */
export const COMPONENT_SCHEMAS: Readonly<Record<string, { readonly $id?: string }>> = {
  MessageInput: COMMAND_SCHEMAS.message,
  ReceiptInput: COMMAND_SCHEMAS.receipt,
  TypingInput: COMMAND_SCHEMAS.typing,
  Error: ERROR_SCHEMA,
  IntakeItem: INTAKE_ITEM_SCHEMA,
  BatchResult: BATCH_RESULT_SCHEMA,
  RecordedEvent: RECORDED_EVENT_SCHEMA,
  CommandStatus: COMMAND_STATUS_SCHEMA,
  EventsPage: EVENTS_PAGE_SCHEMA,
  WebhookAccepted: WEBHOOK_ACCEPTED_SCHEMA,
  RedriveResult: REDRIVE_RESULT_SCHEMA,
  Transcript: TRANSCRIPT_SCHEMA,
};

/** A documented answer whose body is one of the shared schemas. */
export function answer(schema: { readonly $id: string }, description: string): object {
  return { description, $ref: schema.$id };
}

/** A documented answer with the error body. */
export function failure(description: string): object {
  return answer(ERROR_SCHEMA, description);
}
