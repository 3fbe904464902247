import { Ajv, type ErrorObject, type JSONSchemaType } from 'ajv';
import {
  GtxError,
  type AcknowledgeAgentMessage,
  type Attachment,
  type Guest,
  type GuestIdType,
  type ReceiptReason,
  type ReceiptReasonCode,
  type ReceiptStatus,
  type SendTypingIndicator,
  type TransmitMessage,
} from '../../domain/index.js';
import { brandParsed, isParsedCommand, type ParsedCommand } from './parsed-command.js';
import type { IdGenerator } from '../ports/index.js';
import { isStorableText, UNSTORABLE_TEXT_REASON } from '../ledger/storable-text.js';

/**
 * What callers send us (library, CLI, HTTP): the domain command with its defaults left out.
 * The JSON schemas here are the one source of truth for every intake.
 */
export interface GuestInput {
  id: string;
  idType?: GuestIdType;
  nickname?: string;
  firstName?: string;
  lastName?: string;
}

export interface AttachmentInput {
  url: string;
  mime: string;
  filename: string;
  sizeBytes: number;
  sha256?: string;
  caption?: string;
}

export interface MessageInput {
  /** Idempotency key; generated when absent. */
  id?: string;
  guest: GuestInput;
  /** Defaults to the guest id. */
  conversation?: string;
  text?: string;
  attachments?: AttachmentInput[];
  metadata?: Record<string, string>;
}

export interface ReceiptInput {
  id?: string;
  guest: GuestInput;
  conversation?: string;
  messageId: string;
  status: ReceiptStatus;
  reasons?: { code?: ReceiptReasonCode; message: string }[];
}

export interface TypingInput {
  id?: string;
  guest: GuestInput;
  conversation?: string;
}

const MAX_STRING = 1_000_000;

/**
 * The text's bound only keeps absurd input out of the ledger; it is far above any policy's
 * limit on purpose, so a long text meets the policy (TEXT_TOO_MANY_CHARS, recorded as rejected,
 * 422 over HTTP) with its wording and limit, not a schema error. The HTTP body limit
 * (GTX_HTTP_BODY_LIMIT_BYTES) bounds a request before either.
 */
export const MAX_TEXT_CHARS = 16_777_216;

const guestSchema: JSONSchemaType<GuestInput> = {
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: MAX_STRING },
    idType: { type: 'string', enum: ['Opaque', 'Email', 'Phone'], nullable: true },
    nickname: { type: 'string', maxLength: MAX_STRING, nullable: true },
    firstName: { type: 'string', maxLength: MAX_STRING, nullable: true },
    lastName: { type: 'string', maxLength: MAX_STRING, nullable: true },
  },
  required: ['id'],
  additionalProperties: false,
};

const attachmentSchema: JSONSchemaType<AttachmentInput> = {
  type: 'object',
  properties: {
    url: { type: 'string', maxLength: 8192 },
    mime: { type: 'string', maxLength: 255 },
    filename: { type: 'string', maxLength: 4096 },
    sizeBytes: { type: 'integer', minimum: 0 },
    sha256: { type: 'string', maxLength: 128, nullable: true },
    caption: { type: 'string', maxLength: MAX_STRING, nullable: true },
  },
  required: ['url', 'mime', 'filename', 'sizeBytes'],
  additionalProperties: false,
};

const idSchema = { type: 'string', minLength: 1, maxLength: 256, nullable: true } as const;
const conversationSchema = { type: 'string', maxLength: MAX_STRING, nullable: true } as const;

export const messageInputSchema: JSONSchemaType<MessageInput> = {
  $id: 'https://genesys-transmitter.dev/schemas/message-input.json',
  type: 'object',
  properties: {
    id: idSchema,
    guest: guestSchema,
    conversation: conversationSchema,
    text: { type: 'string', maxLength: MAX_TEXT_CHARS, nullable: true },
    attachments: { type: 'array', items: attachmentSchema, maxItems: 100, nullable: true },
    metadata: {
      type: 'object',
      additionalProperties: { type: 'string', maxLength: MAX_STRING },
      required: [],
      maxProperties: 1000,
      nullable: true,
    },
  },
  required: ['guest'],
  additionalProperties: false,
};

export const receiptInputSchema: JSONSchemaType<ReceiptInput> = {
  $id: 'https://genesys-transmitter.dev/schemas/receipt-input.json',
  type: 'object',
  properties: {
    id: idSchema,
    guest: guestSchema,
    conversation: conversationSchema,
    messageId: { type: 'string', maxLength: 4096 },
    status: { type: 'string', enum: ['Delivered', 'Failed'] },
    reasons: {
      type: 'array',
      maxItems: 20,
      nullable: true,
      items: {
        type: 'object',
        properties: {
          code: {
            type: 'string',
            nullable: true,
            enum: [
              'MessageExpired',
              'RateLimited',
              'MessageNotAllowed',
              'GeneralError',
              'UnsupportedMessage',
              'UnknownMessage',
              'InvalidMessageStructure',
              'InvalidDestination',
              'ServerError',
              'MediaTypeNotAllowed',
              'InvalidMediaContentLength',
              'RecipientOptedOut',
            ],
          },
          message: { type: 'string', maxLength: 4096 },
        },
        required: ['message'],
        additionalProperties: false,
      },
    },
  },
  required: ['guest', 'messageId', 'status'],
  additionalProperties: false,
};

export const typingInputSchema: JSONSchemaType<TypingInput> = {
  $id: 'https://genesys-transmitter.dev/schemas/typing-input.json',
  type: 'object',
  properties: { id: idSchema, guest: guestSchema, conversation: conversationSchema },
  required: ['guest'],
  additionalProperties: false,
};

export interface InputProblem {
  /** JSON pointer to the offending value ('' for the whole document). */
  readonly field: string;
  readonly message: string;
}

/** The input does not have the shape of a command: nothing was recorded. */
export class InvalidCommandInputError extends GtxError {
  readonly problems: readonly InputProblem[];

  constructor(problems: readonly InputProblem[]) {
    super(
      'INVALID_COMMAND_INPUT',
      `invalid command: ${problems.map((p) => `${p.field || '/'} ${p.message}`).join('; ')}`,
      { details: { problems } },
    );
    this.problems = problems;
  }
}

const ajv = new Ajv({ allErrors: true, strict: true });
const checkMessage = ajv.compile(messageInputSchema);
const checkReceipt = ajv.compile(receiptInputSchema);
const checkTyping = ajv.compile(typingInputSchema);

function problemsOf(errors: readonly ErrorObject[] | null | undefined): InputProblem[] {
  return (errors ?? []).map((error) => {
    if (error.keyword === 'additionalProperties') {
      const extra = String((error.params as { additionalProperty?: unknown }).additionalProperty);
      return { field: `${error.instancePath}/${extra}`, message: 'is not a known field' };
    }
    if (error.keyword === 'required') {
      const missing = String((error.params as { missingProperty?: unknown }).missingProperty);
      return { field: `${error.instancePath}/${missing}`, message: 'is required' };
    }
    return { field: error.instancePath, message: error.message ?? 'is invalid' };
  });
}

interface KeyedInput {
  readonly id?: string | null;
  readonly guest: { readonly id: string };
  readonly conversation?: string | null;
}

/** The fields that become stream ids and key columns of the ledger (see storable-text.ts). */
function keyProblems(input: KeyedInput): InputProblem[] {
  const keys: readonly (readonly [string, string | null | undefined])[] = [
    ['/id', input.id],
    ['/guest/id', input.guest.id],
    ['/conversation', input.conversation],
  ];
  return keys
    .filter(([, text]) => typeof text === 'string' && !isStorableText(text))
    .map(([field]) => ({ field, message: UNSTORABLE_TEXT_REASON }));
}

function assertShape<T extends KeyedInput>(
  check: (value: unknown) => value is T,
  errors: () => ErrorObject[] | null | undefined,
  value: unknown,
): T {
  if (!check(value)) throw new InvalidCommandInputError(problemsOf(errors()));
  const problems = keyProblems(value);
  if (problems.length > 0) throw new InvalidCommandInputError(problems);
  return value;
}

/**
 * `{key: value}` when the value is present, `{}` otherwise. The schemas accept JSON null for
 * an optional field (ajv's typing of optional properties requires it); null means absent.
 */
function optional<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]?: V });
}

function toGuest(input: GuestInput): Guest {
  return {
    id: input.id,
    idType: input.idType ?? 'Opaque',
    ...optional('nickname', input.nickname),
    ...optional('firstName', input.firstName),
    ...optional('lastName', input.lastName),
  };
}

function toAttachment(input: AttachmentInput): Attachment {
  return {
    url: input.url,
    mime: input.mime,
    filename: input.filename,
    sizeBytes: input.sizeBytes,
    ...optional('sha256', input.sha256),
    ...optional('caption', input.caption),
  };
}

function toReason(input: { code?: ReceiptReasonCode; message: string }): ReceiptReason {
  return { message: input.message, ...optional('code', input.code) };
}

/** Checks untrusted input against the schema and fills in defaults. */
export function parseMessageInput(
  value: unknown,
  ids: IdGenerator,
): TransmitMessage & ParsedCommand {
  const input = assertShape(checkMessage, () => checkMessage.errors, value);
  return brandParsed({
    kind: 'message',
    commandId: input.id ?? ids.newId(),
    guest: toGuest(input.guest),
    conversationRef: input.conversation ?? input.guest.id,
    ...optional('text', input.text),
    attachments: (input.attachments ?? []).map(toAttachment),
    metadata: { ...(input.metadata ?? {}) },
  });
}

export function parseReceiptInput(
  value: unknown,
  ids: IdGenerator,
): AcknowledgeAgentMessage & ParsedCommand {
  const input = assertShape(checkReceipt, () => checkReceipt.errors, value);
  return brandParsed({
    kind: 'receipt',
    commandId: input.id ?? ids.newId(),
    guest: toGuest(input.guest),
    conversationRef: input.conversation ?? input.guest.id,
    messageId: input.messageId,
    status: input.status,
    reasons: (input.reasons ?? []).map(toReason),
  });
}

export function parseTypingInput(
  value: unknown,
  ids: IdGenerator,
): SendTypingIndicator & ParsedCommand {
  const input = assertShape(checkTyping, () => checkTyping.errors, value);
  return brandParsed({
    kind: 'typing',
    commandId: input.id ?? ids.newId(),
    guest: toGuest(input.guest),
    conversationRef: input.conversation ?? input.guest.id,
  });
}

/**
 * Turns untrusted input of any kind into a command, checking its shape (InvalidCommandInputError).
 * `kind` defaults to `message`.
 */
export function parseCommandInput(input: unknown, ids: IdGenerator): ParsedCommand {
  if (isParsedCommand(input)) return input;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidCommandInputError([{ field: '', message: 'must be a JSON object' }]);
  }
  const { kind = 'message', ...rest } = input as Record<string, unknown>;
  switch (kind) {
    case 'message':
      return parseMessageInput(rest, ids);
    case 'receipt':
      return parseReceiptInput(rest, ids);
    case 'typing':
      return parseTypingInput(rest, ids);
    default:
      throw new InvalidCommandInputError([
        { field: '/kind', message: 'must be message, receipt or typing' },
      ]);
  }
}
