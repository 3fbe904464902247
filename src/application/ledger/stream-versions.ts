import type { StoredRowReader } from '../ports/stored-row-reader.port.js';

/**
 * What a chain verifier remembers of each stream: the version of its last row, so the next row
 * of the stream must carry the one after it. A `Map` is one, holding every stream it has seen;
 * over a ledger of millions of streams that is hundreds of megabytes and, past 2^24 streams,
 * more than a `Map` may hold. `RecentStreamVersions` keeps only the streams seen last and is
 * told the rest by the store before each page (`StoredRowReader.streamVersionsBefore`).
 */
export interface StreamVersionMemory {
  get(streamId: string): number | undefined;
  set(streamId: string, version: number): void;
}

interface VersionedRow {
  readonly streamId: string;
  readonly streamVersion: number;
}

/**
 * Streams whose last version a pass over the whole ledger (verify, copy) keeps in memory, tens
 * of megabytes; the versions of the others are asked of the store, one query per page.
 */
export const TRACKED_STREAMS = 262_144;

/**
 * The memory of a pass that reads `pageSize` rows at a time: `tracked` streams, but never so few
 * that a page's own streams push out the versions just asked for it (a generation, half the
 * memory, holds both).
 */
export function streamMemoryFor(pageSize: number, tracked = TRACKED_STREAMS): RecentStreamVersions {
  return new RecentStreamVersions(Math.max(tracked, 4 * pageSize));
}

/** Before a page is checked, the store says where the streams `versions` forgot stood. */
export async function rememberForgottenStreams(
  versions: RecentStreamVersions,
  page: readonly (VersionedRow & { readonly position: number })[],
  store: Pick<StoredRowReader, 'streamVersionsBefore'>,
): Promise<void> {
  const first = page[0];
  const unknown = versions.unknownIn(page);
  if (first === undefined || unknown.length === 0) return;
  versions.remember(await store.streamVersionsBefore(unknown, first.position));
}

/**
 * The last version of the streams seen most recently: at most `capacity`, in two generations.
 * New entries go to the young one; when it holds half the capacity the old one is dropped whole
 * and the young one becomes old. Nothing is ever deleted one by one, which a Map does slowly at
 * this size (every delete leaves a hole the next scan steps over).
 */
export class RecentStreamVersions implements StreamVersionMemory {
  private young = new Map<string, number>();
  private old = new Map<string, number>();
  private readonly generation: number;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 2) {
      throw new RangeError(`capacity must be a whole number of at least 2, not ${capacity}`);
    }
    this.generation = Math.floor(capacity / 2);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(streamId: string): number | undefined {
    return this.young.get(streamId) ?? this.old.get(streamId);
  }

  has(streamId: string): boolean {
    return this.young.has(streamId) || this.old.has(streamId);
  }

  set(streamId: string, version: number): void {
    if (!this.young.has(streamId) && this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(streamId, version);
  }

  /**
   * The streams of `rows` (one page, in position order) whose previous version is neither
   * remembered nor in the page before them: what the store must be asked for.
   */
  unknownIn(rows: readonly VersionedRow[]): string[] {
    const inPage = new Set<string>();
    const unknown = new Set<string>();
    for (const { streamId, streamVersion } of rows) {
      const continues = Number.isSafeInteger(streamVersion) && streamVersion > 1;
      if (continues && !inPage.has(streamId) && !this.has(streamId)) {
        unknown.add(streamId);
      }
      inPage.add(streamId);
    }
    return [...unknown];
  }

  /** Versions the store reported (0 for a stream with no earlier row). */
  remember(versions: ReadonlyMap<string, number>): void {
    for (const [streamId, version] of versions) this.set(streamId, version);
  }
}

/**
 * What a store's `streamVersionsBefore` returns: every stream asked for, at the highest version
 * found (a driver may give it as text), or 0 when none was.
 */
export function versionsOf(
  streamIds: readonly string[],
  found: readonly { readonly streamId: string; readonly version: number | string }[],
): ReadonlyMap<string, number> {
  const versions = new Map<string, number>(streamIds.map((streamId) => [streamId, 0]));
  for (const { streamId, version } of found) versions.set(streamId, Number(version));
  return versions;
}
