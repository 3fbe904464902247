import {
  ANALYTICS_BATCH_TYPE,
  ANALYTICS_PAYLOAD_VERSION,
  ANALYTICS_SOURCE,
} from './analytics-payload.js';

const nullable = (type: string): { type: readonly string[] } => ({ type: [type, 'null'] });

/** JSON Schema (draft-07) of one analytics event; docs/analytics.md describes each field. */
export const ANALYTICS_EVENT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'type',
    'schemaVersion',
    'position',
    'streamId',
    'commandId',
    'kind',
    'guestId',
    'conversation',
    'status',
    'attempt',
    'latencyMs',
    'genesysMessageId',
    'timestamp',
    'error',
    'contentSha256',
  ],
  properties: {
    id: { type: 'string', pattern: '^evt_[0-9]+_[0-9a-f]{16}$' },
    type: {
      enum: [
        'TransmissionRequested',
        'TransmissionRejected',
        'TransmissionAttemptStarted',
        'TransmissionAttemptFailed',
        'TransmissionDelivered',
        'TransmissionDeadLettered',
        'AgentMessageReceived',
        'AgentEventReceived',
        'GenesysReceiptReceived',
        'TransmissionRedriven',
      ],
    },
    schemaVersion: { type: 'integer', minimum: 1 },
    position: { type: 'integer', minimum: 1 },
    streamId: { type: 'string', minLength: 1 },
    commandId: nullable('string'),
    kind: { enum: ['message', 'receipt', 'typing', null] },
    guestId: nullable('string'),
    conversation: {
      type: 'object',
      additionalProperties: false,
      required: ['conversationRef', 'genesysConversationId'],
      properties: {
        conversationRef: nullable('string'),
        genesysConversationId: nullable('string'),
      },
    },
    status: {
      enum: [
        'pending',
        'rejected',
        'inFlight',
        'retryScheduled',
        'failed',
        'delivered',
        'deadLettered',
        'received',
        'unmatched',
      ],
    },
    attempt: nullable('integer'),
    latencyMs: nullable('number'),
    genesysMessageId: nullable('string'),
    timestamp: { type: 'string', format: 'date-time' },
    contentSha256: nullable('string'),
    error: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: [
            'failureKind',
            'status',
            'code',
            'message',
            'retryable',
            'retryAfterMs',
            'reason',
            'rejectionCodes',
          ],
          properties: {
            failureKind: { enum: ['rateLimited', 'transient', 'authExpired', 'permanent', null] },
            status: nullable('integer'),
            code: nullable('string'),
            message: nullable('string'),
            retryable: nullable('boolean'),
            retryAfterMs: nullable('number'),
            reason: {
              enum: [
                'permanentFailure',
                'attemptsExhausted',
                'deadlineExceeded',
                'contentErased',
                null,
              ],
            },
            rejectionCodes: { type: 'array', items: { type: 'string' } },
          },
        },
      ],
    },
  },
} as const;

/** JSON Schema of the webhook body (one batch). */
export const ANALYTICS_BATCH_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://genesys-transmitter.dev/schemas/analytics-batch.v1.json',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'timestamp', 'data'],
  properties: {
    type: { const: ANALYTICS_BATCH_TYPE },
    timestamp: { type: 'string', format: 'date-time' },
    data: {
      type: 'object',
      additionalProperties: false,
      required: [
        'payloadVersion',
        'source',
        'batchId',
        'feed',
        'replay',
        'firstPosition',
        'lastPosition',
        'count',
        'events',
      ],
      properties: {
        payloadVersion: { const: ANALYTICS_PAYLOAD_VERSION },
        source: { const: ANALYTICS_SOURCE },
        batchId: { type: 'string', pattern: '^msg_[0-9a-f]{32}$' },
        feed: { type: 'string', minLength: 1 },
        replay: { type: 'boolean' },
        firstPosition: { type: 'integer', minimum: 1 },
        lastPosition: { type: 'integer', minimum: 1 },
        count: { type: 'integer', minimum: 1 },
        events: { type: 'array', minItems: 1, items: ANALYTICS_EVENT_SCHEMA },
      },
    },
  },
} as const;
