import {
  epochMsToIso,
  isoToEpochMs,
  type DeadLetterReason,
  type FailureKind,
  type OutboundKind,
  type TransmissionEvent,
} from '../../domain/index.js';
import { AuditFilterInvalidError } from '../audit/audit-errors.js';
import { parseInstant } from '../audit/export-filter.js';
import type { EventStore, TransmissionWorkQueue } from '../ports/index.js';
import { loadTransmission } from '../transmission/transmission-stream.js';
import { RedriveInputInvalidError } from './redrive-errors.js';

/** Which dead letters a listing (or `redrive --all`) takes. */
export interface DeadLetterFilter {
  /** Dead-lettered at or after this instant. */
  readonly sinceMs: number | null;
  /** The dead letter's reason, or the code of the failure before it, exactly. */
  readonly code: string | null;
}

export interface DeadLetterFilterInput {
  readonly since?: string | undefined;
  readonly code?: string | undefined;
}

/** One dead letter as an operator reads it: ids, codes and figures, never the content. */
export interface DeadLetterEntry {
  readonly commandId: string;
  readonly kind: OutboundKind;
  readonly conversationRef: string;
  readonly contentSha256: string;
  readonly reason: DeadLetterReason;
  readonly detail: string;
  readonly attempts: number;
  readonly deadLetteredAt: string;
  readonly lastFailure: {
    readonly kind: FailureKind;
    readonly status: number | null;
    readonly code: string | null;
  } | null;
  /** Redrives recorded before this dead letter. */
  readonly redrives: number;
  /** Position of the dead letter in the ledger. */
  readonly position: number;
}

/** Checks `--since` and `--code` (REDRIVE_INPUT_INVALID naming the option). */
export function parseDeadLetterFilter(input: DeadLetterFilterInput): DeadLetterFilter {
  let sinceMs: number | null = null;
  if (input.since !== undefined) {
    try {
      sinceMs = parseInstant('--since', input.since);
    } catch (error) {
      if (!(error instanceof AuditFilterInvalidError)) throw error;
      throw new RedriveInputInvalidError('--since', String(error.details['reason']));
    }
  }
  const code = input.code?.trim();
  if (code?.length === 0) throw new RedriveInputInvalidError('--code', 'must not be empty');
  return { sinceMs, code: code ?? null };
}

export function describeFilter(filter: DeadLetterFilter): string {
  const parts = [
    filter.sinceMs === null ? null : `since ${epochMsToIso(filter.sinceMs)}`,
    filter.code === null ? null : `code ${filter.code}`,
  ].filter((part) => part !== null);
  return parts.length === 0 ? 'all' : parts.join(', ');
}

const PAGE = 200;

/**
 * The transmissions dead-lettered now, oldest dead letter first, that pass `filter`. The work
 * queue's projection finds them; each one's own stream tells its reason and last failure.
 */
export async function* listDeadLetters(
  ledger: { readonly events: EventStore; readonly work: TransmissionWorkQueue },
  filter: DeadLetterFilter,
): AsyncGenerator<DeadLetterEntry> {
  let afterPosition = 0;
  for (;;) {
    const page = await ledger.work.listDeadLettered({ afterPosition, limit: PAGE });
    for (const found of page) {
      const entry = entryOf(
        loadTransmission(await ledger.events.readStream(found.streamId)).events,
      );
      if (entry !== null && passes(entry, filter)) yield { ...entry, position: found.position };
    }
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE) return;
    afterPosition = last.position;
  }
}

function passes(entry: Omit<DeadLetterEntry, 'position'>, filter: DeadLetterFilter): boolean {
  if (filter.sinceMs !== null && (isoToEpochMs(entry.deadLetteredAt) ?? 0) < filter.sinceMs) {
    return false;
  }
  if (filter.code === null) return true;
  return entry.reason === filter.code || entry.lastFailure?.code === filter.code;
}

/** Null when the stream moved on since the projection was read (re-driven meanwhile). */
function entryOf(events: readonly TransmissionEvent[]): Omit<DeadLetterEntry, 'position'> | null {
  const first = events[0];
  const last = events.at(-1);
  if (first?.type !== 'TransmissionRequested' || last?.type !== 'TransmissionDeadLettered') {
    return null;
  }
  let lastFailure: DeadLetterEntry['lastFailure'] = null;
  let redrives = 0;
  for (const event of events) {
    if (event.type === 'TransmissionRedriven') {
      redrives += 1;
      lastFailure = null;
    } else if (event.type === 'TransmissionAttemptFailed') {
      const { failureKind, status, code } = event.data;
      lastFailure = { kind: failureKind, status, code };
    }
  }
  return {
    commandId: first.data.commandId,
    kind: first.data.kind,
    conversationRef: first.data.conversationRef,
    contentSha256: first.data.contentSha256,
    reason: last.data.reason,
    detail: last.data.detail,
    attempts: last.data.attempts,
    deadLetteredAt: last.data.deadLetteredAt,
    lastFailure,
    redrives,
  };
}
