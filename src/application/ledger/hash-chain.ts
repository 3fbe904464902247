import type { LedgerHead, RecordedEvent } from '../ports/event-store.port.js';
import type { StoredRow } from '../ports/stored-row-reader.port.js';
import { canonicalJson, isWellFormed } from './canonical-json.js';
import { sha256Hex } from './sha256-hex.js';
import type { StreamVersionMemory } from './stream-versions.js';

export { canonicalJson } from './canonical-json.js';

/** The "previous hash" of the first row: 64 zeros, the width of a hex SHA-256. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of a row the chain covers: everything but the hash itself. */
export type ChainRow = Pick<
  RecordedEvent,
  | 'position'
  | 'streamId'
  | 'streamVersion'
  | 'type'
  | 'schemaVersion'
  | 'data'
  | 'metadata'
  | 'recordedAt'
>;

export function canonicalRowEncoding(row: ChainRow): string {
  // Listed explicitly so extra properties on the argument (the hash, say) never leak in.
  return canonicalJson({
    position: row.position,
    streamId: row.streamId,
    streamVersion: row.streamVersion,
    type: row.type,
    schemaVersion: row.schemaVersion,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recordedAt,
  });
}

/** Hex SHA-256 over the previous row's hash followed by this row's canonical encoding. */
export function chainHash(prevHash: string, row: ChainRow): string {
  return sha256Hex(prevHash + canonicalRowEncoding(row));
}

/**
 * `chainHash` for a row whose data and metadata are at hand as canonical JSON text (an append
 * has just encoded them): the same hash without encoding them a second time. "data" and
 * "metadata" sort before every other field, so the encoding starts with them verbatim.
 */
export function chainHashOfEncoded(
  prevHash: string,
  row: Omit<ChainRow, 'data' | 'metadata'>,
  dataJson: string,
  metadataJson: string,
): string {
  const scalars = scalarFieldsEncoding(row);
  return sha256Hex(
    `${prevHash}{"data":${dataJson},"metadata":${metadataJson}${scalars === '' ? '' : `,${scalars}`}}`,
  );
}

/** `chainHash` of a row read as stored: the stored data and metadata text is what was hashed. */
export function chainHashOfStored(prevHash: string, row: StoredRow): string {
  return chainHashOfEncoded(prevHash, row, row.dataJson, row.metadataJson);
}

function isPlainInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isPlainText(value: unknown): value is string {
  return typeof value === 'string' && isWellFormed(value);
}

/**
 * The six scalar fields in canonical order (position, recordedAt, schemaVersion, streamId,
 * streamVersion, type) without the braces. Safe integers and well-formed strings encode exactly
 * as JSON.stringify writes them, which is what canonical JSON does; anything else goes through
 * canonicalJson, which encodes or refuses it as it always has.
 */
function scalarFieldsEncoding(row: Omit<ChainRow, 'data' | 'metadata'>): string {
  const { position, recordedAt, schemaVersion, streamId, streamVersion, type } = row;
  if (
    isPlainInteger(position) &&
    isPlainText(recordedAt) &&
    isPlainInteger(schemaVersion) &&
    isPlainText(streamId) &&
    isPlainInteger(streamVersion) &&
    isPlainText(type)
  ) {
    return `"position":${String(position)},"recordedAt":${JSON.stringify(recordedAt)},"schemaVersion":${String(schemaVersion)},"streamId":${JSON.stringify(streamId)},"streamVersion":${String(streamVersion)},"type":${JSON.stringify(type)}`;
  }
  const rest = canonicalJson({
    position,
    streamId,
    streamVersion,
    type,
    schemaVersion,
    recordedAt,
  });
  return rest.slice(1, -1);
}

export type ChainFailureReason =
  /** The stored hash differs from the one recomputed over the previous hash and this row. */
  | 'hashMismatch'
  /** A position is not the previous one plus one: a row was removed, inserted or reordered. */
  | 'positionGap'
  /** A stream's versions do not go 1, 2, 3… in position order. */
  | 'streamVersionOutOfOrder'
  /** A row whose fields cannot be encoded (not integers, not canonical JSON, hash not hex). */
  | 'malformedRow'
  /** A row named by a digest taken earlier now has a different hash: history was rewritten. */
  | 'checkpointMismatch'
  /** The rows end before a digest taken earlier: the ledger was cut off. */
  | 'truncated';

export interface ChainVerified {
  readonly ok: true;
  readonly count: number;
  /** Null when there were no rows. */
  readonly firstPosition: number | null;
  readonly lastPosition: number | null;
  /** The last row's hash, or the start hash when there were no rows. */
  readonly headHash: string;
}

export interface ChainBroken {
  readonly ok: false;
  /** The first position that does not verify. */
  readonly position: number;
  readonly reason: ChainFailureReason;
  readonly detail: string;
  /** Rows that verified before the break. */
  readonly count: number;
}

export type ChainVerification = ChainVerified | ChainBroken;

export interface VerifyChainOptions {
  /** Digests (position + hash) taken earlier; each must still be in the chain, unchanged. */
  readonly checkpoints?: readonly LedgerHead[];
  /**
   * Where each stream's last version is kept; default a Map of every stream. A bounded memory
   * must be told the versions of the streams it forgot before their next rows are pushed.
   */
  readonly streamVersions?: StreamVersionMemory;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** What the verifier reads of a row besides its hashed content, decoded or as stored. */
type VerifiedFields = Pick<RecordedEvent, 'position' | 'streamId' | 'streamVersion' | 'hash'>;

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/**
 * Verifies rows one at a time, so a ledger of any size is checked in constant memory apart from
 * the streams' last versions (`streamVersions`: every stream's, unless a bounded memory is given). `start` is the genesis hash (rows must begin at position 1),
 * a `LedgerHead` the rows continue from, or a bare hash when the first position is unknown.
 */
export class ChainVerifier {
  private prevHash: string;
  private lastPosition: number | null;
  private firstPosition: number | null = null;
  private count = 0;
  private broken: ChainBroken | null = null;
  private readonly fromGenesis: boolean;
  private readonly streamVersions: StreamVersionMemory;
  private readonly checkpoints: ReadonlyMap<number, string>;

  constructor(start: string | LedgerHead = GENESIS_HASH, options: VerifyChainOptions = {}) {
    if (typeof start === 'string') {
      this.prevHash = start;
      this.lastPosition = start === GENESIS_HASH ? 0 : null;
    } else {
      this.prevHash = start.hash;
      this.lastPosition = start.position;
    }
    this.fromGenesis = this.lastPosition === 0;
    this.checkpoints = new Map((options.checkpoints ?? []).map((c) => [c.position, c.hash]));
    this.streamVersions = options.streamVersions ?? new Map<string, number>();
  }

  /** Checks the next row; returns the break (and keeps returning it) once the chain is broken. */
  push(row: RecordedEvent): ChainBroken | null {
    return this.pushChecked(row, () => chainHash(this.prevHash, row));
  }

  /**
   * As `push`, for a row read as stored: its hash is recomputed over the stored data and
   * metadata text, which must be exactly the text hashed when it was appended.
   */
  pushStored(row: StoredRow): ChainBroken | null {
    return this.pushChecked(row, () => chainHashOfStored(this.prevHash, row));
  }

  private pushChecked(row: VerifiedFields, recompute: () => string): ChainBroken | null {
    if (this.broken !== null) return this.broken;
    const failure = this.check(row, recompute);
    if (failure !== null) {
      this.broken = { ok: false, count: this.count, ...failure };
      return this.broken;
    }
    this.accept(row);
    return null;
  }

  finish(): ChainVerification {
    if (this.broken !== null) return this.broken;
    const truncated = this.firstMissingCheckpoint();
    if (truncated !== null) {
      return {
        ok: false,
        position: truncated,
        reason: 'truncated',
        detail: `the rows end at ${this.lastPosition ?? 'nothing'}, before checkpoint ${truncated}`,
        count: this.count,
      };
    }
    return {
      ok: true,
      count: this.count,
      firstPosition: this.firstPosition,
      lastPosition: this.count === 0 ? null : this.lastPosition,
      headHash: this.prevHash,
    };
  }

  private check(
    row: VerifiedFields,
    recompute: () => string,
  ): Omit<ChainBroken, 'ok' | 'count'> | null {
    const expectedPosition = this.lastPosition === null ? null : this.lastPosition + 1;
    const position = isPositiveInteger(row.position) ? row.position : (expectedPosition ?? 0);
    return (
      this.checkShape(row, position) ??
      this.checkPosition(row.position, expectedPosition) ??
      this.checkStreamVersion(row) ??
      this.checkHash(row, recompute) ??
      this.checkCheckpoint(row)
    );
  }

  private checkShape(
    row: VerifiedFields,
    position: number,
  ): Omit<ChainBroken, 'ok' | 'count'> | null {
    const problem = shapeProblem(row);
    return problem === null ? null : { position, reason: 'malformedRow', detail: problem };
  }

  private checkPosition(
    position: number,
    expected: number | null,
  ): Omit<ChainBroken, 'ok' | 'count'> | null {
    if (expected === null || position === expected) return null;
    return {
      position: Math.min(position, expected),
      reason: 'positionGap',
      detail: `expected position ${expected}, found ${position}`,
    };
  }

  private checkStreamVersion(row: VerifiedFields): Omit<ChainBroken, 'ok' | 'count'> | null {
    const previous = this.streamVersions.get(row.streamId);
    // Starting mid-ledger, a stream first seen may legitimately be at any version.
    if (previous === undefined && !this.fromGenesis) return null;
    const expected = (previous ?? 0) + 1;
    if (row.streamVersion === expected) return null;
    return {
      position: row.position,
      reason: 'streamVersionOutOfOrder',
      detail: `stream ${row.streamId}: expected version ${expected}, found ${row.streamVersion}`,
    };
  }

  private checkHash(
    row: VerifiedFields,
    recompute: () => string,
  ): Omit<ChainBroken, 'ok' | 'count'> | null {
    let computed: string;
    try {
      computed = recompute();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { position: row.position, reason: 'malformedRow', detail: message };
    }
    if (computed === row.hash) return null;
    return {
      position: row.position,
      reason: 'hashMismatch',
      detail: `stored hash ${row.hash}, recomputed ${computed}`,
    };
  }

  private checkCheckpoint(row: VerifiedFields): Omit<ChainBroken, 'ok' | 'count'> | null {
    const expected = this.checkpoints.get(row.position);
    if (expected === undefined || expected === row.hash) return null;
    return {
      position: row.position,
      reason: 'checkpointMismatch',
      detail: `the digest says ${expected}, the ledger now has ${row.hash}`,
    };
  }

  private accept(row: VerifiedFields): void {
    this.firstPosition ??= row.position;
    this.lastPosition = row.position;
    this.prevHash = row.hash;
    this.count += 1;
    this.streamVersions.set(row.streamId, row.streamVersion);
  }

  private firstMissingCheckpoint(): number | null {
    const last = this.lastPosition ?? 0;
    const missing = [...this.checkpoints.keys()].filter((position) => position > last);
    return missing.length === 0 ? null : Math.min(...missing);
  }
}

function shapeProblem(row: VerifiedFields): string | null {
  if (!isPositiveInteger(row.position))
    return `position ${String(row.position)} is not a positive integer`;
  if (!isPositiveInteger(row.streamVersion)) {
    return `stream version ${String(row.streamVersion)} is not a positive integer`;
  }
  if (typeof row.hash !== 'string' || !HEX_SHA256.test(row.hash)) return 'hash is not hex SHA-256';
  return null;
}

/** Verifies a whole sequence of rows in position order; stops reading at the first break. */
export function verifyChain(
  rows: Iterable<RecordedEvent>,
  start: string | LedgerHead = GENESIS_HASH,
  options: VerifyChainOptions = {},
): ChainVerification {
  const verifier = new ChainVerifier(start, options);
  for (const row of rows) {
    if (verifier.push(row) !== null) break;
  }
  return verifier.finish();
}

/** As `verifyChain`, for rows read page by page from a ledger. */
export async function verifyChainAsync(
  rows: AsyncIterable<RecordedEvent>,
  start: string | LedgerHead = GENESIS_HASH,
  options: VerifyChainOptions = {},
): Promise<ChainVerification> {
  const verifier = new ChainVerifier(start, options);
  for await (const row of rows) {
    if (verifier.push(row) !== null) break;
  }
  return verifier.finish();
}
