export interface FeedCheckpoint {
  /** `analytics` for the live feed; `replay:<key>` for a resumable replay. */
  readonly name: string;
  /** The last ledger position handed over (and acknowledged); 0 before anything was. */
  readonly position: number;
  readonly updatedAt: string;
}

/**
 * Where a projection remembers how far it has read the ledger. It is its own state, kept apart
 * from the ledger's events (which are append-only), so moving it rewrites nothing audited.
 */
export interface FeedCheckpointStore {
  /** The checkpoint's position, or 0 when it was never saved. */
  load(name: string): Promise<number>;
  save(name: string, position: number): Promise<void>;
  list(): Promise<readonly FeedCheckpoint[]>;
  close(): Promise<void>;
}
