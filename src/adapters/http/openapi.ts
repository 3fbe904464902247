import type { OutboundKind } from '../../domain/index.js';
import {
  COMMAND_ID_PARAMS_SCHEMA,
  COMMAND_SCHEMAS,
  commandBodySchema,
  EVENTS_QUERY_SCHEMA,
} from './http-schemas.js';

const COMPONENT_NAMES: Readonly<Record<OutboundKind, string>> = {
  message: 'MessageInput',
  receipt: 'ReceiptInput',
  typing: 'TypingInput',
};

/**
 * Rewrites an ajv schema as OpenAPI 3.1 (JSON Schema 2020-12): `nullable: true` becomes a
 * `null` member of `type`, `$id`s are dropped and references to the command schemas point at
 * the components. The validation schemas themselves are not changed.
 */
function toOpenApi(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApi);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === '$id' || key === 'nullable') continue;
    if (key === '$ref' && typeof value === 'string') {
      const kind = (Object.keys(COMMAND_SCHEMAS) as OutboundKind[]).find(
        (k) => COMMAND_SCHEMAS[k].$id === value,
      );
      out[key] = kind === undefined ? value : `#/components/schemas/${COMPONENT_NAMES[kind]}`;
      continue;
    }
    const isSchemaMap = key === 'properties';
    out[key] = isSchemaMap
      ? Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toOpenApi(v)]),
        )
      : toOpenApi(value);
  }
  if (source['nullable'] === true && typeof source['type'] === 'string') {
    out['type'] = [source['type'], 'null'];
  }
  return out;
}

function queryParameters(): unknown[] {
  return Object.entries(EVENTS_QUERY_SCHEMA.properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    schema: toOpenApi(schema),
    ...(schema.type === 'array' ? { style: 'form', explode: true } : {}),
  }));
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'requestId'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        requestId: { type: 'string' },
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

const INTAKE_ITEM_SCHEMA = {
  type: 'object',
  required: ['commandId', 'status', 'duplicate', 'statusUrl'],
  properties: {
    commandId: { type: 'string' },
    status: { type: 'string', enum: ['accepted', 'rejected', 'delivered', 'deadLettered'] },
    duplicate: { type: 'boolean' },
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

const EVENT_SCHEMA = {
  type: 'object',
  properties: {
    position: { type: 'integer' },
    streamId: { type: 'string' },
    streamVersion: { type: 'integer' },
    type: { type: 'string' },
    schemaVersion: { type: 'integer' },
    recordedAt: { type: 'string', format: 'date-time' },
    data: {},
    metadata: { type: 'object' },
    hash: { type: 'string' },
  },
} as const;

function json(schema: unknown, description: string): unknown {
  return { description, content: { 'application/json': { schema } } };
}

const errorRef = { $ref: '#/components/schemas/Error' };

function intakePath(kind: OutboundKind, maxBatch: number, summary: string): unknown {
  return {
    post: {
      summary,
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'The command id of a single command (not allowed on a batch)',
          schema: { type: 'string', minLength: 1, maxLength: 256 },
        },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: toOpenApi(oneOfBody(kind, maxBatch)) },
        },
      },
      responses: {
        '200': json(INTAKE_ITEM_SCHEMA, 'A duplicate of a command that is already final'),
        '202': json(
          {
            oneOf: [
              { $ref: '#/components/schemas/IntakeItem' },
              { $ref: '#/components/schemas/BatchResult' },
            ],
          },
          'In the ledger; delivery follows (batch: no command rejected)',
        ),
        '207': json(
          { $ref: '#/components/schemas/BatchResult' },
          'Batch: some commands rejected by the policies (recorded as rejected), others accepted',
        ),
        '400': json(errorRef, 'The body does not match the schema: nothing recorded'),
        '401': json(errorRef, 'Missing or unknown API key'),
        '413': json(errorRef, 'The body is larger than GTX_HTTP_BODY_LIMIT_BYTES'),
        '415': json(errorRef, 'The body is not application/json'),
        '422': json(
          errorRefOr(kind),
          'Rejected by the policies (recorded as rejected); for a batch, every command was',
        ),
        '429': json(errorRef, 'Too many requests for this API key (Retry-After)'),
        '503': json(errorRef, 'Shutting down'),
      },
    },
  };
}

function errorRefOr(_kind: OutboundKind): unknown {
  return {
    oneOf: [
      { $ref: '#/components/schemas/IntakeItem' },
      { $ref: '#/components/schemas/BatchResult' },
    ],
  };
}

/** The same body the validator uses, as the equivalent `oneOf` that documentation tools read. */
function oneOfBody(kind: OutboundKind, maxBatch: number): unknown {
  const body = commandBodySchema(kind, maxBatch);
  return { oneOf: [body['else'], body['then']] };
}

export interface OpenApiOptions {
  readonly maxBatch: number;
  readonly version: string;
}

/** The OpenAPI 3.1 description of the HTTP API, built from the schemas the routes validate with. */
export function buildOpenApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const { maxBatch } = options;
  return {
    openapi: '3.1.0',
    info: {
      title: 'genesys-transmitter service',
      version: options.version,
      description:
        'Intake of guest commands for Genesys Cloud Open Messaging, recorded in a tamper-evident ledger before delivery.',
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
      schemas: {
        MessageInput: toOpenApi(COMMAND_SCHEMAS.message),
        ReceiptInput: toOpenApi(COMMAND_SCHEMAS.receipt),
        TypingInput: toOpenApi(COMMAND_SCHEMAS.typing),
        Error: ERROR_SCHEMA,
        IntakeItem: INTAKE_ITEM_SCHEMA,
        BatchResult: {
          type: 'object',
          required: ['accepted', 'rejected', 'duplicates', 'results'],
          properties: {
            accepted: { type: 'integer' },
            rejected: { type: 'integer' },
            duplicates: { type: 'integer' },
            results: { type: 'array', items: { $ref: '#/components/schemas/IntakeItem' } },
          },
        },
        RecordedEvent: EVENT_SCHEMA,
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/messages': intakePath('message', maxBatch, 'Send one message or a batch'),
      '/v1/receipts': intakePath('receipt', maxBatch, 'Acknowledge agent messages'),
      '/v1/typing': intakePath('typing', maxBatch, 'Send typing indicators'),
      '/v1/messages/{id}': {
        get: {
          summary: 'Current state and event history of one command (any kind)',
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              schema: toOpenApi(COMMAND_ID_PARAMS_SCHEMA.properties.id),
            },
          ],
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  commandId: { type: 'string' },
                  status: {
                    type: 'string',
                    enum: ['pending', 'inFlight', 'delivered', 'rejected', 'deadLettered'],
                  },
                  outcome: { type: ['object', 'null'] },
                  events: { type: 'array', items: { $ref: '#/components/schemas/RecordedEvent' } },
                },
              },
              'The command',
            ),
            '404': json(errorRef, 'No command with this id'),
          },
        },
      },
      '/v1/events': {
        get: {
          summary: 'The audit read API: ledger events by global position',
          parameters: queryParameters(),
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  events: {
                    type: 'array',
                    items: { $ref: '#/components/schemas/RecordedEvent' },
                  },
                  next: { type: 'integer', description: 'Pass as `after` for the next page' },
                  nextUrl: { type: 'string' },
                  hasMore: { type: 'boolean' },
                },
              },
              'One page of events',
            ),
            '400': json(errorRef, 'Bad query'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { '200': { description: 'text/plain exposition format' } },
        },
      },
      '/healthz': {
        get: {
          summary: 'Liveness',
          security: [],
          responses: { '200': { description: 'alive' } },
        },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: ledger writable, Genesys reachable with our credentials, feed on',
          security: [],
          responses: {
            '200': { description: 'ready' },
            '503': { description: 'not ready, with the reason of each failed check' },
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1' } },
        },
      },
    },
  };
}
