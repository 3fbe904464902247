import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { VirtualClock } from '../../../src/adapters/clock/virtual-clock.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import type { EventStore, NewEvent } from '../../../src/application/ports/event-store.port.js';
import { epochMsToIso, transmissionStreamId } from '../../../src/domain/index.js';

export const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const at = (offsetMs: number): string => epochMsToIso(T0 + offsetMs);

function event(type: string, data: Record<string, unknown>, commandId: string): NewEvent {
  return { type, schemaVersion: 1, data, metadata: { commandId } };
}

/** Transmission events in their stored v1 shape, as the domain writes them. */
const transmission = {
  requested: (commandId: string, conversationRef: string): NewEvent =>
    event(
      'TransmissionRequested',
      {
        commandId,
        kind: 'message',
        guestId: `guest-${conversationRef}`,
        conversationRef,
        contentSha256: 'a'.repeat(64),
        content: {
          kind: 'message',
          guest: { id: `guest-${conversationRef}`, idType: 'Opaque' },
          text: `hello from ${commandId}`,
          attachments: [],
          metadata: {},
        },
        requestedAt: at(0),
      },
      commandId,
    ),
  rejected: (commandId: string, conversationRef: string): NewEvent =>
    event(
      'TransmissionRejected',
      {
        commandId,
        kind: 'typing',
        guestId: `guest-${conversationRef}`,
        conversationRef,
        contentSha256: 'b'.repeat(64),
        content: { kind: 'typing', guest: { id: `guest-${conversationRef}`, idType: 'Opaque' } },
        violations: [{ code: 'TEXT_TOO_MANY_BYTES', field: '/text', message: 'too long' }],
        rejectedAt: at(0),
      },
      commandId,
    ),
  started: (commandId: string, attempt: number): NewEvent =>
    event('TransmissionAttemptStarted', { attempt, startedAt: at(attempt * 1000) }, commandId),
  failed: (commandId: string, attempt: number): NewEvent =>
    event(
      'TransmissionAttemptFailed',
      {
        attempt,
        failureKind: 'transient',
        retryable: true,
        status: 503,
        code: null,
        message: 'the far side said no',
        correlationId: null,
        retryAfterMs: null,
        retryAt: at(attempt * 1000 + 5000),
        failedAt: at(attempt * 1000 + 10),
      },
      commandId,
    ),
  delivered: (commandId: string, attempts: number): NewEvent =>
    event(
      'TransmissionDelivered',
      {
        genesysMessageId: `gm-${commandId}`,
        genesysConversationId: null,
        correlationId: null,
        attempts,
        latencyMs: 42,
        deliveredAt: at(attempts * 1000 + 20),
      },
      commandId,
    ),
};

export interface TempDir {
  readonly dir: string;
  path(name: string): string;
  remove(): void;
}

export function tempDir(prefix = 'gtx-audit-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Appends `transmissions` transmission streams (guests g-0, g-1, g-2 in turn; delivered, retried
 * or rejected) interleaved with note events, one minute apart, through the real ledger API.
 */
export async function fillLedger(
  ledger: EventStore,
  clock: VirtualClock,
  transmissions: number,
): Promise<void> {
  for (let i = 0; i < transmissions; i += 1) {
    const id = `cmd-${i}`;
    const conversation = `c${i % 3}`;
    const events =
      i % 5 === 4
        ? [transmission.rejected(id, conversation)]
        : i % 3 === 1
          ? [
              transmission.requested(id, conversation),
              transmission.started(id, 1),
              transmission.failed(id, 1),
              transmission.started(id, 2),
              transmission.delivered(id, 2),
            ]
          : [
              transmission.requested(id, conversation),
              transmission.started(id, 1),
              transmission.delivered(id, 1),
            ];
    await ledger.append({
      streamId: transmissionStreamId(id),
      expectedVersion: 'noStream',
      events,
    });
    await ledger.append({
      streamId: `notes-${i % 2}`,
      expectedVersion: 'any',
      events: [
        {
          type: 'NoteTaken',
          schemaVersion: 1,
          data: { n: i, text: 'a, "quoted"\nline' },
          metadata: { correlationId: `c-${i}` },
        },
      ],
    });
    await clock.advanceBy(60_000);
  }
}

/** A SQLite ledger file with `transmissions` transmissions in it, closed again. */
export async function makeLedgerFile(path: string, transmissions: number): Promise<void> {
  const clock = new VirtualClock(T0);
  const ledger = openSqliteLedger({ path, clock }).events;
  try {
    await fillLedger(ledger, clock, transmissions);
  } finally {
    await ledger.close();
  }
}

/** Opens the file with better-sqlite3 and drops the append-only triggers, as an attacker would. */
export function openForTampering(path: string): Database.Database {
  const db = new Database(path);
  db.exec(
    'DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete; DROP TRIGGER IF EXISTS events_chain_continues;',
  );
  return db;
}
