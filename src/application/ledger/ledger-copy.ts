import { GtxError } from '../../domain/index.js';
import { LedgerCorruptError } from '../errors.js';
import type {
  FeedCheckpointStore,
  GuestKeyStore,
  LedgerHead,
  RecordedEvent,
} from '../ports/index.js';
import type { EventStore } from '../ports/event-store.port.js';
import type { StoredRowReader } from '../ports/stored-row-reader.port.js';
import { ChainVerifier, GENESIS_HASH } from './hash-chain.js';
import { storedRowOf, type StoredRow } from './ledger-rows.js';
import { rememberForgottenStreams, streamMemoryFor } from './stream-versions.js';

/**
 * Where a copy writes: an empty ledger (of any engine) that takes rows exactly as stored, so
 * positions, times and hashes are the source's and the copy verifies as the original did.
 */
export interface LedgerCopyTarget {
  readonly events: Pick<EventStore, 'head'>;
  /** Inserts rows that continue the target's head, in one transaction per call. */
  importStoredRows(rows: readonly StoredRow[]): Promise<void>;
  /** Rebuilds the target's work queue from the copied events. */
  rebuildProjections(): Promise<void>;
  readonly guestKeys: GuestKeyStore;
  readonly checkpoints: FeedCheckpointStore;
}

export interface LedgerCopySource {
  /**
   * With `streamVersionsBefore` (every adapter here), the source's chain is checked keeping a
   * bounded number of streams in memory, as `audit verify` does; without it, every stream.
   */
  readonly events: Pick<EventStore, 'head' | 'readAll'> &
    Partial<Pick<StoredRowReader, 'streamVersionsBefore'>>;
  readonly guestKeys: GuestKeyStore;
  readonly checkpoints: FeedCheckpointStore;
}

export interface LedgerCopyOptions {
  /** Events per read and per target transaction. */
  readonly pageSize?: number;
  /** Continue a copy that stopped: the target must hold a prefix of the source, unchanged. */
  readonly resume?: boolean;
  readonly onProgress?: (progress: LedgerCopyProgress) => void;
  /** Streams the source check keeps in memory; default `TRACKED_STREAMS`. */
  readonly trackedStreams?: number;
}

export interface LedgerCopyProgress {
  readonly copied: number;
  readonly total: number;
}

export interface LedgerCopySummary {
  /** Events written by this run (a resumed run counts only its own). */
  readonly events: number;
  /** Events the target held before (a resumed copy). */
  readonly alreadyCopied: number;
  readonly guestKeys: number;
  readonly checkpoints: number;
  readonly head: LedgerHead;
}

export type LedgerCopyErrorCode =
  | 'LEDGER_COPY_TARGET_NOT_EMPTY'
  | 'LEDGER_COPY_TARGET_DIVERGES'
  | 'LEDGER_COPY_SOURCE_BROKEN'
  | 'LEDGER_COPY_SAME_LEDGER';

export class LedgerCopyError extends GtxError {
  declare readonly code: LedgerCopyErrorCode;
}

const DEFAULT_PAGE_SIZE = 1000;
const KEY_PAGE_SIZE = 500;

/**
 * Copies every event of one ledger into an empty one, verifying the source's chain page by page
 * before each page is written, then the guest keys (still wrapped with the same master key) and
 * the feed checkpoints. Copying into a ledger that holds events is refused, except to resume a
 * copy whose target is an unchanged prefix of the source.
 */
export async function copyLedger(
  source: LedgerCopySource,
  target: LedgerCopyTarget,
  options: LedgerCopyOptions = {},
): Promise<LedgerCopySummary> {
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE));
  const sourceHead = await source.events.head();
  const targetHead = await target.events.head();
  await checkTargetStart(source, sourceHead, targetHead, options.resume === true);

  const { events } = source;
  const bounded =
    events.streamVersionsBefore === undefined
      ? null
      : {
          versions: streamMemoryFor(pageSize, options.trackedStreams),
          store: { streamVersionsBefore: events.streamVersionsBefore.bind(events) },
        };
  const verifier = new ChainVerifier(
    GENESIS_HASH,
    bounded === null ? {} : { streamVersions: bounded.versions },
  );
  let copied = 0;
  let afterPosition = 0;
  for (;;) {
    const page = await readSourcePage(
      source,
      afterPosition,
      pageSize,
      targetHead.position + copied,
    );
    const last = page.at(-1);
    if (last === undefined) break;
    if (bounded !== null) await rememberForgottenStreams(bounded.versions, page, bounded.store);
    const rows = verifiedRows(verifier, page, targetHead.position, copied);
    if (rows.length > 0) await target.importStoredRows(rows);
    copied += rows.length;
    afterPosition = last.position;
    options.onProgress?.({ copied, total: sourceHead.position - targetHead.position });
  }
  await target.rebuildProjections();
  const guestKeys = await copyGuestKeys(source.guestKeys, target.guestKeys);
  const checkpoints = await copyCheckpoints(source.checkpoints, target.checkpoints);
  return {
    events: copied,
    alreadyCopied: targetHead.position,
    guestKeys,
    checkpoints,
    head: await target.events.head(),
  };
}

/** What an importing store checks before writing: the rows start right after its head. */
export function checkImportContinues(head: LedgerHead, rows: readonly StoredRow[]): void {
  const first = rows[0];
  if (first === undefined) return;
  if (first.position !== head.position + 1 || first.prevHash !== head.hash) {
    throw new LedgerCopyError(
      'LEDGER_COPY_TARGET_DIVERGES',
      `the rows start at position ${first.position} after hash ${first.prevHash.slice(0, 12)}…, but the ledger's head is position ${head.position}, hash ${head.hash.slice(0, 12)}…`,
    );
  }
}

async function checkTargetStart(
  source: LedgerCopySource,
  sourceHead: LedgerHead,
  targetHead: LedgerHead,
  resume: boolean,
): Promise<void> {
  if (targetHead.position === 0) return;
  if (!resume) {
    throw new LedgerCopyError(
      'LEDGER_COPY_TARGET_NOT_EMPTY',
      `the target ledger already holds ${targetHead.position} events; copy into an empty ledger, or pass --resume to continue a copy that stopped`,
    );
  }
  const [sameRow] =
    targetHead.position <= sourceHead.position
      ? await source.events.readAll({ afterPosition: targetHead.position - 1, limit: 1 })
      : [];
  if (sameRow?.position !== targetHead.position || sameRow.hash !== targetHead.hash) {
    throw new LedgerCopyError(
      'LEDGER_COPY_TARGET_DIVERGES',
      `the target's last event (position ${targetHead.position}) is not the source's: it is not a copy of this ledger to resume`,
    );
  }
}

/** Verifies the page; returns the rows the target does not hold yet. A break stops the copy. */
function verifiedRows(
  verifier: ChainVerifier,
  page: readonly RecordedEvent[],
  targetPosition: number,
  copied: number,
): StoredRow[] {
  const rows: StoredRow[] = [];
  for (const event of page) {
    const broken = verifier.push(event);
    if (broken !== null) {
      throw new LedgerCopyError(
        'LEDGER_COPY_SOURCE_BROKEN',
        `the source ledger does not verify at position ${broken.position} (${broken.reason}: ${broken.detail}); ${notCopiedAfter(targetPosition + copied)}`,
      );
    }
    if (event.position > targetPosition) rows.push(storedRowOf(event));
  }
  return rows;
}

function notCopiedAfter(position: number): string {
  return `the target holds the first ${position} events, which verify; nothing from position ${position + 1} on was written`;
}

/** A row the source cannot even decode stops the copy as a broken chain does. */
async function readSourcePage(
  source: LedgerCopySource,
  afterPosition: number,
  limit: number,
  written: number,
): Promise<readonly RecordedEvent[]> {
  try {
    return await source.events.readAll({ afterPosition, limit });
  } catch (error) {
    if (!(error instanceof LedgerCorruptError)) throw error;
    throw new LedgerCopyError(
      'LEDGER_COPY_SOURCE_BROKEN',
      `the source ledger cannot be read: ${error.message}; ${notCopiedAfter(written)}`,
    );
  }
}

async function copyGuestKeys(from: GuestKeyStore, to: GuestKeyStore): Promise<number> {
  let count = 0;
  let after: string | null = null;
  for (;;) {
    const keys = await from.list(after, KEY_PAGE_SIZE);
    const last = keys.at(-1);
    if (last === undefined) return count;
    for (const key of keys) {
      const stored = await to.createIfAbsent(key);
      if (stored.keyId === key.keyId) count += 1;
    }
    after = last.keyId;
  }
}

async function copyCheckpoints(
  from: FeedCheckpointStore,
  to: FeedCheckpointStore,
): Promise<number> {
  const checkpoints = await from.list();
  for (const checkpoint of checkpoints) {
    if ((await to.load(checkpoint.name)) < checkpoint.position) {
      await to.save(checkpoint.name, checkpoint.position);
    }
  }
  return checkpoints.length;
}
