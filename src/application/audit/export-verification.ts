import { chainHash, GENESIS_HASH } from '../ledger/hash-chain.js';
import type { LedgerHead, RecordedEvent } from '../ports/event-store.port.js';
import { AuditChain, type AuditFailureReason } from './audit-chain.js';
import { EXPORT_END_FORMAT, EXPORT_FORMAT, type ExportHeader } from './ledger-export.js';

export type ExportFailureReason =
  | AuditFailureReason
  /** The first line is not an export header: not an export, or its header was removed. */
  | 'notAnExport'
  /** A line that is not a JSON object with the fields of an exported row. */
  | 'malformedLine'
  /** Positions do not increase from one row to the next: rows were moved or duplicated. */
  | 'positionOrder'
  /** A row after the ledger head the header names, or the head row with another hash. */
  | 'headMismatch'
  /** The trailer is missing (the file was cut off) or its count disagrees with the rows. */
  | 'trailerMismatch';

export interface ExportVerified {
  readonly ok: true;
  readonly partial: boolean;
  readonly count: number;
  readonly firstPosition: number | null;
  readonly lastPosition: number | null;
  /** The last row's hash (the genesis hash when there were no rows). */
  readonly headHash: string;
  readonly header: ExportHeader;
  /** Digest positions that were present in the export and checked (a partial export may miss some). */
  readonly checkpointsChecked: readonly number[];
}

export interface ExportBroken {
  readonly ok: false;
  readonly partial: boolean | null;
  /** The 1-based line of the file where the problem was found. */
  readonly line: number;
  /** The position it concerns, when there is one. */
  readonly position: number | null;
  readonly reason: ExportFailureReason;
  readonly detail: string;
  /** Rows that verified before the break. */
  readonly count: number;
}

export type ExportVerification = ExportVerified | ExportBroken;

export const EXPORT_REASON_TEXT: Readonly<Record<ExportFailureReason, string>> = {
  hashMismatch: 'hash mismatch',
  positionGap: 'gap in positions',
  streamVersionOutOfOrder: 'stream version out of order',
  malformedRow: 'malformed row',
  checkpointMismatch: 'row differs from the digest',
  truncated: 'export shorter than the ledger head or the digest',
  prevHashMismatch: 'prev hash mismatch',
  unreadableRow: 'unreadable row',
  notAnExport: 'not a gtx export',
  malformedLine: 'malformed line',
  positionOrder: 'positions out of order',
  headMismatch: 'disagrees with the export header',
  trailerMismatch: 'trailer missing or wrong',
};

const HEX_SHA256 = /^[0-9a-f]{64}$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseLine(text: string): Json | null {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function asHeader(value: Json | null): ExportHeader | null {
  if (value === null || value.format !== EXPORT_FORMAT || value.version !== 1) return null;
  const head = value.head;
  if (!isObject(head) || !isCount(head.position) || typeof head.hash !== 'string') return null;
  if (!HEX_SHA256.test(head.hash) || typeof value.partial !== 'boolean') return null;
  if (typeof value.exportedAt !== 'string' || !isObject(value.filter)) return null;
  return value as unknown as ExportHeader;
}

/** The row as the chain sees it, or what is wrong with the line. */
function asRow(value: Json): RecordedEvent | string {
  const strings = ['streamId', 'type', 'recordedAt', 'prevHash', 'hash'] as const;
  for (const field of strings) {
    if (typeof value[field] !== 'string') return `${field} is missing or not a string`;
  }
  for (const field of ['position', 'streamVersion', 'schemaVersion'] as const) {
    if (typeof value[field] !== 'number') return `${field} is missing or not a number`;
  }
  if (!('data' in value)) return 'data is missing';
  if (!isObject(value.metadata)) return 'metadata is missing or not an object';
  return {
    position: value.position as number,
    streamId: value.streamId as string,
    streamVersion: value.streamVersion as number,
    type: value.type as string,
    schemaVersion: value.schemaVersion as number,
    data: value.data,
    metadata: value.metadata as RecordedEvent['metadata'],
    recordedAt: value.recordedAt as string,
    prevHash: value.prevHash as string,
    hash: value.hash as string,
  };
}

/** Checks one row of a partial export on its own: its hash over its recorded prev hash. */
function checkAlone(row: RecordedEvent): { reason: ExportFailureReason; detail: string } | null {
  if (!Number.isSafeInteger(row.position) || row.position < 1) {
    return { reason: 'malformedRow', detail: `position ${row.position} is not a positive integer` };
  }
  const prevHash = row.prevHash ?? '';
  if (!HEX_SHA256.test(prevHash) || !HEX_SHA256.test(row.hash)) {
    return { reason: 'malformedRow', detail: 'prevHash or hash is not hex SHA-256' };
  }
  let computed: string;
  try {
    computed = chainHash(prevHash, row);
  } catch (error) {
    return {
      reason: 'malformedRow',
      detail: error instanceof Error ? error.message : String(error),
    };
  }
  if (computed !== row.hash) {
    return { reason: 'hashMismatch', detail: `stored hash ${row.hash}, recomputed ${computed}` };
  }
  if (row.position === 1 && prevHash !== GENESIS_HASH) {
    return { reason: 'prevHashMismatch', detail: 'the first row must follow the genesis hash' };
  }
  return null;
}

/**
 * Verifies an NDJSON export offline, line by line (flat memory). A full export is the chain
 * itself: it is verified from genesis to the head its header names. A partial (filtered) export
 * can only show that each row's hash matches its recorded prev hash, that rows adjacent in the
 * ledger link up, and that positions rise: forged rows with made-up prev hashes pass, so a
 * partial export proves a row genuine only against the ledger or a digest.
 */
export async function verifyExport(
  lines: AsyncIterable<string>,
  options: { readonly checkpoints?: readonly LedgerHead[] } = {},
): Promise<ExportVerification> {
  const checkpoints = new Map((options.checkpoints ?? []).map((c) => [c.position, c.hash]));
  let header: ExportHeader | null = null;
  let chain: AuditChain | null = null;
  let lineNumber = 0;
  let count = 0;
  let first: number | null = null;
  let last: RecordedEvent | null = null;
  let trailerSeen = false;
  const checked: number[] = [];
  const streamVersions = new Map<string, number>();

  const broken = (
    reason: ExportFailureReason,
    detail: string,
    position: number | null,
  ): ExportBroken => ({
    ok: false,
    partial: header?.partial ?? null,
    line: lineNumber,
    position,
    reason,
    detail,
    count,
  });

  for await (const text of lines) {
    lineNumber += 1;
    if (text.trim() === '') continue;
    const value = parseLine(text);
    if (header === null) {
      header = asHeader(value);
      if (header === null)
        return broken('notAnExport', 'the first line is not a gtx export header', null);
      if (!header.partial) chain = new AuditChain(options.checkpoints);
      continue;
    }
    if (trailerSeen) return broken('malformedLine', 'a line after the trailer', null);
    if (value === null) return broken('malformedLine', 'not a JSON object', null);
    if (value.format === EXPORT_END_FORMAT) {
      trailerSeen = true;
      if (value.count !== count || value.lastPosition !== (last?.position ?? null)) {
        return broken(
          'trailerMismatch',
          `the trailer says ${String(value.count)} rows ending at ${String(value.lastPosition)}, the file has ${count} ending at ${String(last?.position ?? null)}`,
          null,
        );
      }
      continue;
    }
    const row = asRow(value);
    if (typeof row === 'string') {
      const position = typeof value.position === 'number' ? value.position : null;
      return broken('malformedLine', row, position);
    }
    if (row.position > header.head.position) {
      return broken(
        'headMismatch',
        `row ${row.position} is after the header's head ${header.head.position}`,
        row.position,
      );
    }
    if (chain !== null) {
      const chainBreak = chain.push(row);
      if (chainBreak !== null)
        return broken(chainBreak.reason, chainBreak.detail, chainBreak.position);
    } else {
      if (last !== null && row.position <= last.position) {
        return broken(
          'positionOrder',
          `position ${row.position} follows ${last.position}`,
          row.position,
        );
      }
      const alone = checkAlone(row);
      if (alone !== null) return broken(alone.reason, alone.detail, row.position);
      if (last !== null && row.position === last.position + 1 && row.prevHash !== last.hash) {
        return broken(
          'prevHashMismatch',
          `prev hash ${String(row.prevHash)} is not row ${last.position}'s hash ${last.hash}`,
          row.position,
        );
      }
      const previousVersion = streamVersions.get(row.streamId);
      if (previousVersion !== undefined && row.streamVersion <= previousVersion) {
        return broken(
          'streamVersionOutOfOrder',
          `stream ${row.streamId}: version ${row.streamVersion} after ${previousVersion}`,
          row.position,
        );
      }
      streamVersions.set(row.streamId, row.streamVersion);
      const expected = checkpoints.get(row.position);
      if (expected !== undefined && expected !== row.hash) {
        return broken(
          'checkpointMismatch',
          `the digest says ${expected}, the export has ${row.hash}`,
          row.position,
        );
      }
    }
    if (checkpoints.has(row.position)) checked.push(row.position);
    if (row.position === header.head.position && row.hash !== header.head.hash) {
      return broken(
        'headMismatch',
        `the header's head hash is ${header.head.hash}, the row has ${row.hash}`,
        row.position,
      );
    }
    count += 1;
    first ??= row.position;
    last = row;
  }
  if (header === null) return broken('notAnExport', 'the file is empty', null);
  if (!trailerSeen)
    return broken(
      'trailerMismatch',
      'the file ends without its trailer line: it was cut off',
      null,
    );
  if (chain !== null) {
    const result = chain.finish();
    if (!result.ok) return broken(result.reason, result.detail, result.position);
    if ((last?.position ?? 0) !== header.head.position) {
      return broken(
        'truncated',
        `the rows end at ${last?.position ?? 0}, the header's head is ${header.head.position}`,
        (last?.position ?? 0) + 1,
      );
    }
  }
  return {
    ok: true,
    partial: header.partial,
    count,
    firstPosition: first,
    lastPosition: last?.position ?? null,
    headHash: last?.hash ?? GENESIS_HASH,
    header,
    checkpointsChecked: checked,
  };
}
