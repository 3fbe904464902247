import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import {
  messageInputSchema,
  receiptInputSchema,
  typingInputSchema,
} from '../../application/commands/command-input.js';
import type { OutboundKind } from '../../domain/index.js';

/**
 * The HTTP API's schemas, built on the library's command schemas (the one source of truth for
 * every intake): a route body is one command or a batch of them.
 */
export const COMMAND_SCHEMAS = {
  message: messageInputSchema,
  receipt: receiptInputSchema,
  typing: typingInputSchema,
} as const satisfies Record<OutboundKind, { readonly $id?: string }>;

function schemaId(kind: OutboundKind): string {
  const id = COMMAND_SCHEMAS[kind].$id;
  if (id === undefined) throw new Error(`the ${kind} schema has no $id`);
  return id;
}

/** One command, or a non-empty array of at most `maxBatch` of them. */
export function commandBodySchema(kind: OutboundKind, maxBatch: number): Record<string, unknown> {
  const one = { $ref: schemaId(kind) };
  return {
    type: ['object', 'array'],
    if: { type: 'array' },
    then: { type: 'array', minItems: 1, maxItems: maxBatch, items: one },
    else: one,
  };
}

export const EVENTS_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    after: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    type: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 50 },
    stream: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 600 },
      maxItems: 50,
    },
  },
  additionalProperties: false,
} as const;

export const COMMAND_ID_PARAMS_SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['id'],
} as const;

/** One schema violation of a request, as the API reports it. */
export interface RequestProblem {
  readonly code: string;
  /** JSON pointer into the request part (body, query, params); '' for the whole of it. */
  readonly field: string;
  readonly message: string;
}

const KEYWORD_CODES: Readonly<Record<string, string>> = {
  required: 'FIELD_REQUIRED',
  additionalProperties: 'FIELD_UNKNOWN',
  type: 'FIELD_TYPE',
  enum: 'FIELD_NOT_ALLOWED',
  minLength: 'FIELD_TOO_SHORT',
  maxLength: 'FIELD_TOO_LONG',
  minItems: 'FIELD_TOO_FEW_ITEMS',
  maxItems: 'FIELD_TOO_MANY_ITEMS',
  maxProperties: 'FIELD_TOO_MANY_PROPERTIES',
  minimum: 'FIELD_OUT_OF_RANGE',
  maximum: 'FIELD_OUT_OF_RANGE',
};

/** ajv errors as problems with JSON pointers; the if/then/else bookkeeping error is dropped. */
export function problemsOf(errors: readonly ErrorObject[]): RequestProblem[] {
  const problems: RequestProblem[] = [];
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'additionalProperties') {
      problems.push({
        code: 'FIELD_UNKNOWN',
        field: `${error.instancePath}/${escapePointer(String(params['additionalProperty']))}`,
        message: 'is not a known field',
      });
      continue;
    }
    if (error.keyword === 'required') {
      problems.push({
        code: 'FIELD_REQUIRED',
        field: `${error.instancePath}/${escapePointer(String(params['missingProperty']))}`,
        message: 'is required',
      });
      continue;
    }
    const batchTooLarge = error.keyword === 'maxItems' && error.instancePath === '';
    problems.push({
      code: batchTooLarge ? 'BATCH_TOO_LARGE' : (KEYWORD_CODES[error.keyword] ?? 'FIELD_INVALID'),
      field: error.instancePath,
      message: error.message ?? 'is invalid',
    });
  }
  return problems;
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export type HttpPart = 'body' | 'querystring' | 'params' | 'headers';

/**
 * Compiles route schemas: bodies with the library's options (all errors, strict, no coercion,
 * nothing removed), query strings and params with coercion from strings and defaults.
 */
export class SchemaCompiler {
  private readonly bodies = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  private readonly strings = new Ajv({
    allErrors: true,
    strict: true,
    coerceTypes: 'array',
    useDefaults: true,
  });

  constructor() {
    for (const schema of Object.values(COMMAND_SCHEMAS)) this.bodies.addSchema(schema);
  }

  compile(schema: Record<string, unknown>, part: HttpPart): ValidateFunction {
    return part === 'body' ? this.bodies.compile(schema) : this.strings.compile(schema);
  }
}
