import {
  contentOf,
  GtxError,
  type OutboundKind,
  type TransmissionEvent,
} from '../../domain/index.js';
import type { ParsedCommand } from '../commands/parsed-command.js';
import type { GuestPseudonymiser } from '../ports/guest-pseudonymiser.port.js';
import { contentSha256 } from './content-hash.js';

/**
 * What makes two commands with one id the same command: what the ledger's first event of a
 * transmission records in the clear. The content is compared by its SHA-256, so a sealed or
 * even erased request can still be compared with a new one.
 */
export interface CommandFingerprint {
  readonly kind: OutboundKind;
  readonly guestId: string;
  readonly conversationRef: string;
  readonly contentSha256: string;
}

const FIELDS = ['kind', 'guestId', 'conversationRef', 'contentSha256'] as const;

const FIELD_NAMES: Readonly<Record<(typeof FIELDS)[number], string>> = {
  kind: 'kind',
  guestId: 'guest',
  conversationRef: 'conversation',
  contentSha256: 'content',
};

export function fingerprintOf(command: ParsedCommand): CommandFingerprint {
  return {
    kind: command.kind,
    guestId: command.guest.id,
    conversationRef: command.conversationRef,
    contentSha256: contentSha256(contentOf(command)),
  };
}

/**
 * The fingerprint as the ledger would record it: guest id and conversation ref named by the
 * ledger's pseudonymiser, so a repeated command is compared with what is stored.
 */
export async function storedFingerprintOf(
  command: ParsedCommand,
  pseudonymiser: GuestPseudonymiser,
): Promise<CommandFingerprint> {
  const fingerprint = fingerprintOf(command);
  return {
    ...fingerprint,
    guestId: await pseudonymiser.guestId(fingerprint.guestId),
    conversationRef: await pseudonymiser.conversationRef(fingerprint.conversationRef),
  };
}

/** The fingerprint of a recorded transmission: its request (or rejection) event. */
export function recordedFingerprint(
  events: readonly TransmissionEvent[],
): CommandFingerprint | null {
  const first = events[0];
  if (first?.type !== 'TransmissionRequested' && first?.type !== 'TransmissionRejected') {
    return null;
  }
  const { kind, guestId, conversationRef, contentSha256: hash } = first.data;
  return { kind, guestId, conversationRef, contentSha256: hash };
}

/** The names of what differs ('content', 'conversation', …); empty for the same command. */
export function differencesOf(a: CommandFingerprint, b: CommandFingerprint): string[] {
  return FIELDS.filter((field) => a[field] !== b[field]).map((field) => FIELD_NAMES[field]);
}

/**
 * A command id is an idempotency key: sent again with other content, it is refused (as payment
 * APIs refuse a reused idempotency key) rather than answered with the first command's outcome,
 * which would tell the caller a message was sent that never was.
 */
export class CommandIdReusedError extends GtxError {
  static readonly CODE = 'COMMAND_ID_REUSED';

  constructor(
    readonly commandId: string,
    readonly differences: readonly string[],
  ) {
    super(
      CommandIdReusedError.CODE,
      `command id ${commandId} is already in the ledger for a different command (${differences.join(', ')} differ${differences.length === 1 ? 's' : ''}): ` +
        'an id names one command; give this one a new id',
      { details: { commandId, differences } },
    );
  }
}

export function isCommandIdReusedError(value: unknown): value is CommandIdReusedError {
  return value instanceof GtxError && value.code === CommandIdReusedError.CODE;
}
