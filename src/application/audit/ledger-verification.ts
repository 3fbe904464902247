import { isGtxError } from '../../domain/index.js';
import type { EventStore, LedgerHead, ReadAllOptions } from '../ports/event-store.port.js';
import { readsStoredRows, type StoredRow } from '../ports/stored-row-reader.port.js';
import { rememberForgottenStreams, streamMemoryFor } from '../ledger/stream-versions.js';
import { AuditChain, type AuditBreak, type AuditVerification } from './audit-chain.js';
import { AuditUsageError } from './audit-errors.js';

export interface VerifyLedgerOptions {
  /** Digests taken earlier: the row at each position must still carry the digest's hash. */
  readonly checkpoints?: readonly LedgerHead[];
  /** Rows read per page; default 1000 (the adapter may cap it lower). */
  readonly pageSize?: number;
  /** Called after each page with the number of rows verified so far. */
  readonly onProgress?: (verified: number) => void;
  /**
   * Verify only the rows after this position (`gtx doctor`'s last N events), continuing from the
   * hash stored at it; default 0, the whole chain from the genesis hash.
   */
  readonly afterPosition?: number;
  /**
   * Streams kept in memory by a verify of stored rows; default `TRACKED_STREAMS`, and
   * never fewer than four pages' worth.
   */
  readonly trackedStreams?: number;
}

type PageReader<Row> = (options: ReadAllOptions) => Promise<readonly Row[]>;

type Scanned<Row> =
  | { readonly kind: 'row'; readonly row: Row }
  | { readonly kind: 'unreadable'; readonly position: number | null; readonly detail: string };

const DEFAULT_PAGE_SIZE = 1000;

function isCorruptRow(error: unknown): error is Error & { details: Record<string, unknown> } {
  return isGtxError(error) && error.code === 'LEDGER_CORRUPT';
}

function corruptPosition(error: { details: Record<string, unknown> }): number | null {
  const position = error.details.position;
  return typeof position === 'number' && Number.isSafeInteger(position) && position >= 1
    ? position
    : null;
}

/**
 * Every stored row in position order, a page at a time. A page the adapter refuses to decode
 * (a row it reports as corrupt) is re-read one row at a time, so the rows before the bad one
 * are still checked and the bad one is named by its position.
 */
async function* scanStoredRows<Row extends { readonly position: number }>(
  readPage: PageReader<Row>,
  pageSize: number,
  from: number,
): AsyncGenerator<Scanned<Row>, void, undefined> {
  let afterPosition = from;
  for (;;) {
    let page: readonly Row[];
    try {
      page = await readPage({ afterPosition, limit: pageSize });
    } catch (error) {
      if (!isCorruptRow(error)) throw error;
      for (let read = 0; read < pageSize; read += 1) {
        let single: readonly Row[];
        try {
          single = await readPage({ afterPosition, limit: 1 });
        } catch (inner) {
          if (!isCorruptRow(inner)) throw inner;
          yield { kind: 'unreadable', position: corruptPosition(inner), detail: inner.message };
          return;
        }
        const row = single[0];
        if (row === undefined) return;
        yield { kind: 'row', row };
        afterPosition = row.position;
      }
      continue;
    }
    const last = page.at(-1);
    if (last === undefined) return;
    for (const row of page) yield { kind: 'row', row };
    afterPosition = last.position;
  }
}

/**
 * Recomputes the whole chain of a ledger as it is stored, from position 1 to the last row, and
 * names the first position that fails and why. With checkpoints (digests taken earlier) it also
 * proves that nothing up to each checkpoint was rewritten or cut off since. A store that reads
 * its rows as stored (every adapter here) is verified over the stored text, which is what was
 * hashed at append, without decoding each row and encoding it again; any other EventStore is
 * verified over its decoded events.
 */
export async function verifyLedger(
  ledger: EventStore,
  options: VerifyLedgerOptions = {},
): Promise<AuditVerification> {
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE));
  const from = Math.max(0, Math.floor(options.afterPosition ?? 0));
  const start = from === 0 ? undefined : await storedHead(ledger, from);
  if (readsStoredRows(ledger)) {
    const versions = streamMemoryFor(pageSize, options.trackedStreams);
    const chain = new AuditChain(options.checkpoints, start, versions);
    const readPage = async (page: ReadAllOptions): Promise<readonly StoredRow[]> => {
      const rows = await ledger.readStoredRows(page);
      await rememberForgottenStreams(versions, rows, ledger);
      return rows;
    };
    return verifyRows(
      chain,
      scanStoredRows(readPage, pageSize, from),
      (row) => chain.pushStored(row),
      pageSize,
      options.onProgress,
    );
  }
  const chain = new AuditChain(options.checkpoints, start);
  return verifyRows(
    chain,
    scanStoredRows((page) => ledger.readAll(page), pageSize, from),
    (row) => chain.push(row),
    pageSize,
    options.onProgress,
  );
}

async function verifyRows<Row>(
  chain: AuditChain,
  rows: AsyncIterable<Scanned<Row>>,
  push: (row: Row) => AuditBreak | null,
  pageSize: number,
  onProgress: ((verified: number) => void) | undefined,
): Promise<AuditVerification> {
  let sinceProgress = 0;
  for await (const scanned of rows) {
    if (scanned.kind === 'unreadable') return chain.unreadable(scanned.position, scanned.detail);
    if (push(scanned.row) !== null) break;
    sinceProgress += 1;
    if (sinceProgress >= pageSize) {
      sinceProgress = 0;
      onProgress?.(chain.verified);
    }
  }
  onProgress?.(chain.verified);
  return chain.finish();
}

/** The hash stored at `position`, which the rows after it must continue. */
async function storedHead(ledger: EventStore, position: number): Promise<LedgerHead> {
  const [row] = await ledger.readAll({ afterPosition: position - 1, limit: 1 });
  if (row?.position !== position) {
    throw new AuditUsageError(`the ledger has no row at position ${position} to verify from`);
  }
  return { position, hash: row.hash };
}
