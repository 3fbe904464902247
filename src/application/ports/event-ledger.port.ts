import type { ServiceIdentifier } from 'inversify';
import type { TransmissionStatus } from '../../domain/index.js';

export interface EventMetadata {
  /** The command that caused this event (the idempotency key). */
  readonly commandId?: string;
  /** Ties every event of one piece of work together across streams. */
  readonly correlationId?: string;
  /** The event or request that directly caused this one. */
  readonly causationId?: string;
  readonly [key: string]: string | undefined;
}

export interface NewEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent extends NewEvent {
  /** Global position: 1, 2, 3… with no gaps. */
  readonly position: number;
  readonly streamId: string;
  /** 1 for a stream's first event. */
  readonly streamVersion: number;
  readonly recordedAt: string;
  /** Hex SHA-256 chained over the previous row's hash and this row's canonical encoding. */
  readonly hash: string;
  /** The previous row's hash as stored with this row (genesis hash at position 1), for audits. */
  readonly prevHash?: string;
}

/** `noStream`: the stream must not exist; a number: the stream's current version must equal it. */
export type ExpectedVersion = 'noStream' | 'any' | number;

export interface AppendRequest {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly events: readonly NewEvent[];
}

export interface AppendResult {
  readonly streamId: string;
  /** The stream's version after the append. */
  readonly streamVersion: number;
  readonly firstPosition: number;
  readonly lastPosition: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with a greater position. 0 reads from the start. */
  readonly afterPosition: number;
  /** At most this many events; adapters cap it at their own page size. */
  readonly limit: number;
  readonly types?: readonly string[];
  readonly streamIds?: readonly string[];
}

/** One row of the inline transmissions projection: a transmission that is not final yet. */
export interface OpenTransmission {
  readonly streamId: string;
  readonly commandId: string;
  readonly conversationRef: string;
  readonly status: Extract<TransmissionStatus, 'pending' | 'inFlight'>;
  readonly retryAtMs: number | null;
  /** Position of the transmission's first event: the order within its conversation. */
  readonly sequence: number;
}

export interface NextWorkQuery {
  readonly limit: number;
  /** Only transmissions whose retry is due by then. */
  readonly dueByMs: number;
  /** Conversations that already have a transmission in flight in this process. */
  readonly excludeConversations: ReadonlySet<string>;
}

export interface LedgerHead {
  readonly position: number;
  /** The hash of the last row, or the genesis hash of an empty ledger. */
  readonly hash: string;
}

export interface TransmissionCounts {
  readonly open: number;
  readonly rejected: number;
  readonly delivered: number;
  readonly deadLettered: number;
}

/**
 * The append-only, hash-chained event store. It is also the outbox: a transmission is in the
 * ledger before any network call. Adapters keep an inline projection of transmission streams
 * (written in the same transaction as their events) so finding work never scans the ledger.
 */
export interface EventLedger {
  /** Atomic per request; a version conflict rejects with a `LEDGER_VERSION_CONFLICT` error. */
  append(request: AppendRequest): Promise<AppendResult>;
  readStream(streamId: string): Promise<readonly RecordedEvent[]>;
  readAll(options: ReadAllOptions): Promise<readonly RecordedEvent[]>;
  head(): Promise<LedgerHead>;
  /**
   * The oldest open transmission of each conversation (so order within a conversation holds),
   * oldest conversations first, skipping excluded conversations and retries not yet due.
   */
  nextWork(query: NextWorkQuery): Promise<readonly OpenTransmission[]>;
  /** Open transmissions whose last attempt started but has no outcome: interrupted by a crash. */
  interruptedWork(limit: number): Promise<readonly OpenTransmission[]>;
  transmissionCounts(): Promise<TransmissionCounts>;
  /** Rebuilds the inline projection from the events, the source of truth. */
  rebuildProjections(): Promise<void>;
  close(): Promise<void>;
}

export const EVENT_LEDGER: ServiceIdentifier<EventLedger> = Symbol.for('gtx.EventLedger');
