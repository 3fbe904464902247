import {
  ChainVerifier,
  GENESIS_HASH,
  type ChainFailureReason,
  type ChainVerified,
} from '../ledger/hash-chain.js';
import type { LedgerHead, RecordedEvent } from '../ports/event-store.port.js';
import type { StoredRow } from '../ports/stored-row-reader.port.js';
import { LedgerCorruptError } from '../errors.js';
import type { StreamVersionMemory } from '../ledger/stream-versions.js';
import { unparsableColumn } from '../ledger/ledger-rows.js';

export type AuditFailureReason =
  | ChainFailureReason
  /** The stored prev hash column differs from the previous row's hash. */
  | 'prevHashMismatch'
  /** The row cannot be read back at all: a column of the wrong type, JSON that does not parse. */
  | 'unreadableRow';

export interface AuditBreak {
  readonly ok: false;
  /** The first position that does not verify. */
  readonly position: number;
  readonly reason: AuditFailureReason;
  readonly detail: string;
  /** Rows that verified before the break. */
  readonly count: number;
}

export type AuditVerification = ChainVerified | AuditBreak;

/** Words a person reads for each reason, in the CLI's output and in docs/audit.md. */
export const AUDIT_REASON_TEXT: Readonly<Record<AuditFailureReason, string>> = {
  hashMismatch: 'hash mismatch',
  positionGap: 'gap in positions',
  streamVersionOutOfOrder: 'stream version out of order',
  malformedRow: 'malformed row',
  checkpointMismatch: 'row differs from the digest',
  truncated: 'ledger shorter than the digest',
  prevHashMismatch: 'prev hash mismatch',
  unreadableRow: 'unreadable row',
};

/**
 * The hash chain's verifier plus the one check it cannot make from events alone: that the prev
 * hash stored with each row is the previous row's hash. Rows are pushed one at a time in position
 * order from the first row, so memory stays flat apart from the streams' last versions.
 */
export class AuditChain {
  private readonly verifier: ChainVerifier;
  private lastHash = GENESIS_HASH;
  private lastPosition = 0;
  private count = 0;
  private broken: AuditBreak | null = null;

  /**
   * `start`: the row the checked rows continue from, to verify only the end of a ledger.
   * `streamVersions`: as `ChainVerifier`'s, default every stream's.
   */
  constructor(
    checkpoints: readonly LedgerHead[] = [],
    start?: LedgerHead,
    streamVersions?: StreamVersionMemory,
  ) {
    this.verifier = new ChainVerifier(start ?? GENESIS_HASH, {
      checkpoints,
      ...(streamVersions === undefined ? {} : { streamVersions }),
    });
    if (start !== undefined) {
      this.lastHash = start.hash;
      this.lastPosition = start.position;
    }
  }

  get verified(): number {
    return this.count;
  }

  /** Checks the next row; returns the break (and keeps returning it) once the chain is broken. */
  push(row: RecordedEvent): AuditBreak | null {
    if (this.broken !== null) return this.broken;
    return this.afterChainCheck(row, this.verifier.push(row));
  }

  /**
   * As `push`, for a row read as stored: the hash is recomputed over the stored text, and the
   * text must also parse (data as JSON, metadata as an object of strings), as a decoded read
   * would require; a row that does not is unreadable, as it is for `readAll`.
   */
  pushStored(row: StoredRow): AuditBreak | null {
    if (this.broken !== null) return this.broken;
    const problem = unparsableColumn(row);
    if (problem !== null) {
      return this.unreadable(row.position, new LedgerCorruptError(row.position, problem).message);
    }
    return this.afterChainCheck(row, this.verifier.pushStored(row));
  }

  private afterChainCheck(
    row: Pick<RecordedEvent, 'position' | 'hash' | 'prevHash'>,
    chainBreak: ReturnType<ChainVerifier['push']>,
  ): AuditBreak | null {
    if (chainBreak !== null)
      return this.fail(chainBreak.position, chainBreak.reason, chainBreak.detail);
    if (row.prevHash !== undefined && row.prevHash !== this.lastHash) {
      return this.fail(
        row.position,
        'prevHashMismatch',
        `stored prev hash ${row.prevHash}, the previous row's hash is ${this.lastHash}`,
      );
    }
    this.lastHash = row.hash;
    this.lastPosition = row.position;
    this.count += 1;
    return null;
  }

  /** The next row could not be read; `position` is where the reader found it, when known. */
  unreadable(position: number | null, detail: string): AuditBreak {
    if (this.broken !== null) return this.broken;
    const expected = this.lastPosition + 1;
    if (position !== null && position > expected) {
      return this.fail(
        expected,
        'positionGap',
        `expected position ${expected}, found ${position} (unreadable: ${detail})`,
      );
    }
    return this.fail(expected, 'unreadableRow', detail);
  }

  /** Any other break found by a caller (a file's own structure, say) at `position`. */
  fail(position: number, reason: AuditFailureReason, detail: string): AuditBreak {
    this.broken ??= { ok: false, position, reason, detail, count: this.count };
    return this.broken;
  }

  finish(): AuditVerification {
    return this.broken ?? this.verifier.finish();
  }
}
