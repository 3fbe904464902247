import type { ServiceIdentifier } from 'inversify';

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

/**
 * Who may write this append, checked in the append's own transaction by the store's inline
 * projections: the work queue refuses an outcome from a worker whose claim was taken over
 * (`WORK_CLAIM_LOST`), so a late answer never lands over the new owner's work.
 */
export interface AppendGuard {
  readonly owner: string;
  readonly fence: number;
}

export interface AppendRequest {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly events: readonly NewEvent[];
  readonly guard?: AppendGuard;
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

export interface LedgerHead {
  readonly position: number;
  /** The hash of the last row, or the genesis hash of an empty ledger. */
  readonly hash: string;
}

/**
 * The append-only, hash-chained event store. It is also the outbox: a transmission is in the
 * store before any network call. Positions are gapless and in commit order, so a reader of
 * "everything after N" never misses an event that committed late.
 */
export interface EventStore {
  /** Atomic per request; a version conflict rejects with a `LEDGER_VERSION_CONFLICT` error. */
  append(request: AppendRequest): Promise<AppendResult>;
  readStream(streamId: string): Promise<readonly RecordedEvent[]>;
  readAll(options: ReadAllOptions): Promise<readonly RecordedEvent[]>;
  head(): Promise<LedgerHead>;
  close(): Promise<void>;
}

export const EVENT_STORE: ServiceIdentifier<EventStore> = Symbol.for('gtx.EventStore');
