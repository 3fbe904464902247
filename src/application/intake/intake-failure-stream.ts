import { createHash } from 'node:crypto';
import { epochMsToIso, hasErrorCode } from '../../domain/index.js';
import {
  messageInputSchema,
  receiptInputSchema,
  typingInputSchema,
  type InputProblem,
} from '../commands/command-input.js';
import type { EventStore, IdGenerator } from '../ports/index.js';

/**
 * A broker message that is not a command, recorded once per broker message id in its own
 * stream (`intake-failure-<scheme>:<broker message id>`) next to the transmission streams: its
 * size, the SHA-256 of its body and what is wrong with it, never the body itself (the ledger is
 * append-only; content could never be erased from it).
 */
export const COMMAND_INTAKE_FAILED = 'CommandIntakeFailed';
export const COMMAND_INTAKE_FAILED_SCHEMA_VERSION = 1;
const STREAM_PREFIX = 'intake-failure-';
/** Enough to see what is wrong; a hostile body can have thousands of problems. */
const MAX_RECORDED_PROBLEMS = 20;
const MAX_FIELD_CHARS = 256;
const MAX_MESSAGE_CHARS = 512;

export interface IntakeFailure {
  /** The source's scheme: `nats`, `amqp`. */
  readonly source: string;
  readonly brokerMessageId: string | null;
  readonly redeliveryCount: number;
  /** Measured and hashed, never stored. */
  readonly body: Uint8Array;
  readonly problems: readonly InputProblem[];
}

export interface CommandIntakeFailedV1Data {
  readonly source: string;
  readonly brokerMessageId: string | null;
  readonly redeliveryCount: number;
  readonly sizeBytes: number;
  readonly bodySha256: string;
  /** The first problems, with field names from the body itself replaced by `*`. */
  readonly problems: readonly InputProblem[];
  readonly problemCount: number;
  readonly failedAt: string;
}

export interface RecordedIntakeFailure {
  readonly streamId: string;
  /** The same broker message was recorded before (a redelivery): nothing new was written. */
  readonly duplicate: boolean;
  readonly bodySha256: string;
  /** The problems as recorded: the first ones, field names from the body redacted. */
  readonly problems: readonly InputProblem[];
}

export function isIntakeFailureStream(streamId: string): boolean {
  return streamId.startsWith(STREAM_PREFIX);
}

/** Field names the command schemas know: any other pointer segment came from the body. */
function schemaFieldNames(): ReadonlySet<string> {
  const names = new Set<string>(['kind']);
  const visit = (schema: unknown): void => {
    if (typeof schema !== 'object' || schema === null) return;
    const { properties, items } = schema as { properties?: object; items?: unknown };
    for (const [name, child] of Object.entries(properties ?? {})) {
      names.add(name);
      visit(child);
    }
    visit(items);
  };
  for (const schema of [messageInputSchema, receiptInputSchema, typingInputSchema]) visit(schema);
  return names;
}

const KNOWN_FIELDS = schemaFieldNames();

/** `/metadata/<a key from the body>` becomes `/metadata/*`: keys can be personal data too. */
export function redactPointer(pointer: string): string {
  const redacted = pointer
    .split('/')
    .map((segment, index) =>
      index === 0 || /^\d+$/.test(segment) || KNOWN_FIELDS.has(segment) ? segment : '*',
    )
    .join('/');
  return redacted.slice(0, MAX_FIELD_CHARS);
}

export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Records the failure once per broker message id (a redelivery finds it recorded). A message
 * without an id gets a stream of its own each time it is recorded.
 */
export async function recordIntakeFailure(
  events: EventStore,
  failure: IntakeFailure,
  nowMs: number,
  ids: IdGenerator,
): Promise<RecordedIntakeFailure> {
  const bodySha256 = sha256Hex(failure.body);
  const streamId = `${STREAM_PREFIX}${failure.source}:${failure.brokerMessageId ?? `unidentified:${ids.newId()}`}`;
  const data: CommandIntakeFailedV1Data = {
    source: failure.source,
    brokerMessageId: failure.brokerMessageId,
    redeliveryCount: failure.redeliveryCount,
    sizeBytes: failure.body.byteLength,
    bodySha256,
    problems: failure.problems.slice(0, MAX_RECORDED_PROBLEMS).map(({ field, message }) => ({
      field: redactPointer(field),
      message: message.slice(0, MAX_MESSAGE_CHARS),
    })),
    problemCount: failure.problems.length,
    failedAt: epochMsToIso(nowMs),
  };
  try {
    await events.append({
      streamId,
      expectedVersion: 'noStream',
      events: [
        {
          type: COMMAND_INTAKE_FAILED,
          schemaVersion: COMMAND_INTAKE_FAILED_SCHEMA_VERSION,
          data,
          metadata:
            failure.brokerMessageId === null ? {} : { causationId: failure.brokerMessageId },
        },
      ],
    });
  } catch (error) {
    if (hasErrorCode(error, 'LEDGER_VERSION_CONFLICT')) {
      return { streamId, duplicate: true, bodySha256, problems: data.problems };
    }
    throw error;
  }
  return { streamId, duplicate: false, bodySha256, problems: data.problems };
}
